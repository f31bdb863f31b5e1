"""The sweeps behind the follow-up and confidence constants (docs/retrieval.md), on this
project's tuning sets (eval/tuning/) and, for the names check, the SQuAD sets, each cut in a
tune and a held-out half by document (bench/conversation.py's ``half``).

    .venv/bin/python bench/followup_sweep.py [--index-root DIR] [--part followups|confidence|...|fifteenth]
    .venv/bin/python bench/followup_sweep.py --index-root DIR --held FILE [FILE ...]

Prints markdown tables. Slow on a loaded machine (a few hundred searches per row), so it
is not part of `make bench`, which reports the chosen constants on every set.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from bench.conversation import CORPORA, EVAL, _ok, all_seeds, ask_followups, half, recall
from bench.evaluate import load_jsonl, rank_of_answer
from index import confidence, followup, search
from index.binding import WITHIN
from index.lexical import terms
from index.query import Retriever
from index.text import clean_question

TUNING = ROOT / "eval" / "tuning"
# The method before the tenth pass: its gate reads a possessive, a clause's "that" and a vague
# question naming its own subject as the ninth pass did (the earlier passes' sweeps are built on it).
# The later passes' rules are off in it too (the eleventh's "the rest" and other documents' drop, the twelfth's
# fragments and plain new words).
NINTH_PASS = followup.Folding(
    bound=False,
    clauses=False,
    subject_share=0.0,
    remainders=False,
    elsewhere_drop=0.0,
    fragments=False,
    plain_new=False,
)


def cached(retriever: Retriever) -> Retriever:
    """The retriever with its question embeddings memoised (every row re-asks the same texts)."""
    memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    encode = retriever._encode_with_tokens

    def encode_once(texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        new = [t for t in dict.fromkeys(texts) if t not in memo]
        if new:
            vectors, tokens = encode(new)
            memo.update({t: (v, tok) for t, v, tok in zip(new, vectors, tokens, strict=True)})
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), []
        return np.stack([memo[t][0] for t in texts]), [memo[t][1] for t in texts]

    retriever._encode_with_tokens = encode_once  # type: ignore[method-assign]
    return retriever


def followup_row(retrievers: dict[str, Retriever], rows: list[dict], folding: followup.Folding) -> str:
    """One sweep row: follow-ups' recall per corpus and in all, standalone questions' recall and kept answers."""
    cells, hits1, hits3, n, kept, alone_hits, n_alone = [], 0.0, 0.0, 0, 0, 0.0, 0
    for corpus, retriever in retrievers.items():
        retriever.folding = folding
        follow = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
        alone = [r for r in rows if r["corpus"] == corpus and r.get("standalone")]
        got = recall(ask_followups(retriever, follow, "thread"), follow)
        cells.append(f"{got.at_1:.3f}")
        hits1, hits3, n = hits1 + got.at_1 * got.n, hits3 + got.at_3 * got.n, n + got.n
        threaded = ask_followups(retriever, alone, "thread")
        kept += sum(a == b for a, b in zip(threaded, ask_followups(retriever, alone, "alone"), strict=True))
        alone_hits += recall(threaded, alone).at_1 * len(alone)
        n_alone += len(alone)
        retriever.folding = followup.Folding()
    return f"{' | '.join(cells)} | {hits1 / n:.3f} | {hits3 / n:.3f} | {alone_hits / n_alone:.3f} | {kept}/{n_alone}"


def followups(retrievers: dict[str, Retriever]) -> None:
    rows = load_jsonl(TUNING / "followups.jsonl")
    base = NINTH_PASS
    print("### Follow-ups (eval/tuning/followups.jsonl)\n")
    for corpus, retriever in retrievers.items():
        follow = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
        for how in ("alone", "joined"):
            got = recall(ask_followups(retriever, follow, how), follow)
            print(f"- reference on {corpus} ({got.n}), {how}: recall@1 {got.at_1:.3f}, recall@3 {got.at_3:.3f}")
    names = " r@1 | ".join(retrievers)
    header = (
        f"| {{}} | {names} r@1 | all r@1 | all r@3 | standalone r@1 | standalone kept |\n|---|---|---|---|---|---|---|"
    )
    print("\nWhen a question is read with its thread (vague_z; -inf: pronouns and fragments only; inf: always)\n")
    print(header.format("vague_z"))
    for z in (-math.inf, 2.0, 2.5, 3.0, 3.5, 4.0, math.inf):
        print(f"| {z} | {followup_row(retrievers, rows, replace(base, vague_z=z))} |", flush=True)
    print("\nWeights of the thread's vector and words (name_weight as shipped)\n")
    print(header.format("vector_weight, term_weight"))
    for vw in (0.0, 0.25, 0.5, 1.0):
        for tw in (0.0, 0.25, 0.5, 1.0):
            folding = replace(base, vector_weight=vw, term_weight=tw)
            print(f"| {vw}, {tw} | {followup_row(retrievers, rows, folding)} |", flush=True)
    print("\nWeight of the previous answer's names and figures\n")
    print(header.format("name_weight"))
    for nw in (0.0, 0.25, 0.5, 1.0):
        print(f"| {nw} | {followup_row(retrievers, rows, replace(base, name_weight=nw))} |", flush=True)
    print("\nEarlier questions read\n")
    print(header.format("turns"))
    for turns in (1, 2, 4):
        print(f"| {turns} | {followup_row(retrievers, rows, replace(base, turns=turns))} |", flush=True)


def confidences(retriever: Retriever) -> None:
    rows = load_jsonl(TUNING / "confidence.jsonl")
    unans = [r for r in rows if r.get("unanswerable")]
    print(f"\n### Confidence ({len(unans)} unanswerable, {len(rows) - len(unans)} answerable; eval/tuning)\n")
    print("| answer type | names and figures | coverage needed | handled | answerable marked low |")
    print("|---|---|---|---|---|")
    for kinds in ((False, False), (True, False), (False, True), (True, True)):
        for needed in (0.0, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
            retriever.confidence_rule = confidence.Rule(answer_type=kinds[0], names=kinds[1], coverage_needed=needed)
            answers = retriever.ask_many([r["q"] for r in rows])
            handled = sum(a.confidence == "low" for a, r in zip(answers, rows, strict=True) if r.get("unanswerable"))
            low = sum(
                a.confidence == "low" and not a.abstained
                for a, r in zip(answers, rows, strict=True)
                if not r.get("unanswerable")
            )
            print(
                f"| {'yes' if kinds[0] else 'no'} | {'yes' if kinds[1] else 'no'} | {needed} "
                f"| {handled / len(unans):.3f} | {low / (len(rows) - len(unans)):.3f} |",
                flush=True,
            )
    retriever.confidence_rule = confidence.Rule()


def _halves_recall(retriever: Retriever, rows: list[dict]) -> str:
    cells = []
    for which in ("tune", "held"):
        follow = [r for r in half(rows, which) if not r.get("standalone")]
        got = recall(ask_followups(retriever, follow, "thread"), follow)
        cells.append(f"{got.at_1:.3f} / {got.at_3:.3f}")
    return " | ".join(cells)


def resolution(retrievers: dict[str, Retriever]) -> None:
    """resolve_weight on the SQuAD follow-ups, tune and held-out halves (by document)."""
    rows = [r for r in load_jsonl(TUNING / "followups.jsonl") if r["corpus"] == "squad"]
    retriever = retrievers["squad"]
    print("\n| resolve_weight | tune half r@1 / r@3 | held-out half r@1 / r@3 |\n|---|---|---|")
    for weight in (0.0, 0.25, 0.5, 1.0):
        retriever.folding = replace(NINTH_PASS, resolve_weight=weight)
        print(f"| {weight} | {_halves_recall(retriever, rows)} |", flush=True)
    retriever.folding = followup.Folding()


def repeats(retrievers: dict[str, Retriever]) -> None:
    """repeat_weight on the SQuAD follow-ups (tune and held-out halves), our article chains and
    the shared set (smoke test)."""
    rows = load_jsonl(TUNING / "followups.jsonl")
    squad = [r for r in rows if r["corpus"] == "squad"]
    ours = [r for r in rows if r["corpus"] == "article" and not r.get("standalone")]
    shared = load_jsonl(EVAL / "followups.jsonl")
    print("\n| repeat_weight | tune half r@1 / r@3 | held-out half r@1 / r@3 | ours, article | shared |")
    print("|---|---|---|---|---|")
    for weight in (0.0, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1.0, 1.5):
        cells = []
        for retriever in retrievers.values():
            retriever.folding = replace(NINTH_PASS, repeat_weight=weight)
        for part in (ours, shared):
            hits = [
                (got.at_1 * got.n, got.n)
                for corpus, retriever in retrievers.items()
                for follow in [[r for r in part if r["corpus"] == corpus]]
                if follow
                for got in [recall(ask_followups(retriever, follow, "thread"), follow)]
            ]
            cells.append(f"{sum(h for h, _ in hits) / sum(n for _, n in hits):.3f}")
        print(f"| {weight} | {_halves_recall(retrievers['squad'], squad)} | {' | '.join(cells)} |", flush=True)
    for retriever in retrievers.values():
        retriever.folding = followup.Folding()


def fourth(retrievers: dict[str, Retriever]) -> None:
    """The fourth pass's rules and weights, each beside the third pass's method, on the tune and
    old held-out halves, the fresh held-out batch (batch 5, never tuned on), the shared set and
    our article chains."""
    rows = load_jsonl(TUNING / "followups.jsonl")
    squad = [r for r in rows if r["corpus"] == "squad"]
    parts = (
        half(squad, "tune"),
        half(squad, "held"),
        load_jsonl(TUNING / "followups_fresh.jsonl"),
        load_jsonl(EVAL / "followups.jsonl"),
        [r for r in rows if r["corpus"] == "article"],
    )
    # The fourth pass's method as it shipped (the fifth pass's release and "he" rule, the sixth's fragments off).
    shipped = replace(NINTH_PASS, release_low=0.0, release_high=0.0, which_person=False, ellipsis_weight=0.0)
    third = replace(shipped, strict=False, answer_depth=1, focus=1.0)
    settings = [
        ("third pass (previous)", third),
        ("+ strict references", replace(third, strict=True)),
        ("+ typed previous answer (3 passages)", replace(third, answer_depth=3)),
        ("+ both", replace(shipped, focus=1.0)),
        ("third pass + focus 0.75", replace(third, focus=0.75)),
        *[(f"+ both, focus {f}", replace(shipped, focus=f)) for f in (0.25, 0.5, 0.75)],
        *[(f"shipped, answer_depth {d}", replace(shipped, answer_depth=d)) for d in (2, 5)],
        *[(f"shipped, referent_weight {w}", replace(shipped, referent_weight=w)) for w in (0.25, 0.5, 0.75, 1.0)],
        *[(f"third pass, referent_weight {w}", replace(third, referent_weight=w)) for w in (0.25, 0.5, 0.75, 1.0)],
        *[(f"shipped, clear_z {z}", replace(shipped, clear_z=z)) for z in (4.0, 5.0, 6.0, 8.0, 10.0)],
        *[(f"shipped, resolve_weight {w}", replace(shipped, resolve_weight=w)) for w in (0.25, 0.75, 1.0, 1.5)],
    ]
    print("\n| setting | tune half | old held-out half | fresh batch | shared | ours, article |")
    print("|---|---|---|---|---|---|")
    for label, folding in settings:
        cells = [thread_recall(retrievers, part, folding) for part in parts]
        print(f"| {label} | {' | '.join(cells)} |", flush=True)


def fifth(retrievers: dict[str, Retriever]) -> None:
    """The fifth pass: the thread weighed by how much a follow-up needs it, beside the fourth
    pass's method, on the tune half, the old held-out half, batch 5 (tuned on from this pass),
    our article chains, the shared set and batch 6 (held out, never tuned on), with the
    standalone questions kept over every set."""
    parts = (*looked_at(), load_jsonl(EVAL / "followups.jsonl"), load_jsonl(TUNING / "followups_fresh6.jsonl"))
    shipped = replace(NINTH_PASS, ellipsis_weight=0.0)  # the fifth pass's method (the sixth's fragments off)
    fourth_pass = replace(shipped, release_low=0.0, release_high=0.0, which_person=False)
    settings = [
        ("fourth pass (previous)", fourth_pass),
        ("+ 'he' after a which-question for a person", replace(fourth_pass, which_person=True)),
        *[
            (
                f"thread weights by clarity, full at z 3, {floor} at z >= {z}",
                replace(fourth_pass, need_z=z, need_floor=floor),
            )
            for z in (5.0, 6.0, 8.0)
            for floor in (0.0, 0.25, 0.5)
        ],
        *[
            (
                f"release {low} to {high}, clear at z {z}",
                replace(shipped, release_low=low, release_high=high, release_z=z),
            )
            for low in (0.0, 0.05, 0.1, 0.15, 0.2)
            for high in (0.5, 0.75, 1.0)
            for z in (4.0, 5.0, 6.0)
        ],
        ("shipped, without 'he' after a which-question", replace(shipped, which_person=False)),
        ("shipped + thread weights by clarity (6, 0.25)", replace(shipped, need_z=6.0, need_floor=0.25)),
    ]
    settings_table(
        retrievers, parts, settings, ("tune half", "old held-out half", "batch 5", "ours, article", "shared", "batch 6")
    )


def sixth(retrievers: dict[str, Retriever]) -> None:
    """The sixth pass: a contrasting fragment read as the previous question with the fragment in
    place, and the rules measured beside it, on the looked-at sets (the tune half, the old held-out
    half, batch 5, our article chains, batch 7) with the shared set and batch 6 as checks. Batch 8,
    held out, is not printed here: `make bench` reports it once, shipped beside the previous method."""
    parts = (
        *looked_at(),
        load_jsonl(TUNING / "followups_fresh7.jsonl"),
        load_jsonl(EVAL / "followups.jsonl"),
        load_jsonl(TUNING / "followups_fresh6.jsonl"),
    )
    shipped = NINTH_PASS
    fifth_pass = replace(shipped, ellipsis_weight=0.0)
    settings = [
        ("fifth pass (previous)", fifth_pass),
        *[
            (f"fragment rewritten, vector {w}", replace(fifth_pass, ellipsis_weight=w))
            for w in (0.25, 0.5, 0.75, 1.0, 1.5)
        ],
        *[(f"contrasted words at {c}", replace(fifth_pass, contrast=c)) for c in (0.0, -0.25)],
        ("contrasted words at 0, vector 0.5", replace(shipped, contrast=0.0)),
        ("covering sentence spared", replace(fifth_pass, covered=True)),
        *[
            (f"covering sentence spared, repeat_weight {w}", replace(fifth_pass, covered=True, repeat_weight=w))
            for w in (0.35, 0.5, 0.75)
        ],
        *[
            (f"covering sentence spared, release_low {w}", replace(fifth_pass, covered=True, release_low=w))
            for w in (0.15, 0.2, 0.3)
        ],
        ("covering sentence spared, vector 0.5", replace(shipped, covered=True)),
        *[
            (
                f"vector 0.5, release by the rewrite's clarity, 0.1 to {high} at z {z}",
                replace(shipped, release_rewritten=True, release_high=high, release_z=z),
            )
            for high in (0.5, 0.75)
            for z in (4.0, 5.0, 6.0)
        ],
    ]
    settings_table(
        retrievers,
        parts,
        settings,
        ("tune half", "old held-out half", "batch 5", "ours, article", "batch 7", "shared", "batch 6"),
    )


def seventh(retrievers: dict[str, Retriever]) -> None:
    """The seventh pass: the previous answer's passage loses a flat ``unsaid_drop`` when it does not
    say what the follow-up newly asks (its words missing, its tokens aligned better elsewhere), on the
    looked-at sets (the sixth pass's and batch 9) with the shared set and batch 6 as checks. Batches 8
    and 10, held out, are not printed here: `make bench` reports them, shipped beside the previous method."""
    parts = (
        *looked_at(),
        load_jsonl(TUNING / "followups_fresh7.jsonl"),
        load_jsonl(TUNING / "followups_fresh9.jsonl"),
        load_jsonl(EVAL / "followups.jsonl"),
        load_jsonl(TUNING / "followups_fresh6.jsonl"),
    )
    shipped = NINTH_PASS
    sixth_pass = replace(shipped, unsaid_drop=0.0)

    def unsaid(by: str, drop: float, share: float = 0.5) -> tuple[str, followup.Folding]:
        mark = " (shipped)" if (by, drop, share) == ("both", shipped.unsaid_drop, shipped.unsaid_share) else ""
        folding = replace(shipped, unsaid_by=by, unsaid_drop=drop, unsaid_share=share)
        return f"unsaid by {by}, {share:.0%} of the new words missing, drop {drop}{mark}", folding

    settings = [
        ("sixth pass (previous)", sixth_pass),
        *[unsaid("words", d) for d in (1.0, 1.5, 2.0, 2.5, 3.0)],
        *[unsaid("words", 2.0, share) for share in (0.67, 1.0)],
        *[unsaid("tokens", d) for d in (1.0, 2.0, 3.0)],
        *[unsaid("both", d) for d in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)],
        *[unsaid("both", 2.0, share) for share in (0.34, 0.67, 1.0)],
        *[unsaid("either", d) for d in (1.0, 2.0, 3.0)],
    ]
    settings_table(
        retrievers,
        parts,
        settings,
        ("tune half", "old held-out half", "batch 5", "ours, article", "batch 7", "batch 9", "shared", "batch 6"),
    )


def ninth(retrievers: dict[str, Retriever]) -> None:
    """The ninth pass: late interaction on each passage's best window of sentences
    (``search.Mix.late_windows``), on SQuAD v1 asked alone, chosen on three articles and read on the
    other three and the reverse, then on the follow-up tuning sets (the tune half, the old held-out
    half, our article chains, batches 5, 7 and 9). The held-out sets (the shared set, batches 6, 8, 10
    and 11, eval/questions.jsonl) are not printed here: `make bench` reports them."""
    squad = [r for r in load_jsonl(EVAL / "squad" / "questions.jsonl") if not r.get("abstain")]
    shipped = search.Mix()  # the eighth pass's ranking: no windows
    settings = [("eighth pass (shipped)", shipped)]
    for window in (1, 2, 3):
        for weight in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
            label = f"windows of {window} sentence{'s' if window > 1 else ''}, weight {weight}"
            settings.append((label, replace(shipped, late_windows=weight, window_sentences=window)))
    retriever = retrievers["squad"]
    print("\n| setting | SQuAD v1, articles A (tune) | articles B (held out) | all | paraphrase (<= half the words) |")
    print("|---|---|---|---|---|")
    for label, mix in settings:
        retriever.mix = mix
        answers = _ok(retriever.ask_many([r["q"] for r in squad]))
        retriever.mix = search.Mix()
        hits = [
            rank_of_answer([h.text for h in a.hits], r["evidence"]) == 1 for a, r in zip(answers, squad, strict=True)
        ]
        cells = []
        for part in (half(squad, "tune"), half(squad, "held"), squad, paraphrased(retriever, squad)):
            ids = {r["id"] for r in part}
            cells.append(
                f"{np.mean([h for h, r in zip(hits, squad, strict=True) if r['id'] in ids]):.3f} ({len(part)})"
            )
        print(f"| {label} | {' | '.join(cells)} |", flush=True)
    parts = (
        *looked_at(),
        load_jsonl(TUNING / "followups_fresh7.jsonl"),
        load_jsonl(TUNING / "followups_fresh9.jsonl"),
    )
    mixes = [
        ("eighth pass (shipped)", shipped),
        *[(f"windows of 2, weight {w}", replace(shipped, late_windows=w)) for w in (1.0, 2.0)],
        *[
            (
                f"windows of {n}, weight {w}, follow-ups read with their thread too",
                replace(shipped, late_windows=w, window_sentences=n, windows_in_threads=True),
            )
            for n in (1, 2)
            for w in (0.5, 1.0, 1.5, 2.0, 3.0)
        ],
    ]
    names = ("tune half", "old held-out half", "batch 5", "ours, article", "batch 7", "batch 9")
    print("\n| setting | " + " | ".join(names) + " | standalone kept |")
    print("|---" * (len(names) + 2) + "|")
    for label, mix in mixes:
        for each in retrievers.values():
            each.mix = mix
        cells = [thread_recall(retrievers, part, NINTH_PASS) for part in parts]
        kept = [standalone_kept(retrievers, part, NINTH_PASS) for part in parts]
        for each in retrievers.values():
            each.mix = search.Mix()
        print(f"| {label} | {' | '.join(cells)} | {sum(k for k, _ in kept)}/{sum(n for _, n in kept)} |", flush=True)


def tenth(retrievers: dict[str, Retriever]) -> None:
    """The tenth pass: which questions stand on their own (``Folding.bound``, ``clauses``,
    ``subject_*``), on the tuning sets only (the tune half, the old held-out half, our article
    chains, batches 5, 7 and 9): their follow-ups' recall, and their standalone questions kept
    identical with their history and right at rank 1 with it and alone. The held-out sets are not
    printed here: `make bench` reports them."""
    parts = (
        *looked_at(),
        load_jsonl(TUNING / "followups_fresh7.jsonl"),
        load_jsonl(TUNING / "followups_fresh9.jsonl"),
    )
    shipped = NINTH_PASS
    words = replace(shipped, bound=True, clauses=True)
    settings = [
        ("ninth pass (previous)", shipped),
        ("a possessive of the question's own subject", replace(shipped, bound=True)),
        ("a 'that' opening a clause", replace(shipped, clauses=True)),
        ("both", words),
        *[
            (
                f"both + names its subject: {kind}, share <= {share}"
                + (
                    " (shipped)" if replace(words, subject_kind=kind, subject_share=share) == followup.Folding() else ""
                ),
                replace(words, subject_kind=kind, subject_share=share),
            )
            for kind in ("names", "figures", "words")
            for share in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
        ],
        *[
            (
                f"both + names, share <= 0.05, clarity >= {z}",
                replace(words, subject_share=0.05, subject_z=z),
            )
            for z in (0.0, 1.0, 1.5, 2.0)
        ],
    ]
    names = ("tune half", "old held-out half", "batch 5", "ours, article", "batch 7", "batch 9")
    print("\n| setting | " + " | ".join(names) + " | standalone kept | standalone r@1 with history / alone |")
    print("|---" * (len(names) + 3) + "|")
    for label, folding in settings:
        cells = [thread_recall(retrievers, part, folding) for part in parts]
        kept = [standalone_kept(retrievers, part, folding) for part in parts]
        right = [standalone_right(retrievers, part, folding) for part in parts]
        print(
            f"| {label} | {' | '.join(cells)} | {sum(k for k, _ in kept)}/{sum(n for _, n in kept)} "
            f"| {sum(w for w, _, _ in right)} / {sum(a for _, a, _ in right)} of {sum(n for _, _, n in right)} |",
            flush=True,
        )


def standalone_right(
    retrievers: dict[str, Retriever], part: list[dict], folding: followup.Folding
) -> tuple[int, int, int]:
    """Of a set's standalone questions, how many are answered at rank 1 with their history, how many
    alone, and how many there are."""
    with_history = alone = n = 0
    for corpus, retriever in retrievers.items():
        standalone = [r for r in part if r["corpus"] == corpus and r.get("standalone")]
        if not standalone:
            continue
        retriever.folding = folding
        for how in ("thread", "alone"):
            got = recall(ask_followups(retriever, standalone, how), standalone)
            if how == "thread":
                with_history += round(got.at_1 * got.n)
            else:
                alone += round(got.at_1 * got.n)
        n += len(standalone)
        retriever.folding = followup.Folding()
    return with_history, alone, n


def paraphrased(retriever: Retriever, rows: Sequence[dict]) -> list[dict]:
    """The questions that say their evidence in other words: at most half of their content words (as
    the sentence lexicon stems them) in their evidence sentence."""
    lexicon = retriever.corpus.sentence_lexicon
    out = []
    for row in rows:
        own = set(lexicon.query_terms(row["q"]))
        if not own or len(own & set(terms(row["evidence"][0]))) <= len(own) / 2:
            out.append(row)
    return out


def looked_at() -> tuple[list[dict], ...]:
    """The follow-up sets every pass from the fifth looked at: the tune half, the old held-out half,
    batch 5 and our article chains."""
    rows = load_jsonl(TUNING / "followups.jsonl")
    squad = [r for r in rows if r["corpus"] == "squad"]
    return (
        half(squad, "tune"),
        half(squad, "held"),
        load_jsonl(TUNING / "followups_fresh.jsonl"),
        [r for r in rows if r["corpus"] == "article"],
    )


def settings_table(
    retrievers: dict[str, Retriever],
    parts: Sequence[list[dict]],
    settings: Sequence[tuple[str, followup.Folding]],
    names: Sequence[str],
) -> None:
    """One row a setting: recall@1 / @3 on each set (``names``, one a part), then the standalone
    questions kept over all."""
    print("\n| setting | " + " | ".join(names) + " | standalone kept |")
    print("|---" * (len(names) + 2) + "|")
    for label, folding in settings:
        cells = [thread_recall(retrievers, part, folding) for part in parts]
        kept = [standalone_kept(retrievers, part, folding) for part in parts]
        print(f"| {label} | {' | '.join(cells)} | {sum(k for k, _ in kept)}/{sum(n for _, n in kept)} |", flush=True)


def thread_recall(retrievers: dict[str, Retriever], part: list[dict], folding: followup.Folding) -> str:
    """Recall@1 / @3 of a set's follow-ups (its standalone questions left out), each asked with its
    thread on its own corpus's retriever read with ``folding``."""
    follow = [r for r in part if not r.get("standalone")]
    hits1 = hits3 = 0.0
    for corpus, retriever in retrievers.items():
        mine = [r for r in follow if r["corpus"] == corpus]
        if mine:
            retriever.folding = folding
            got = recall(ask_followups(retriever, mine, "thread"), mine)
            hits1, hits3 = hits1 + got.at_1 * got.n, hits3 + got.at_3 * got.n
            retriever.folding = followup.Folding()
    return f"{hits1 / len(follow):.3f} / {hits3 / len(follow):.3f}"


def standalone_kept(retrievers: dict[str, Retriever], part: list[dict], folding: followup.Folding) -> tuple[int, int]:
    """Of a set's standalone questions, how many get the same answer with their thread as alone, and how many there are."""
    kept = alone = 0
    for corpus, retriever in retrievers.items():
        standalone = [r for r in part if r["corpus"] == corpus and r.get("standalone")]
        retriever.folding = folding
        pairs = zip(
            ask_followups(retriever, standalone, "thread"), ask_followups(retriever, standalone, "alone"), strict=True
        )
        kept, alone = kept + sum(a == b for a, b in pairs), alone + len(standalone)
        retriever.folding = followup.Folding()
    return kept, alone


def rare_names(retrievers: dict[str, Retriever], squad2: Retriever) -> None:
    """rare_share of the names check: handled / marked low on each half of our SQuAD
    confidence set, SQuAD v1 and SQuAD 2.0."""
    ours = [r for r in load_jsonl(TUNING / "confidence.jsonl") if r["corpus"] == "squad"]
    v1 = [r for r in load_jsonl(EVAL / "squad" / "questions.jsonl") if not r.get("abstain")]
    v2 = load_jsonl(EVAL / "squad2" / "questions.jsonl")
    print("\n| rare_share | half | handled | answerable marked low |\n|---|---|---|---|")
    for share in (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 1.0):
        rule = confidence.Rule(names=share > 0, rare_share=share or 1.0)
        for which in ("tune", "held"):
            handled, unanswerable, low, answerable = 0, 0, 0, 0
            for retriever, rows in ((retrievers["squad"], ours + v1), (squad2, v2)):
                retriever.confidence_rule = rule
                part = half(rows, which)
                answers = retriever.ask_many([r["q"] for r in part])
                for answer, row in zip(answers, part, strict=True):
                    if row.get("unanswerable"):
                        unanswerable, handled = unanswerable + 1, handled + (answer.confidence == "low")
                    else:
                        answerable, low = answerable + 1, low + (answer.confidence == "low" and not answer.abstained)
                retriever.confidence_rule = confidence.Rule()
            print(f"| {share} | {which} | {handled / unanswerable:.3f} | {low / answerable:.3f} |", flush=True)


# The eleventh pass's halves of the follow-up batches: chosen on one, confirmed on the other.
FIRST_HALF = ("followups.jsonl", "followups_fresh.jsonl", "followups_fresh7.jsonl", "followups_fresh9.jsonl")
FIRST_HALF += ("followups_fresh11.jsonl",)
SECOND_HALF = ("followups_fresh6.jsonl", "followups_fresh8.jsonl", "followups_fresh10.jsonl", "../followups.jsonl")
# The method before the eleventh pass: no remainders, no drop for other documents' passages.
TENTH_PASS = followup.Folding(remainders=False, elsewhere_drop=0.0, fragments=False, plain_new=False)


def eleventh(retrievers: dict[str, Retriever]) -> None:
    """The eleventh pass: "the rest" points back, and other documents' passages lose ``elsewhere_drop``
    when a follow-up is ranked with its thread. Every follow-up batch is a tuning set now; each is
    printed, then the two halves of the batches (the first chosen on, the second confirming), on each
    corpus's own index and again on one index of all eight documents."""
    root = retrievers["squad"].index_dir.parent
    every = cached(Retriever.open(all_seeds(root / "seeds-all"), root / "index-all"))
    batches = [(name, load_jsonl(TUNING / name)) for name in (*FIRST_HALF, *SECOND_HALF)]
    settings = [("tenth pass (previous)", TENTH_PASS), ("the rest points back", replace(TENTH_PASS, remainders=True))]
    settings += [(f"other documents -{d}", replace(TENTH_PASS, elsewhere_drop=d)) for d in (0.5, 1, 2, 3, 4, 5, 1e9)]
    settings += [
        (f"other documents -3, depth {n}", replace(TENTH_PASS, elsewhere_drop=3.0, elsewhere_depth=n)) for n in (4, 16)
    ]
    settings += [("both (shipped)", replace(TENTH_PASS, remainders=True, elsewhere_drop=3.0))]
    for label, opened in (("each corpus's own index", retrievers), ("one index of all eight documents", None)):
        held = opened or dict.fromkeys(retrievers, every)
        print(f"\n{label}: recall@1 of the follow-ups (first half: batches 1, 5, 7, 9, 11; second: 6, 8, 10, shared)\n")
        print(
            "| setting | " + " | ".join(name for name, _ in batches) + " | first half | second half | standalone kept |"
        )
        print("|---" * (len(batches) + 4) + "|")
        for name, folding in settings:
            cells, halves, kept = [], [[0, 0], [0, 0]], [0, 0]
            for i, (_, rows) in enumerate(batches):
                hits, n = 0.0, 0
                for corpus, retriever in held.items():
                    mine = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
                    if mine:
                        retriever.folding = folding
                        hits += recall(ask_followups(retriever, mine, "thread"), mine).at_1 * len(mine)
                        n += len(mine)
                        retriever.folding = followup.Folding()
                cells.append(f"{hits / n:.3f}")
                halves[i >= len(FIRST_HALF)][0] += round(hits)
                halves[i >= len(FIRST_HALF)][1] += n
                k, m = standalone_kept(held, rows, folding)
                kept = [kept[0] + k, kept[1] + m]
            first, second = (f"{h}/{n} ({h / n:.3f})" for h, n in halves)
            print(f"| {name} | {' | '.join(cells)} | {first} | {second} | {kept[0]}/{kept[1]} |", flush=True)


# The twelfth pass's halves: the eleventh pass's, each with every other follow-up of batch 12 (file order).
BATCH_12 = "followups_fresh12.jsonl"
# The method before the twelfth pass.
ELEVENTH_PASS = followup.Folding(fragments=False, plain_new=False, elsewhere_drop=3.0)


def batch_halves(dealt: Sequence[tuple[int, str]] = ((12, BATCH_12),)) -> list[tuple[str, int, list[dict]]]:
    """(name, half, rows) of every follow-up batch: the eleventh pass's first and second halves, and
    batch 12 (and the ``dealt`` others) dealt out to both, its rows alternately in file order (its
    standalone questions too)."""
    out = [(name, 0, load_jsonl(TUNING / name)) for name in FIRST_HALF]
    out += [(name, 1, load_jsonl(TUNING / name)) for name in SECOND_HALF]
    for number, name in dealt:
        rows = load_jsonl(TUNING / name)
        for which in (0, 1):
            out.append((f"batch {number} ({'a' if which == 0 else 'b'})", which, rows[which::2]))
    return out


def halves_table(
    retrievers: dict[str, Retriever],
    settings: Sequence[tuple[str, followup.Folding]],
    dealt: Sequence[tuple[int, str]] = ((12, BATCH_12),),
) -> None:
    """Recall@1 of the follow-ups per batch and per half, on each corpus's own index and on one index of
    all eight documents, for each setting."""
    root = retrievers["squad"].index_dir.parent
    every = cached(Retriever.open(all_seeds(root / "seeds-all"), root / "index-all"))
    batches = batch_halves(dealt)
    for label, opened in (("each corpus's own index", retrievers), ("one index of all eight documents", None)):
        held = opened or dict.fromkeys(retrievers, every)
        print(f"\n{label}: recall@1 of the follow-ups (first half: batches 1, 5, 7, 9, 11, 12a; second: 6, 8, 10,")
        print(f"shared, 12b{''.join(f'; {n}a in the first, {n}b in the second' for n, _ in dealt[1:])})\n")
        print("| setting | " + " | ".join(n for n, _, _ in batches) + " | first half | second half | standalone kept |")
        print("|---" * (len(batches) + 4) + "|")
        for name, folding in settings:
            cells, halves, kept = [], [[0, 0], [0, 0]], [0, 0]
            for _, which, rows in batches:
                hits, n = 0, 0
                for corpus, retriever in held.items():
                    mine = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
                    if mine:
                        retriever.folding = folding
                        hits += round(recall(ask_followups(retriever, mine, "thread"), mine).at_1 * len(mine))
                        n += len(mine)
                        retriever.folding = followup.Folding()
                cells.append(str(hits))
                halves[which][0] += hits
                halves[which][1] += n
                k, m = standalone_kept(held, rows, folding)
                kept = [kept[0] + k, kept[1] + m]
            first, second = (f"{h}/{n}" for h, n in halves)
            print(f"| {name} | {' | '.join(cells)} | {first} | {second} | {kept[0]}/{kept[1]} |", flush=True)


def twelfth(retrievers: dict[str, Retriever]) -> None:
    """The twelfth pass: a fragment or a closing "then" points back, and the previous answer's passage
    loses nothing of its discount when it already says the follow-up's new words."""
    base = ELEVENTH_PASS
    fragments, plain = replace(base, fragments=True), replace(base, plain_new=True)
    both = replace(base, fragments=True, plain_new=True)
    settings = [("eleventh pass (previous)", base), ("fragments and a closing 'then' point back", fragments)]
    settings += [("new words name a topic", plain), ("both", both)]
    for where in ("sentence", "passage"):
        for share in (0.5, 1.0):
            folding = replace(both, said_in=where, said_share=share)
            settings.append((f"both, said in the {where}, share {share}", folding))
    settings += [
        (
            "both, said in the sentence, a follow-up with no new word too",
            replace(both, said_in="sentence", said_share=1.01, said_bare=True),
        )
    ]
    settings += [
        (f"both, other documents -{d}", replace(both, elsewhere_drop=d)) for d in (2.0, 4.0, 5.0, 6.0, 8.0, 12.0)
    ]
    settings += [(f"both, unsaid_drop {d}", replace(both, unsaid_drop=d)) for d in (1.5, 2.5)]
    settings += [(f"both, repeat_weight {w}", replace(both, repeat_weight=w)) for w in (0.15, 0.35)]
    settings += [("shipped: both, other documents -5.0", followup.Folding())]
    halves_table(retrievers, settings)


# The thirteenth pass's halves: the twelfth's, each with every other row of batch 13 (file order).
THIRTEENTH_HALVES = ((12, BATCH_12), (13, "followups_fresh13.jsonl"))
# The method before the thirteenth pass: no pointing word is read as bound inside its question, no
# ordinal "one" nor elliptical question points back.
TWELFTH_PASS = followup.Folding(within=frozenset(), pointers=frozenset())


def thirteenth(retrievers: dict[str, Retriever]) -> None:
    """The thirteenth pass: pointing words whose antecedent is inside the question (index/binding.py), and
    two more readings of a question that points back (an ordinal "one", an elliptical question)."""
    base = TWELFTH_PASS
    settings = [("twelfth pass (previous)", base)]
    for pointers in (["ordinal"], ["elliptical"], ["ordinal", "elliptical"]):
        settings.append((f"points back: {' and '.join(pointers)}", replace(base, pointers=frozenset(pointers))))
    for named in (True, False):
        tail = ", in a question naming its subject" if named else ""
        for rule in ("negated", "which", "adjunct", "one"):
            settings.append((f"{rule}{tail}", replace(base, within=frozenset([rule]), within_named=named)))
        settings.append((f"all four{tail}", replace(base, within=WITHIN, within_named=named)))
    settings += [("shipped", followup.Folding())]
    halves_table(retrievers, settings, THIRTEENTH_HALVES)


def read_with_thread(retriever: Retriever, row: dict, folding: followup.Folding) -> tuple[Any, ...]:
    """A chain's follow-up read with its thread as ``folding`` reads it: the follow-up's text, its thread's
    questions, the follow-up's own query, and what :func:`followup.threaded` returns (the query to search
    with, and the thread's context: None when the gate reads the follow-up alone)."""
    q = clean_question(row["q"], 1000)[0]
    turns = followup.earlier_questions(row["history"], 1000, folding.turns)
    queries = retriever._queries([q])
    queries |= retriever._queries([t for t in dict.fromkeys(turns) if t not in queries])
    query, context = followup.threaded(
        retriever.corpus, queries[q], [queries[t] for t in turns], retriever.mix, folding, retriever._one_query
    )
    return q, turns, queries[q], query, context


def where_of(retriever: Retriever, rows: Sequence[dict]) -> dict[str, str]:
    """Where each follow-up's answer is, as the shipped method reads its thread: ``"same"`` (the passage
    that answered the thread's last question holds the evidence), ``"other"``, or ``"alone"`` (the gate
    reads it without its thread)."""
    corpus, out = retriever.corpus, {}
    for row in rows:
        *_, context = read_with_thread(retriever, row, followup.Folding())
        if context is None or context.answer is None:
            out[row["id"]] = "alone"
        else:
            held = rank_of_answer([corpus.chunks[context.answer[0]].text], row["evidence"]) == 1
            out[row["id"]] = "same" if held else "other"
    return out


# What the previous answer's passage loses, each part in turn left out, and the readings of the fifteenth pass.
FIFTEENTH_PARTS = (
    ("thirteenth pass (shipped)", followup.Folding()),
    ("no sentence discount (repeat_weight 0)", followup.Folding(repeat_weight=0.0)),
    ("no release", followup.Folding(release_low=0.0, release_high=0.0)),
    ("no unsaid drop", followup.Folding(unsaid_drop=0.0)),
    ("no focus (1.0)", followup.Folding(focus=1.0)),
    ("no other documents' drop", followup.Folding(elsewhere_drop=0.0)),
    ("said in the sentence", followup.Folding(said_in="sentence")),
    ("said in the passage, share 0.5", followup.Folding(said_in="passage", said_share=0.5)),
    *((f"lift_cap {c}", followup.Folding(lift_cap=c)) for c in (0.5, 1.0, 1.5, 2.0)),
)


def by_where(retrievers: dict[str, Retriever]) -> None:
    """Follow-ups at rank 1 of each half by where their answer is (:func:`where_of`), for each setting of
    ``FIFTEENTH_PARTS``, on each corpus's own index and on one index of all eight documents."""
    root = retrievers["squad"].index_dir.parent
    every = cached(Retriever.open(all_seeds(root / "seeds-all"), root / "index-all"))
    batches = batch_halves(THIRTEENTH_HALVES)
    for label, held in (("each corpus's own index", retrievers), ("one index", dict.fromkeys(retrievers, every))):
        mine = {
            c: [r for _, _, rows in batches for r in rows if r["corpus"] == c and not r.get("standalone")] for c in held
        }
        half = {r["id"]: which for _, which, rows in batches for r in rows}
        where = {k: v for c, retriever in held.items() for k, v in where_of(retriever, mine[c]).items()}
        keys = [(h, w) for h in (0, 1) for w in ("same", "other", "alone")]
        totals = {k: sum(1 for i in where if (half[i], where[i]) == k) for k in keys}
        print(f"\n{label}: follow-ups at rank 1 by half and where the answer is\n")
        print(
            "| setting | "
            + " | ".join(f"{'first' if h == 0 else 'second'}, {w} ({totals[(h, w)]})" for h, w in keys)
            + " |"
        )
        print("|---" * (len(keys) + 1) + "|")
        for name, folding in FIFTEENTH_PARTS:
            hits = dict.fromkeys(keys, 0)
            for corpus, retriever in held.items():
                retriever.folding = folding
                for row, answer in zip(mine[corpus], ask_followups(retriever, mine[corpus], "thread"), strict=True):
                    if rank_of_answer([h.text for h in answer.hits], row["evidence"]) == 1:
                        hits[(half[row["id"]], where[row["id"]])] += 1
                retriever.folding = followup.Folding()
            print(f"| {name} | " + " | ".join(str(hits[k]) for k in keys) + " |", flush=True)


def held_out(retrievers: dict[str, Retriever], files: Sequence[Path]) -> None:
    """Held-out files, read once after the fifteenth pass's decision: recall@1 (and the count at rank 3) of
    their follow-ups by where the answer is (their ``where`` labels), asked alone, joined, with the shipped
    method and with ``lift_cap`` 1.0, and their standalone questions kept; figures only."""
    root = retrievers["squad"].index_dir.parent
    every = cached(Retriever.open(all_seeds(root / "seeds-all"), root / "index-all"))
    hows = ("asked alone", "naive join", "shipped", "lift_cap 1.0")
    print("\n| file | index | " + " | ".join(hows) + " |")
    print("|---" * (2 + len(hows)) + "|")
    for path in files:
        rows = load_jsonl(path)
        for label, held in (("own", retrievers), ("one", dict.fromkeys(retrievers, every))):
            cells = []
            for how in hows:
                ranks, where, kept, alone = [], [], 0, 0
                for corpus, retriever in held.items():
                    mine = [r for r in rows if r["corpus"] == corpus]
                    if not mine:
                        continue
                    retriever.folding = followup.Folding(lift_cap=1.0) if how == "lift_cap 1.0" else followup.Folding()
                    kind = {"asked alone": "alone", "naive join": "joined"}.get(how, "thread")
                    answers = ask_followups(retriever, mine, kind)
                    plain = ask_followups(retriever, mine, "alone")
                    retriever.folding = followup.Folding()
                    for row, answer, bare in zip(mine, answers, plain, strict=True):
                        if row.get("standalone"):
                            kept, alone = kept + (answer == bare), alone + 1
                        else:
                            ranks.append(rank_of_answer([h.text for h in answer.hits], row["evidence"]) or 99)
                            where.append(row.get("where"))
                at = {w: sum(k == 1 for k, x in zip(ranks, where, strict=True) if x == w) for w in ("same", "other")}
                cell = f"{sum(k == 1 for k in ranks)}/{len(ranks)}, @3 {sum(k <= 3 for k in ranks)}"
                cell += f" (same {at['same']}/{where.count('same')}, other {at['other']}/{where.count('other')})"
                cells.append(cell + (f", kept {kept}/{alone}" if kind == "thread" else ""))
            print(f"| {path.name} | {label} | " + " | ".join(cells) + " |", flush=True)


def fifteenth(retrievers: dict[str, Retriever]) -> None:
    """The fifteenth pass: what the previous answer's passage loses, by where the follow-up's answer is, and
    a cap on it (``lift_cap``: at most a multiple of the lift the thread gives that passage)."""
    by_where(retrievers)
    settings = [("thirteenth pass (shipped)", followup.Folding())]
    settings += [(f"lift_cap {c}", followup.Folding(lift_cap=c)) for c in (0.5, 1.0, 1.5, 2.0)]
    halves_table(retrievers, settings, THIRTEENTH_HALVES)


# The passes' sweeps over the follow-up sets, by name; their sets also ask the SQuAD 2.0 document.
PASSES = {
    "fourth": fourth,
    "fifth": fifth,
    "sixth": sixth,
    "seventh": seventh,
    "ninth": ninth,
    "tenth": tenth,
    "eleventh": eleventh,
    "twelfth": twelfth,
    "thirteenth": thirteenth,
    "fifteenth": fifteenth,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index-root", type=Path, help="keep the index here (default: a temporary folder)")
    parser.add_argument(
        "--part",
        choices=("followups", "confidence", "resolution", "repeat", "names", *PASSES),
        help="one sweep only",
    )
    parser.add_argument("--held", type=Path, nargs="*", help="held-out follow-up files, read once (fifteenth pass)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citebot-sweep-") as tmp:
        root = args.index_root or Path(tmp)
        retrievers = {
            name: cached(Retriever.open(CORPORA[name], root / f"index-{name}")) for name in ("squad", "article")
        }
        if args.part is None or args.part in PASSES:
            # The fresh batches also ask the SQuAD 2.0 document (Normans).
            retrievers = {**retrievers, "squad2": cached(Retriever.open(CORPORA["squad2"], root / "index-squad2"))}
        if args.held:
            held_out(retrievers, args.held)
            return
        for name, sweep in PASSES.items():
            if args.part in (None, name):
                sweep(retrievers)
        if args.part in (None, "followups"):
            followups(retrievers)
        if args.part in (None, "confidence"):
            confidences(retrievers["squad"])
        if args.part in (None, "resolution"):
            resolution(retrievers)
        if args.part in (None, "repeat"):
            repeats(retrievers)
        if args.part in (None, "names"):
            rare_names(retrievers, cached(Retriever.open(CORPORA["squad2"], root / "index-squad2")))


if __name__ == "__main__":
    main()

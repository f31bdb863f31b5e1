"""`make bench`, follow-ups and confidence: how a thread's earlier questions help a
follow-up, that a question standing on its own keeps its answer, and how often an
unanswered question on the sources' subject is handled (abstained or marked low) beside
how often an answered one is wrongly marked low. Called from bench/run.py; also runnable
alone:

    .venv/bin/python bench/conversation.py [--index-root DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from bench.evaluate import load_jsonl, rank_of_answer
from index import confidence, followup, search
from index.predicate import WordSimilarity
from index.query import Retriever
from index.types import Answer

EVAL = ROOT / "eval"
CORPORA = {
    "article": ROOT / "seeds",
    "squad": EVAL / "squad" / "seeds",
    "squad2": EVAL / "squad2" / "seeds",
}
# Everyday questions no corpus of ours is about (none of them a calibration probe), asked
# before every question of the article's set: its answers must not change.
OFF_TOPIC_HISTORY = ("What's a good name for a kitten?", "How far is Mars from the Sun?")
# The rule before the twelfth pass (docs/retrieval.md, "Twelfth pass: confidence": no check of the
# present, of a saying, nor an amount by degree), and the rules before the eleventh pass (no antonym
# check), before the ninth (no measure read in a what-question either), before the eighth (the seventh
# pass's reading of a question) and before the seventh (no sum-of-money or counted-thing check
# either). The earlier rows are built on them.
TWELFTH_OFF = {"present": False, "said": False, "office": False, "degree": False}
ELEVENTH_RULE = confidence.Rule(**TWELFTH_OFF)
TENTH_RULE = replace(ELEVENTH_RULE, antonym="")
EIGHTH_RULE = replace(TENTH_RULE, measures=False)
SEVENTH_RULE = replace(EIGHTH_RULE, closer_reading=False)
SIXTH_RULE = replace(SEVENTH_RULE, money=False, counted=False)
# Today's rule, for the "without" rows: only the off-topic abstention is ever low.
ABSTENTION_ONLY = replace(SIXTH_RULE, answer_type=False, names=False, coverage_needed=0.0, negation="")
PREVIOUS_RULE = replace(SIXTH_RULE, names=False, negation="")
CONFIDENCE_ABLATION = (
    ("abstention only", ABSTENTION_ONLY),
    ("+ figure and date type (previous)", PREVIOUS_RULE),
    ("+ the question's rare names and figures", replace(SIXTH_RULE, negation="")),
    ("+ negation dropped, in the sentence", SIXTH_RULE),
    ("+ a sum of money, the counted thing", SEVENTH_RULE),
    ("+ the closer reading of a question", EIGHTH_RULE),
    ("+ a what-question about a measure", TENTH_RULE),
    ("+ antonym in the sentence, read closer", ELEVENTH_RULE),
    ("+ the present, a saying, an office, an amount by degree (shipped)", confidence.Rule()),
    ("+ name type", confidence.Rule(name_type=True)),
    ("+ coverage 0.5", confidence.Rule(name_type=True, coverage_needed=0.5)),
    # The fourth pass's candidates, measured and not shipped (docs/retrieval.md).
    ("+ predicate in the passage, stem or lemma", confidence.Rule(predicate="passage")),
    (
        "+ predicate in the passage, or a word of cosine >= 0.4",
        confidence.Rule(predicate="passage", predicate_cosine=0.4),
    ),
    ("+ roles swapped", confidence.Rule(roles=True)),
    # The antonym check as the sixth pass read it (docs/retrieval.md, "Sixth pass: confidence"): the
    # word after "how" and the converses ("bought" / "sold") counted as opposites.
    ("+ antonym, the sixth pass's reading", confidence.Rule(antonym_closer=False)),
    # The seventh pass's who-question check, measured and not shipped (same, "Seventh pass: confidence").
    ("+ a who-question's verb in the passage", confidence.Rule(unsaid_who=True)),
)
# The twelfth pass's method: no pointing word is read as bound inside its question, no ordinal "one" nor
# elliptical question points back (docs/retrieval.md, thirteenth pass: follow-ups).
PREVIOUS_FOLDING = followup.Folding(within=frozenset(), pointers=frozenset())
# The SQuAD data cut in two by document (alphabetical order, every other one): constants are
# chosen on the tune half, the held-out half checks them (docs/retrieval.md). SQuAD 2.0 is one
# document (Normans): its first half of each kind of question, in article order, is tuned on.
TUNE_DOCUMENTS = frozenset(["Amazon_rainforest", "Harvard_University", "Sky_(United_Kingdom)"])
_PREFIXES = {
    "am": "Amazon_rainforest",
    "bd": "Black_Death",
    "hv": "Harvard_University",
    "ps": "Packet_switching",
    "sk": "Sky_(United_Kingdom)",
    "sb": "Super_Bowl_50",
}


def document_of(row: dict) -> str:
    """The SQuAD document a row is about: its ``article``, or the prefix of a tuning id (``sb07``, ``u-sb01``)."""
    if "article" in row:
        return row["article"]
    return _PREFIXES.get(row["id"].split("-")[-1][:2], "")


def half(rows: Sequence[dict], which: str) -> list[dict]:
    """The ``tune`` or ``held`` half of SQuAD rows (by document; SQuAD 2.0 rows by position)."""
    if rows and all("article" not in r and document_of(r) == "" for r in rows):
        out = []
        for unanswerable in (False, True):
            kind = [r for r in rows if bool(r.get("unanswerable")) == unanswerable]
            out += kind[: len(kind) // 2] if which == "tune" else kind[len(kind) // 2 :]
        return out
    return [r for r in rows if (document_of(r) in TUNE_DOCUMENTS) == (which == "tune")]


@dataclass(frozen=True)
class Recall:
    at_1: float
    at_3: float
    n: int


def recall(answers: Sequence[Answer], rows: Sequence[dict]) -> Recall:
    """Recall@1 and @3 of answers against the rows' evidence (eval/README.md)."""
    ranks = [rank_of_answer([h.text for h in a.hits], row["evidence"]) for a, row in zip(answers, rows, strict=True)]
    n = max(len(ranks), 1)
    return Recall(sum(r == 1 for r in ranks) / n, sum(r is not None and r <= 3 for r in ranks) / n, len(ranks))


def _ok(results: Sequence[Answer | Exception]) -> list[Answer]:
    for result in results:
        if isinstance(result, Exception):
            raise result
    return list(results)  # type: ignore[arg-type]


def ask_followups(retriever: Retriever, rows: Sequence[dict], how: str) -> list[Answer]:
    """Answer follow-up rows: ``alone`` (no history), ``joined`` (history and question as
    one text: the naive reference), ``previous`` (the thread read by the twelfth pass's method)
    or ``thread`` (the shipped method)."""
    if how == "previous":
        retriever.folding = PREVIOUS_FOLDING
        try:
            return ask_followups(retriever, rows, "thread")
        finally:
            retriever.folding = followup.Folding()
    if how == "alone":
        return _ok(retriever.ask_many([r["q"] for r in rows]))
    if how == "joined":
        return _ok(retriever.ask_many([" ".join([*r["history"], r["q"]]) for r in rows]))
    return _ok(retriever.ask_many([r["q"] for r in rows], histories=[r["history"] for r in rows]))


def followup_table(opened: Callable[[str], Retriever], sets: Sequence[tuple[str, Path]]) -> None:
    """recall@1 / @3 of follow-ups alone, joined and read with their thread, per set and corpus."""
    print(
        "| set | corpus | follow-ups | asked alone | naive join | with thread, twelfth pass (previous) "
        "| with thread, thirteenth pass (shipped) | standalone kept, previous | standalone kept, shipped "
        "| standalone r@1 with history / alone |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, path in sets:
        every = load_jsonl(path)
        parts = [(label, every)]
        if path.name == "followups.jsonl" and "tuning" in str(path):
            squad = [r for r in every if r["corpus"] == "squad"]
            parts = [
                (f"{label}, tune half", half(squad, "tune")),
                (f"{label}, held-out half", half(squad, "held")),
                (label, [r for r in every if r["corpus"] != "squad"]),
            ]
        for part, rows in parts:
            _followup_rows(opened, part, rows)
    print("\n(cells: recall@1 / recall@3; standalone kept: questions marked standalone whose answer with")
    print("their history is identical to their answer without it; their recall@1 with it, shipped, and alone)")


def _followup_rows(opened: Callable[[str], Retriever], label: str, rows: Sequence[dict]) -> None:
    for corpus in sorted({r["corpus"] for r in rows}):
        retriever = opened(corpus)
        follow = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
        cells = []
        for how in ("alone", "joined", "previous", "thread"):
            got = recall(ask_followups(retriever, follow, how), follow)
            cells.append(f"{got.at_1:.3f} / {got.at_3:.3f}")
        alone = [r for r in rows if r["corpus"] == corpus and r.get("standalone")]
        kept = ["-", "-", "-"]
        if alone:
            asked = ask_followups(retriever, alone, "alone")
            read = {how: ask_followups(retriever, alone, how) for how in ("previous", "thread")}
            kept = [f"{sum(a == b for a, b in zip(read[how], asked, strict=True))}/{len(alone)}" for how in read]
            kept.append(f"{recall(read['thread'], alone).at_1:.3f} / {recall(asked, alone).at_1:.3f}")
        print(f"| {label} | {corpus} | {len(follow)} | {' | '.join(cells)} | {' | '.join(kept)} |", flush=True)


def standalone_check(retriever: Retriever) -> None:
    """eval/questions.jsonl with an off-topic history, and after the set's previous question."""
    rows = load_jsonl(EVAL / "questions.jsonl")
    questions = [r["q"] for r in rows]
    plain = _ok(retriever.ask_many(questions))
    off = _ok(retriever.ask_many(questions, histories=[OFF_TOPIC_HISTORY] * len(rows)))
    previous = _ok(retriever.ask_many(questions, histories=[questions[i - 1 : i] for i in range(len(rows))]))
    answerable = [i for i, r in enumerate(rows) if "evidence" in r]
    before = recall([plain[i] for i in answerable], [rows[i] for i in answerable])
    after = recall([previous[i] for i in answerable], [rows[i] for i in answerable])
    corpus = retriever.corpus
    none = np.zeros((0, corpus.chunk_vectors.shape[1]), dtype=np.float32)
    read = sum(
        followup.needs_history(corpus, search.Query(q, v, none, tuple(corpus.lexicon.query_terms(q))))
        for q, v in zip(questions, retriever.encode(questions), strict=True)
    )
    print(f"\neval/questions.jsonl ({len(rows)} questions) with the off-topic history {list(OFF_TOPIC_HISTORY)}:")
    print(
        f"answers that differ from the same questions asked alone: {sum(a != b for a, b in zip(off, plain, strict=True))}"
    )
    print(
        f"after the set's previous question (an on-topic history): {sum(a != b for a, b in zip(previous, plain, strict=True))} "
        f"answers differ, {read} questions are read as needing their thread; recall@1 {before.at_1:.3f} alone, "
        f"{after.at_1:.3f} with it"
    )


def judged(
    retriever: Retriever, questions: Sequence[str], answers: Sequence[Answer], rule: confidence.Rule
) -> list[str]:
    """Each answer's confidence under ``rule`` (:func:`rejudged`); a rule that matches words by
    their MiniLM vectors gets the index's model."""
    similarity = WordSimilarity(retriever.encode, rule.predicate_cosine) if rule.predicate_cosine else None
    return [rejudged(retriever, q, a, rule, similarity) for q, a in zip(questions, answers, strict=True)]


def rejudged(
    retriever: Retriever,
    question: str,
    answer: Answer,
    rule: confidence.Rule,
    similarity: WordSimilarity | None = None,
) -> str:
    """An answer's confidence under ``rule``, its first passage judged again: a rule never changes
    the passages, only their level. An abstention is always low."""
    if answer.abstained or not answer.hits:
        return "low"
    chunk, sentence = answer.hits[0].ref
    return confidence.of_passage(retriever.corpus, question, chunk, sentence, rule, similarity)


def counts(rows: Sequence[dict], answers: Sequence[Answer], levels: Sequence[str]) -> tuple[int, int, int, int]:
    """(unanswerable handled, unanswerable, answerable marked low, answerable): handled is
    abstained or low; marked low is answered but low, abstentions apart (the quality table counts
    those as false abstentions)."""
    marks = list(zip(rows, answers, levels, strict=True))
    handled = sum(g == "low" for r, _, g in marks if r.get("unanswerable"))
    low = sum(g == "low" and not a.abstained for r, a, g in marks if not r.get("unanswerable"))
    unanswerable = sum(bool(r.get("unanswerable")) for r in rows)
    return handled, unanswerable, low, len(rows) - unanswerable


def confidence_sets() -> dict[str, tuple[str, list[dict]]]:
    """Every confidence set by its label in the table: (corpus, rows), the article's questions
    that are out of scope left out (abstaining is their right answer, not a confidence)."""
    tuning = load_jsonl(EVAL / "tuning" / "confidence.jsonl")
    squad = [r for r in load_jsonl(EVAL / "squad" / "questions.jsonl") if not r.get("abstain")]
    squad2 = load_jsonl(EVAL / "squad2" / "questions.jsonl")
    ours = [r for r in tuning if r["corpus"] == "squad"]
    article = [r for p in (EVAL / "questions.jsonl", EVAL / "unanswered.jsonl") for r in load_jsonl(p)]
    chat = load_jsonl(EVAL / "tuning" / "confidence_chat.jsonl")
    chat_tune = load_jsonl(EVAL / "tuning" / "confidence_chat_tune.jsonl")
    chat2 = load_jsonl(EVAL / "tuning" / "confidence_chat2.jsonl")
    sets = {
        "article (smoke test)": ("article", [r for r in article if not r.get("abstain")]),
        "article, ours (smoke test)": ("article", [r for r in tuning if r["corpus"] == "article"]),
        "squad v1, tune half": ("squad", half(squad, "tune")),
        "squad v1, held-out half": ("squad", half(squad, "held")),
        "squad 2.0, tune half": ("squad2", half(squad2, "tune")),
        "squad 2.0, held-out half": ("squad2", half(squad2, "held")),
        "squad 2.0, all": ("squad2", squad2),
        "squad, ours, tune half": ("squad", half(ours, "tune")),
        "squad, ours, held-out half": ("squad", half(ours, "held")),
        "squad, ours, fresh (held out)": ("squad", load_jsonl(EVAL / "tuning" / "confidence_fresh.jsonl")),
    }
    for name, rows in (("chat (tuning)", chat_tune), ("chat (held out)", chat), ("chat 2 (held out)", chat2)):
        for label, corpus in (("squad v1 articles", "squad"), ("squad 2.0 article", "squad2"), ("article", "article")):
            sets[f"{name}, {label}"] = (corpus, [r for r in rows if r["corpus"] == corpus])
    # Written last, on the article alone: the kind of set the article's goal is checked on.
    sets["article 2 (held out)"] = ("article", load_jsonl(EVAL / "tuning" / "confidence_article2.jsonl"))
    # The eleventh pass's held-out sets, written before it: the article's kind, and SQuAD 2.0's kinds
    # over the SQuAD v1 articles (eval/tuning/README.md).
    sets["article 3 (held out)"] = ("article", load_jsonl(EVAL / "tuning" / "confidence_article3.jsonl"))
    sets["squad, ours, fresh 2 (held out)"] = ("squad", load_jsonl(EVAL / "tuning" / "confidence_fresh2.jsonl"))
    # Written before the twelfth pass and measured once after it (eval/tuning/README.md, batch 12): the
    # article's kind again, and SQuAD 2.0's kinds over the SQuAD v1 articles and Normans.
    sets["article 4 (held out in the twelfth pass)"] = (
        "article",
        load_jsonl(EVAL / "tuning" / "confidence_article4.jsonl"),
    )
    # Written before the thirteenth pass on confidence, the article's kind again (eval/tuning/README.md).
    sets["article 5 (held out)"] = ("article", load_jsonl(EVAL / "tuning" / "confidence_article5.jsonl"))
    fresh3 = load_jsonl(EVAL / "tuning" / "confidence_fresh3.jsonl")
    for label, corpus in (("squad v1 articles", "squad"), ("squad 2.0 article", "squad2")):
        sets[f"fresh 3 (held out in the twelfth pass), {label}"] = (
            corpus,
            [r for r in fresh3 if r["corpus"] == corpus],
        )
    return sets


def confidence_table(opened: Callable[[str], Retriever]) -> None:
    """Handled share of unanswerable questions beside the false-low share of answerable ones."""
    print("\n| set | rule | unanswerable handled | answerable marked low | recall@1 |")
    print("|---|---|---|---|---|")
    for label, (corpus, rows) in confidence_sets().items():
        retriever = opened(corpus)
        questions = [r["q"] for r in rows]
        answers = _ok(retriever.ask_many(questions))  # a rule never changes the passages, only their level
        ans_rows = [r for r in rows if not r.get("unanswerable")]
        ans = [a for a, r in zip(answers, rows, strict=True) if not r.get("unanswerable")]
        for rule_label, rule in CONFIDENCE_ABLATION:
            h, u, low, n = counts(rows, answers, judged(retriever, questions, answers, rule))
            handled = f"{h / u:.2f} ({u})" if u else "-"
            print(
                f"| {label} | {rule_label} | {handled} | {low / max(n, 1):.3f} ({n}) | {recall(ans, ans_rows).at_1:.3f} |"
            )
    print("\n(handled: abstained or marked low; an abstention is always low. Marked low: answered")
    print("but low, abstentions apart, which the quality table counts as false abstentions)")


def report(opened: Callable[[str], Retriever]) -> None:
    """The whole section, for bench/run.py."""
    print("\n## Follow-ups and confidence\n")
    followup_table(
        opened,
        (
            ("eval/followups.jsonl (shared)", EVAL / "followups.jsonl"),
            ("eval/tuning/followups.jsonl (ours)", EVAL / "tuning" / "followups.jsonl"),
            (
                "eval/tuning/followups_fresh.jsonl (ours, batch 5, tuned on since the fifth pass)",
                EVAL / "tuning" / "followups_fresh.jsonl",
            ),
            (
                "eval/tuning/followups_fresh6.jsonl (ours, held out, batch 6)",
                EVAL / "tuning" / "followups_fresh6.jsonl",
            ),
            (
                "eval/tuning/followups_fresh7.jsonl (ours, batch 7, tuned on in the sixth pass)",
                EVAL / "tuning" / "followups_fresh7.jsonl",
            ),
            (
                "eval/tuning/followups_fresh8.jsonl (ours, held out in the sixth pass, batch 8)",
                EVAL / "tuning" / "followups_fresh8.jsonl",
            ),
            (
                "eval/tuning/followups_fresh9.jsonl (ours, batch 9, tuned on in the seventh pass)",
                EVAL / "tuning" / "followups_fresh9.jsonl",
            ),
            (
                "eval/tuning/followups_fresh10.jsonl (ours, held out in the seventh pass, batch 10)",
                EVAL / "tuning" / "followups_fresh10.jsonl",
            ),
            (
                "eval/tuning/followups_fresh11.jsonl (ours, held out, batch 11)",
                EVAL / "tuning" / "followups_fresh11.jsonl",
            ),
            (
                "eval/tuning/followups_fresh12.jsonl (ours, batch 12, held out in the eleventh pass, "
                "tuned on in the twelfth)",
                EVAL / "tuning" / "followups_fresh12.jsonl",
            ),
            (
                "eval/tuning/followups_fresh13.jsonl (ours, batch 13, held out in the twelfth pass, tuned on in the "
                "thirteenth)",
                EVAL / "tuning" / "followups_fresh13.jsonl",
            ),
            (
                "eval/tuning/followups_fresh14.jsonl (ours, batch 14, held out in the thirteenth pass)",
                EVAL / "tuning" / "followups_fresh14.jsonl",
            ),
            (
                "eval/tuning/followups_fresh15.jsonl (ours, batch 15, held out from the fourteenth pass)",
                EVAL / "tuning" / "followups_fresh15.jsonl",
            ),
        ),
    )
    one_index_table(opened("all"))
    standalone_check(opened("article"))
    confidence_table(opened)


def one_index_table(every: Retriever) -> None:
    """The held-out follow-ups again, every corpus's documents in one index: a community's bot holds
    several sources, and a thread's follow-up then has other documents' passages to be confused with."""
    print(f"\nThe held-out follow-ups with all {len(every.corpus.info.documents)} documents in one index:\n")
    held = ("followups.jsonl", "tuning/followups_fresh6.jsonl", "tuning/followups_fresh8.jsonl")
    held += ("tuning/followups_fresh10.jsonl", "tuning/followups_fresh11.jsonl")
    sets = [(f"eval/{name}", EVAL / name) for name in held]
    sets += [
        (
            "eval/tuning/followups_fresh12.jsonl (batch 12, held out in the eleventh pass, tuned on in the twelfth)",
            EVAL / "tuning" / "followups_fresh12.jsonl",
        ),
        (
            "eval/tuning/followups_fresh13.jsonl (batch 13, held out in the twelfth pass, tuned on in the thirteenth)",
            EVAL / "tuning" / "followups_fresh13.jsonl",
        ),
        (
            "eval/tuning/followups_fresh14.jsonl (batch 14, held out in the thirteenth pass)",
            EVAL / "tuning" / "followups_fresh14.jsonl",
        ),
        (
            "eval/tuning/followups_fresh15.jsonl (batch 15, held out from the fourteenth pass)",
            EVAL / "tuning" / "followups_fresh15.jsonl",
        ),
    ]
    followup_table(lambda _corpus: every, sets)


def opener(root: Path, already: dict[str, Retriever] | None = None) -> Callable[[str], Retriever]:
    """Open each corpus's index once, under ``root``, on first use."""
    cache = dict(already or {})

    def get(name: str) -> Retriever:
        if name not in cache:
            seeds = all_seeds(root / "seeds-all") if name == "all" else CORPORA[name]
            cache[name] = Retriever.open(seeds, root / f"index-{name}")
        return cache[name]

    return get


def all_seeds(folder: Path) -> Path:
    """``folder`` holding a copy of every corpus's documents (and the article's titles), for ``all``."""
    folder.mkdir(parents=True, exist_ok=True)
    for corpus in CORPORA.values():
        for source in sorted(corpus.iterdir()):
            target = folder / source.name
            if (
                source.is_file()
                and not source.name.startswith(".")
                and (not target.exists() or target.read_bytes() != source.read_bytes())
            ):
                shutil.copyfile(source, target)
    return folder


def run_with_indexes(run: Callable[[Callable[[str], Retriever]], None], description: str | None) -> None:
    """The command line of the benches that ask the evaluation corpora: ``--index-root DIR`` keeps
    their indexes for the next run, otherwise they are built in a temporary folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--index-root", type=Path, help="keep the indexes here (default: a temporary folder)")
    args = parser.parse_args()
    if args.index_root:
        run(opener(args.index_root))
        return
    with tempfile.TemporaryDirectory(prefix="citebot-bench-") as tmp:
        run(opener(Path(tmp)))


def main() -> None:
    run_with_indexes(report, __doc__)


if __name__ == "__main__":
    main()

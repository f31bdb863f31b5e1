"""The fourth pass's confidence sweep (docs/retrieval.md, "Fourth pass: confidence"): the
question's predicate must be said in the bold sentence or the passage, by stem and lemma,
or by a word whose MiniLM vector is at least a cosine close; and the role-order check.
Each row is added to the shipped rule and scored on the SQuAD tune and held-out halves (our
confidence rows, SQuAD v1 and SQuAD 2.0 together, as the rare_share sweep), on SQuAD 2.0's
halves alone, and on the article's two sets (smoke tests); then a predicate the sources
(nearly) never use, whatever the passage. Also the CPU each check adds per answer.
The last column is the fifth pass's fresh held-out set (eval/tuning/confidence_fresh.jsonl,
whole); a second table gives the shipped rule and the roles check set by set. The sixth pass
(docs/retrieval.md, "Sixth pass: confidence") adds the negation and antonym rows, a table of
them set by set, and the fresh set's unanswerable questions handled by kind. The seventh pass
(docs/retrieval.md, "Seventh pass: confidence") adds its three checks (a sum of money and the
counted thing, shipped; a who-question's verb, off) to the first table, each added to the rule
shipped before it, a table of them set by set, and the last column: the chat-style held-out set
(eval/tuning/confidence_chat.jsonl) over the article, the SQuAD v1 articles and Normans. The
eighth pass adds its closer reading of a question (a row and a table set by set) and the column
before the last: the chat-style tuning set (eval/tuning/confidence_chat_tune.jsonl). The ninth
pass adds a what-question about a measure (a row and a table set by set). The eleventh pass
(docs/retrieval.md, "Eleventh pass: confidence") adds its held-out sets (article 3, fresh 2) to every
table, and the antonym check as the sixth pass read it and as it ships, read closer, by group of sets,
with the held-out SQuAD 2.0-style sets by kind. (Its sweep of two readings of the model's token vectors,
the soft recall and a word said elsewhere, went with their code in the twelfth pass; the eleventh pass's
commits reproduce it.) The twelfth pass (docs/retrieval.md, "Twelfth pass: confidence") adds its four
checks (index/presumed.py) set by set, by half and with their CPU. (The earlier passes' rows are measured
against the rules shipped before them, so their tables still reproduce.)

    .venv/bin/python bench/confidence_sweep.py [--index-root DIR]

Every question is asked once; each rule re-judges the same first passages.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.conversation import TWELFTH_OFF, _ok, counts, rejudged, run_with_indexes
from bench.conversation import confidence_sets as conversation_sets
from index import confidence, predicate
from index.lexical import _stem
from index.predicate import WordSimilarity
from index.query import Retriever
from index.types import Answer

COSINES = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
SHARES = (0.005, 0.01, 0.02, 0.05)


def before_twelfth(**switches: object) -> confidence.Rule:
    """The rule as shipped before the twelfth pass (no check of the present nor of a saying, no amount
    by degree), with ``switches`` changed."""
    return replace(confidence.Rule(**TWELFTH_OFF), **switches)  # type: ignore[arg-type]


def before_eleventh(**switches: object) -> confidence.Rule:
    """The rule as shipped before the eleventh pass (no antonym check), with ``switches`` changed."""
    return before_twelfth(**{"antonym": "", **switches})


def before_ninth(**switches: object) -> confidence.Rule:
    """The rule as shipped before the ninth pass (no measure read in a what-question), with
    ``switches`` changed; an antonym check switched on reads as the sixth pass measured it."""
    return before_eleventh(**{"measures": False, "antonym_closer": False, **switches})


def before_eighth(**switches: object) -> confidence.Rule:
    """The rule as shipped before the eighth pass (the seventh pass's reading of a question), with
    ``switches`` changed."""
    return before_ninth(**{"closer_reading": False, **switches})


def before_seventh(**switches: object) -> confidence.Rule:
    """The rule as shipped before the seventh pass (no sum-of-money, counted-thing or who-verb
    check either), with ``switches`` changed."""
    return before_eighth(**{"money": False, "counted": False, **switches})


def before_sixth(**switches: object) -> confidence.Rule:
    """The rule as shipped before the sixth pass (no negation check either), with ``switches``
    changed: every row of the earlier passes' tables is measured against it, so they reproduce."""
    return before_seventh(**{"negation": "", **switches})


# The sixth pass's checks (index/confidence.py, index/antonyms.py), each added to the rule shipped
# before it; the negation check in the sentence is shipped since (confidence.Rule()).
SIXTH_PASS = (
    ("shipped before", before_sixth()),
    ("+ negation dropped, in the sentence (shipped)", before_sixth(negation="sentence")),
    ("+ negation dropped, in the passage", before_sixth(negation="passage")),
    ("+ negation added by the sentence", before_sixth(negation_added=True)),
    ("+ antonym in the sentence, word missing from the sentence", before_sixth(antonym="sentence")),
    ("+ antonym in the sentence, word missing from the passage", before_sixth(antonym="passage")),
    ("+ antonym anywhere in the passage, word missing from it", before_sixth(antonym="anywhere")),
    ("+ negation and antonym, in the sentence", before_sixth(negation="sentence", antonym="sentence")),
)
SIXTH_PASS_SHORT = (SIXTH_PASS[0], SIXTH_PASS[1], SIXTH_PASS[4], SIXTH_PASS[-1])
# The seventh pass's checks (docs/retrieval.md, "Seventh pass: confidence"), each added to the rule
# shipped before it; the first two together are the shipped rule, the third stays off.
SEVENTH_PASS = (
    ("shipped before", before_seventh()),
    ("+ a how-much question about money needs a sum of money", before_seventh(money=True)),
    ("+ a how-many question's counted thing in the sentence", before_seventh(counted=True)),
    ("+ both (shipped by the seventh pass)", before_eighth()),
    ("+ a who-question naming no one new, its verb not in the passage", before_seventh(unsaid_who=True)),
    ("+ all three", before_eighth(unsaid_who=True)),
)
# The eighth pass (docs/retrieval.md, "Eighth pass: confidence"): the closer reading of a question.
EIGHTH_PASS = (
    ("shipped before", before_eighth()),
    ("+ the closer reading (shipped)", before_ninth()),
)
# The ninth pass (docs/retrieval.md, "Ninth pass: confidence"): a what-question about a measure.
NINTH_PASS = (
    ("shipped before", before_ninth()),
    ("+ a what-question about a measure (shipped)", before_eleventh()),
)


@dataclass
class Asked:
    """One question, asked once with the shipped rule, with the index that answered it."""

    row: dict
    answer: Answer
    retriever: Retriever


# The sweep's short label of each of `make bench`'s confidence sets (bench/conversation.py), in
# the order its tables print them.
SHORT_LABELS = {
    "article": "article (smoke test)",
    "article, ours": "article, ours (smoke test)",
    **{
        f"{kind} {which}": f"{long}, {half_label} half"
        for which, half_label in (("tune", "tune"), ("held", "held-out"))
        for kind, long in (("ours", "squad, ours"), ("v1", "squad v1"), ("v2", "squad 2.0"))
    },
    "fresh": "squad, ours, fresh (held out)",
    **{
        f"chat {tune}{corpus}": f"chat {which}, {label}"
        for corpus, label in (("article", "article"), ("squad", "squad v1 articles"), ("squad2", "squad 2.0 article"))
        for tune, which in (("", "(held out)"), ("tune ", "(tuning)"))
    },
    **{
        f"chat2 {corpus}": f"chat 2 (held out), {label}"
        for corpus, label in (("article", "article"), ("squad", "squad v1 articles"), ("squad2", "squad 2.0 article"))
    },
    "article2": "article 2 (held out)",
    "article3": "article 3 (held out)",
    "fresh2": "squad, ours, fresh 2 (held out)",
}


def confidence_sets() -> dict[str, tuple[str, list[dict]]]:
    """Every confidence set by its short label: (corpus, rows), the SQuAD ones cut in halves."""
    sets = conversation_sets()
    return {short: sets[label] for short, label in SHORT_LABELS.items()}


def ask_all(opened: Callable[[str], Retriever]) -> dict[str, list[Asked]]:
    """Every set's questions asked once with the shipped rule."""
    out = {}
    for label, (corpus, rows) in confidence_sets().items():
        retriever = opened(corpus)
        questions = [r["q"] for r in rows]
        answers = _ok(retriever.ask_many(questions))
        out[label] = [Asked(r, a, retriever) for r, a in zip(rows, answers, strict=True)]
    return out


def levels(asked: Sequence[Asked], rule: confidence.Rule, similarity: WordSimilarity | None) -> list[str]:
    """Each answer's confidence under ``rule`` (an abstention is always low)."""
    return [rejudged(item.retriever, item.row["q"], item.answer, rule, similarity) for item in asked]


def shares(asked: Sequence[Asked], got: Sequence[str]) -> tuple[int, int, int, int]:
    """(unanswerable handled, unanswerable, answerable marked low, answerable): :func:`counts`."""
    return counts([a.row for a in asked], [a.answer for a in asked], got)


def cell(parts: Sequence[tuple[int, int, int, int]]) -> str:
    h, u, low, n = (sum(p[i] for p in parts) for i in range(4))
    return f"{h / max(u, 1):.3f} / {low / max(n, 1):.3f}"


def rare_predicate(item: Asked, share: float) -> bool:
    """Whether the question's predicate (its stem and its lemma's) is used by at most ``share``
    of the passages of the sources: "founded" against an article that never founds anything."""
    verb = predicate.predicate(item.row["q"])
    if verb is None:
        return False
    lexicon = item.retriever.corpus.lexicon
    stems = {_stem(verb), *(_stem(lemma) for lemma in predicate._lemmas(verb).get("VERB", ()))}
    stems |= set(lexicon.correct(sorted(stems)))
    return all(lexicon.idf(s) >= math.log(1 + 1 / share) for s in stems)


def set_counts(
    asked: dict[str, list[Asked]],
    rule: confidence.Rule,
    similarity: WordSimilarity | None,
    rare_share: float = 0.0,
) -> dict[str, tuple[int, int, int, int]]:
    """Each set's shares under ``rule``; with ``rare_share``, an answer whose predicate is that
    rare in the sources is low too."""
    counts = {}
    for label, items in asked.items():
        got = levels(items, rule, similarity)
        if rare_share:
            got = ["low" if rare_predicate(a, rare_share) else g for a, g in zip(items, got, strict=True)]
        counts[label] = shares(items, got)
    return counts


def row(
    asked: dict[str, list[Asked]],
    rule: confidence.Rule,
    similarity: WordSimilarity | None,
    rare_share: float = 0.0,
) -> str:
    """One sweep row: the halves, SQuAD 2.0's halves and whole, the article's two sets, the
    fresh held-out set."""
    counts = set_counts(asked, rule, similarity, rare_share)
    halves = [cell([counts[f"{kind} {which}"] for kind in ("ours", "v1", "v2")]) for which in ("tune", "held")]
    v2 = [cell([counts[f"v2 {which}"]]) for which in ("tune", "held")]
    both = cell([counts["v2 tune"], counts["v2 held"]])
    chat = [
        cell([counts[f"chat {which}{corpus}"] for corpus in ("article", "squad", "squad2")]) for which in ("tune ", "")
    ]
    chat2 = cell([counts[f"chat2 {corpus}"] for corpus in ("article", "squad", "squad2")])
    later = [cell([counts[label]]) for label in ("article2", "article3", "fresh2")]
    return " | ".join(
        [
            *halves,
            *v2,
            both,
            cell([counts["article"]]),
            cell([counts["article, ours"]]),
            cell([counts["fresh"]]),
            *chat,
            chat2,
            *later,
        ]
    )


def per_set(asked: dict[str, list[Asked]], rules: Sequence[tuple[str, confidence.Rule]]) -> None:
    """Handled (of how many) / marked low (of how many), set by set, for each of ``rules``."""
    print("| set | " + " | ".join(label for label, _ in rules) + " |")
    print("|---|" + "---|" * len(rules))
    counts = [set_counts(asked, rule, None) for _, rule in rules]
    for label in asked:
        cells = []
        for c in counts:
            h, u, low, n = c[label]
            handled = f"{h / u:.3f} ({h}/{u})" if u else "-"
            cells.append(f"{handled} / {low / max(n, 1):.3f} ({low}/{n})")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def by_kind(asked: Sequence[Asked], rules: Sequence[tuple[str, confidence.Rule]]) -> None:
    """The fresh set's unanswerable questions handled, by their SQuAD 2.0 kind, for each rule;
    and its answerable questions marked low."""
    kinds = list(dict.fromkeys(a.row["kind"] for a in asked if a.row.get("unanswerable")))
    print("| rule | " + " | ".join(kinds) + " | all | answerable marked low |")
    print("|---|" + "---|" * (len(kinds) + 2))
    for label, rule in rules:
        got = levels(asked, rule, None)
        cells = []
        for kind in kinds:
            mine = [g for a, g in zip(asked, got, strict=True) if a.row.get("unanswerable") and a.row["kind"] == kind]
            cells.append(f"{mine.count('low')}/{len(mine)}")
        h, u, low, n = shares(asked, got)
        print(f"| {label} | " + " | ".join(cells) + f" | {h}/{u} | {low}/{n} |", flush=True)


def cpu_per_answer(asked: dict[str, list[Asked]], rule: confidence.Rule, similarity: WordSimilarity | None) -> float:
    """Milliseconds of CPU to judge one answer under ``rule``, word vectors not yet cached."""
    every = [a for items in asked.values() for a in items]
    start = time.process_time()
    levels(every, rule, similarity)
    return (time.process_time() - start) * 1000 / len(every)


# The eleventh pass's table (docs/retrieval.md, "Eleventh pass: confidence"): its columns are the
# sets tuned on (SQuAD v1's answerable questions and the shared article set as guards of the marked-low
# share) and, apart, the sets held out.
TUNING_GROUPS = {
    "squad, ours": ("ours tune", "ours held"),
    "article, ours": ("article, ours",),
    "squad 2.0": ("v2 tune", "v2 held"),
    "chat, tuning": ("chat tune article", "chat tune squad", "chat tune squad2"),
    "squad v1 (answerable)": ("v1 tune", "v1 held"),
    "article (shared)": ("article",),
}
HELD_OUT_GROUPS = {
    "article 2": ("article2",),
    "article 3": ("article3",),
    "fresh": ("fresh",),
    "fresh 2": ("fresh2",),
    "chat": ("chat article", "chat squad", "chat squad2"),
    "chat 2": ("chat2 article", "chat2 squad", "chat2 squad2"),
}


def eleventh_rules() -> list[tuple[str, confidence.Rule]]:
    """The eleventh pass's rows, each added to the rule shipped before it: the antonym check as the sixth
    pass read it and as it ships (read closer)."""
    return [
        ("shipped before", before_eleventh()),
        ("+ antonym in the sentence (sixth pass)", before_eleventh(antonym="sentence", antonym_closer=False)),
        ("+ antonym in the sentence, read closer (shipped by the eleventh pass)", before_twelfth()),
    ]


def grouped(
    asked: dict[str, list[Asked]],
    rules: Sequence[tuple[str, confidence.Rule]],
    groups: dict[str, tuple[str, ...]],
) -> None:
    """Handled (of how many) / marked low (of how many) for each rule, by group of sets."""
    print("| rule | " + " | ".join(groups) + " |")
    print("|---|" + "---|" * len(groups))
    for label, rule in rules:
        counts = set_counts(asked, rule, None)
        cells = []
        for members in groups.values():
            h, u, low, n = (sum(counts[m][i] for m in members) for i in range(4))
            cells.append(f"{h}/{u} / {low}/{n}" if u else f"- / {low}/{n}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def eleventh(asked: dict[str, list[Asked]]) -> None:
    """The eleventh pass's rows on the sets it tuned on and on the sets it held out, then the held-out
    SQuAD 2.0-style sets by kind."""
    rules = eleventh_rules()
    grouped(asked, rules, TUNING_GROUPS)
    print()
    grouped(asked, rules, HELD_OUT_GROUPS)
    print("\n(cells: unanswerable handled / answerable marked low, counts)\n")
    for label in ("fresh", "fresh2"):
        by_kind(asked[label], rules)
        print()


# The twelfth pass (docs/retrieval.md, "Twelfth pass: confidence"; index/presumed.py): each check added
# to the rule shipped before it, then all four (shipped). Every set is a tuning set since this pass.
TWELFTH_PASS = (
    ("shipped before", before_twelfth()),
    ("+ the present", before_twelfth(present=True)),
    ("+ a saying", before_twelfth(said=True)),
    ("+ an office's holder", before_twelfth(office=True)),
    ("+ an amount by degree", before_twelfth(degree=True)),
    ("+ all four (shipped)", confidence.Rule()),
)


def halves(asked: dict[str, list[Asked]], rules: Sequence[tuple[str, confidence.Rule]]) -> None:
    """Handled / marked low over every set, cut in two by position (each set's even rows, its odd rows):
    a check that gains on one half only is fitted to the questions it was read from."""
    print("| rule | first half (even rows) | second half (odd rows) |\n|---|---|---|")
    for label, rule in rules:
        parts: list[list[tuple[int, int, int, int]]] = [[], []]
        for items in asked.values():
            got = levels(items, rule, None)
            for which in (0, 1):
                parts[which].append(shares(items[which::2], got[which::2]))
        cells = []
        for part in parts:
            h, u, low, n = (sum(p[i] for p in part) for i in range(4))
            cells.append(f"{h}/{u} / {low}/{n}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def twelfth(asked: dict[str, list[Asked]]) -> None:
    """The twelfth pass's checks set by set, by half, and the CPU an answer's judging takes."""
    per_set(asked, TWELFTH_PASS)
    print()
    halves(asked, TWELFTH_PASS)
    print("\n| rule | CPU per answer, ms |\n|---|---|")
    for label, rule in (TWELFTH_PASS[0], TWELFTH_PASS[-1]):
        print(f"| {label} | {cpu_per_answer(asked, rule, None):.3f} |", flush=True)


def sweep(opened: Callable[[str], Retriever]) -> None:
    asked = ask_all(opened)
    encode = opened("squad").encode
    print(
        "| added to the shipped rule | tune | held-out | SQuAD 2.0 tune | SQuAD 2.0 held-out | SQuAD 2.0 all "
        "| article (shared) | article, ours | fresh (held out) | chat, tuning | chat (held out) "
        "| chat 2 (held out) | article 2 (held out) | article 3 (held out) | fresh 2 (held out) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| none (shipped) | {row(asked, before_sixth(), None)} |", flush=True)
    for where in ("sentence", "passage"):
        for cosine in COSINES:
            rule = before_sixth(predicate=where, predicate_cosine=cosine)
            similarity = WordSimilarity(encode, cosine) if cosine else None
            label = f"predicate in the {where}, " + (f"or a word of cosine >= {cosine}" if cosine else "stem or lemma")
            print(f"| {label} | {row(asked, rule, similarity)} |", flush=True)
    for share in SHARES:
        print(f"| predicate used by at most {share} of the passages | {row(asked, before_sixth(), None, share)} |")
    print(f"| roles swapped | {row(asked, before_sixth(roles=True), None)} |", flush=True)
    for label, rule in SIXTH_PASS[1:]:
        print(f"| {label.removeprefix('+ ')} | {row(asked, rule, None)} |", flush=True)
    for label, rule in SEVENTH_PASS[1:]:
        print(f"| {label.removeprefix('+ ')} | {row(asked, rule, None)} |", flush=True)
    for label, rule in EIGHTH_PASS[1:]:
        print(f"| {label.removeprefix('+ ')} | {row(asked, rule, None)} |", flush=True)
    for label, rule in NINTH_PASS[1:]:
        print(f"| {label.removeprefix('+ ')} | {row(asked, rule, None)} |", flush=True)
    print("\n(cells: unanswerable handled / answerable marked low)\n")
    per_set(asked, (("shipped", before_sixth()), ("+ roles swapped", before_sixth(roles=True))))
    print()
    per_set(asked, SIXTH_PASS_SHORT)
    print()
    by_kind(asked["fresh"], SIXTH_PASS)
    print()
    per_set(asked, SEVENTH_PASS)
    print()
    per_set(asked, EIGHTH_PASS)
    print()
    per_set(asked, NINTH_PASS)
    print()
    print("| rule | CPU per answer, ms (first time, word vectors computed) | again (cached) |\n|---|---|---|")
    for label, rule, cosine in (
        ("shipped", before_sixth(), 0.0),
        ("predicate, stem or lemma", before_sixth(predicate="passage"), 0.0),
        ("predicate, cosine 0.5", before_sixth(predicate="passage", predicate_cosine=0.5), 0.5),
        ("roles", before_sixth(roles=True), 0.0),
        ("negation and antonym, in the sentence", before_sixth(negation="sentence", antonym="sentence"), 0.0),
        ("shipped before the seventh pass", before_seventh(), 0.0),
        ("the seventh pass's sum of money and counted thing", before_eighth(), 0.0),
        ("+ a who-question's verb", before_eighth(unsaid_who=True), 0.0),
        ("+ the eighth pass's closer reading", before_ninth(), 0.0),
        ("+ the ninth pass's measures", before_eleventh(), 0.0),
        ("+ the eleventh pass's antonym, read closer", before_twelfth(), 0.0),
        ("shipped (+ the twelfth pass's present, saying, office and amount by degree)", confidence.Rule(), 0.0),
    ):
        similarity = WordSimilarity(encode, cosine) if cosine else None
        first = cpu_per_answer(asked, rule, similarity)
        print(f"| {label} | {first:.2f} | {cpu_per_answer(asked, rule, similarity):.2f} |", flush=True)
    print()
    eleventh(asked)
    print()
    twelfth(asked)


def main() -> None:
    run_with_indexes(sweep, __doc__)


if __name__ == "__main__":
    main()

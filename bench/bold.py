"""`make bench`, which sentence is bold: of the questions whose first passage holds the evidence, how
often its bold sentence (``Hit.sentence``) does, set by set; and the sweep of ``bold.LATE_WEIGHT``
behind the shipped choice, with what it does to each confidence set (docs/retrieval.md, "Which
sentence is bold"). Called from bench/run.py; the sweep runs alone:

    .venv/bin/python bench/bold.py [--index-root DIR]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.conversation import EVAL, _ok, confidence_sets, counts, half, recall, run_with_indexes
from bench.evaluate import load_jsonl, rank_of_answer
from index import bold
from index.query import Retriever
from index.text import normalize
from index.types import Answer

Opened = Callable[[str], Retriever]
# A set: its label, its corpus, its rows (with "evidence"; "history" for a follow-up, read with its thread).
Rows = tuple[str, str, list[dict]]
FOLLOWUPS = (
    "followups.jsonl",
    "tuning/followups.jsonl",
    *(f"tuning/followups_fresh{n}.jsonl" for n in ("", 6, 7, 8, 9, 10, 11, 12, 13, 14)),
)
SWEEP = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0)


def holds(sentence: str, evidence: Sequence[str]) -> bool:
    """Whether a bold sentence holds the evidence: one of its strings inside the sentence, or the
    sentence inside one (evidence written over two sentences)."""
    said = normalize(sentence)
    return any(normalize(e) in said or said in normalize(e) for e in evidence)


def bold_counts(answers: Sequence[Answer], rows: Sequence[dict]) -> tuple[int, int]:
    """(bold sentence holds the evidence, first passage holds it) over ``rows``."""
    right = bold = 0
    for answer, row in zip(answers, rows, strict=True):
        if not answer.hits or rank_of_answer([h.text for h in answer.hits], row["evidence"]) != 1:
            continue
        right += 1
        bold += holds(answer.hits[0].sentence, row["evidence"])
    return bold, right


def ask(retriever: Retriever, rows: Sequence[dict]) -> list[Answer]:
    """The rows' answers, a follow-up read with its thread."""
    histories = [r.get("history", ()) for r in rows]
    return _ok(retriever.ask_many([r["q"] for r in rows], histories=histories))


def main_sets() -> list[Rows]:
    """The sets the choice was made and checked on: SQuAD v1 by half, SQuAD 2.0's answerable, the article."""
    squad = [r for r in load_jsonl(EVAL / "squad" / "questions.jsonl") if "evidence" in r]
    squad2 = [r for r in load_jsonl(EVAL / "squad2" / "questions.jsonl") if "evidence" in r]
    article = [r for r in load_jsonl(EVAL / "questions.jsonl") if "evidence" in r]
    return [
        ("squad v1, tune half", "squad", half(squad, "tune")),
        ("squad v1, held-out half", "squad", half(squad, "held")),
        ("squad 2.0, answerable", "squad2", squad2),
        ("article", "article", article),
    ]


def other_sets() -> list[Rows]:
    """Every other set with evidence strings: the follow-up batches by corpus, and the confidence
    sets' answerable rows (those the main sets do not already hold)."""
    sets = []
    for name in FOLLOWUPS:
        rows = load_jsonl(EVAL / name)
        for corpus in sorted({r["corpus"] for r in rows}):
            sets.append((f"eval/{name}, {corpus}", corpus, [r for r in rows if r["corpus"] == corpus]))
    for label, (corpus, rows) in confidence_sets().items():
        if not label.startswith(("squad v1", "squad 2.0", "article (smoke")):
            sets.append((f"confidence: {label}", corpus, [r for r in rows if "evidence" in r]))
    return sets


@contextmanager
def bold_late(weight: float) -> Iterator[None]:
    """``bold.LATE_WEIGHT`` set to ``weight`` for the block (the chunks ranked are the same)."""
    kept = bold.LATE_WEIGHT
    bold.LATE_WEIGHT = weight
    try:
        yield
    finally:
        bold.LATE_WEIGHT = kept


def _cell(bold: int, right: int) -> str:
    return f"{bold / max(right, 1):.3f} ({bold}/{right})"


def bold_table(opened: Opened) -> None:
    """The measure for `make bench`: the shipped bold sentence beside the sentence view alone."""
    print("\n## Which sentence is bold\n")
    print("| set | sentence view alone (before) | + each sentence's own late interaction (shipped) |")
    print("|---|---|---|")
    for label, corpus, rows in main_sets() + other_sets():
        retriever = opened(corpus)
        cells = []
        for weight in (0.0, bold.LATE_WEIGHT):
            with bold_late(weight):
                cells.append(bold_counts(ask(retriever, rows), rows))
        print(f"| {label} | {_cell(*cells[0])} | {_cell(*cells[1])} |", flush=True)
    print("\n(cells: the share of the questions whose first passage holds the evidence whose bold sentence")
    print("holds it; a follow-up's thread carries its earlier answers' bold sentences, so its first passage may move)")


def sweep(opened: Opened) -> None:
    """``bold.LATE_WEIGHT`` swept: bold sentences holding the evidence, on the main sets and the rest summed."""
    sets = main_sets() + other_sets()
    answers = {}
    for weight in SWEEP:
        with bold_late(weight):
            answers[weight] = [ask(opened(corpus), rows) for _, corpus, rows in sets]
    labels = [s[0] for s in sets[:4]] + ["every other set"]
    print("| LATE_WEIGHT | " + " | ".join(labels) + " |\n" + "|---" * (len(labels) + 1) + "|")
    for weight, got in answers.items():
        found = [bold_counts(a, s[2]) for a, s in zip(got, sets, strict=True)]
        rest = (sum(b for b, _ in found[4:]), sum(r for _, r in found[4:]))
        print(f"| {weight:g} | " + " | ".join(f"{b}/{r}" for b, r in [*found[:4], rest]) + " |", flush=True)


def confidence_effect(opened: Opened) -> None:
    """Each confidence set under the shipped rule with the bold sentence before and after: unanswerable
    questions handled, answerable ones marked low, and every question whose level changed."""
    print("\n| set | unanswerable handled, before -> after | answerable marked low, before -> after |")
    print("|---|---|---|")
    changed = []
    for label, (corpus, rows) in confidence_sets().items():
        retriever = opened(corpus)
        got = []
        for weight in (0.0, bold.LATE_WEIGHT):
            with bold_late(weight):
                answers = ask(retriever, [{"q": r["q"]} for r in rows])
                got.append((answers, counts(rows, answers, [a.confidence for a in answers])))
        (before, (h0, u, low0, n)), (after, (h1, _, low1, _)) = got
        print(f"| {label} | {h0}/{u} -> {h1}/{u} | {low0}/{n} -> {low1}/{n} |")
        for row, a, b in zip(rows, before, after, strict=True):
            if a.confidence != b.confidence:
                kind = "unanswerable" if row.get("unanswerable") else "answerable"
                changed.append(f"- {label}, {kind}: {row['q']!r} {a.confidence} -> {b.confidence}")
    print("\nLevels changed:\n" + "\n".join(changed or ["- none"]))


def followup_recall(opened: Opened) -> None:
    """recall@1 / @3 of the follow-ups read with their thread, with the bold sentence before and after: a
    thread carries its earlier answers' bold sentences (the names in them, the sentence a follow-up asks past)."""
    print("\n| follow-ups | corpus | before | after |\n|---|---|---|---|")
    for label, corpus, rows in [s for s in other_sets() if s[0].startswith("eval/")]:
        cells = []
        for weight in (0.0, bold.LATE_WEIGHT):
            with bold_late(weight):
                got = recall(ask(opened(corpus), rows), rows)
            cells.append(f"{got.at_1:.3f} / {got.at_3:.3f}")
        print(f"| {label.split(',')[0]} | {corpus} | {cells[0]} | {cells[1]} |", flush=True)


def main() -> None:
    def run(opened: Opened) -> None:
        sweep(opened)
        followup_recall(opened)
        confidence_effect(opened)

    run_with_indexes(run, __doc__)


if __name__ == "__main__":
    main()

"""Sentence vectors pooled from their chunk's pass, against each sentence embedded alone.

Each corpus (the article, SQuAD, SQuAD 2.0) is indexed once per method of making sentence
vectors (index/build.py SENTENCE_VECTORS), and every figure the retrieval and conversation
benches report is taken on each, in the same run:

- recall@1, recall@3, MRR, out-of-scope abstained and false abstentions (bench/evaluate.py);
- bold sentence: the share of answerable questions whose first passage's bold sentence is
  the evidence sentence (one holds the other, normalised);
- confidence: unanswerable questions handled (abstained or marked low) and answerable
  questions marked low, by the shipped rule (bench/conversation.py);
- follow-ups: recall@1 / @3 of eval/followups.jsonl asked with their thread.

    .venv/bin/python bench/sentence_vectors.py [--methods model pooled pooled+title]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.conversation import CORPORA, EVAL, _ok, ask_followups, recall
from bench.evaluate import evaluate, load_jsonl
from index import build
from index.query import Retriever
from index.text import normalize
from index.types import Answer

QUESTIONS = {
    "article": EVAL / "questions.jsonl",
    "squad": EVAL / "squad" / "questions.jsonl",
    "squad2": EVAL / "squad2" / "questions.jsonl",
}
# The unanswerable questions on each corpus's subject (bench/conversation.py's confidence table).
UNANSWERED = {
    "article": [EVAL / "unanswered.jsonl"],
    "squad": [EVAL / "tuning" / "confidence.jsonl"],
    "squad2": [EVAL / "squad2" / "questions.jsonl"],
}


def bold_share(answers: Sequence[Answer], rows: Sequence[dict]) -> float:
    """Share of ``rows`` whose first passage's bold sentence is (holds, or is held by) the evidence."""
    right = 0
    for answer, row in zip(answers, rows, strict=True):
        if answer.abstained or not answer.hits:
            continue
        bold = normalize(answer.hits[0].sentence)
        right += any(normalize(e) in bold or bold in normalize(e) for e in row["evidence"])
    return right / max(len(rows), 1)


def confidence_cells(retriever: Retriever, corpus: str) -> str:
    """``handled / marked low`` over the corpus's unanswerable and answerable questions."""
    rows = [r for p in UNANSWERED[corpus] for r in load_jsonl(p) if r.get("corpus", corpus) == corpus]
    rows += [r for r in load_jsonl(QUESTIONS[corpus]) if "evidence" in r and r not in rows]
    rows = [r for r in rows if not r.get("abstain")]
    answers = _ok(retriever.ask_many([r["q"] for r in rows]))
    unans = [a for a, r in zip(answers, rows, strict=True) if r.get("unanswerable")]
    ans = [a for a, r in zip(answers, rows, strict=True) if not r.get("unanswerable")]
    handled = sum(a.confidence == "low" for a in unans) / max(len(unans), 1)
    low = sum(a.confidence == "low" and not a.abstained for a in ans) / max(len(ans), 1)
    return f"{handled:.2f} ({len(unans)}) | {low:.3f} ({len(ans)})"


def row(method: str, corpus: str, work: Path) -> str:
    """One table row: every figure of one corpus indexed with one method."""
    build.SENTENCE_VECTORS = method
    started = time.process_time()
    retriever = Retriever.open(CORPORA[corpus], work / f"{method}-{corpus}")
    cpu = time.process_time() - started
    rows = load_jsonl(QUESTIONS[corpus])
    q = evaluate(retriever, [r for r in rows if "evidence" in r or r.get("abstain")])
    answerable = [r for r in rows if "evidence" in r and not r.get("unanswerable")]
    bold = bold_share(_ok(retriever.ask_many([r["q"] for r in answerable])), answerable)
    follow = [r for r in load_jsonl(EVAL / "followups.jsonl") if r["corpus"] == corpus and not r.get("standalone")]
    got = recall(ask_followups(retriever, follow, "thread"), follow) if follow else None
    follow_cell = f"{got.at_1:.3f} / {got.at_3:.3f} ({got.n})" if got else "-"
    return (
        f"| {corpus} | {method} | {q.recall_at_1:.3f} | {q.recall_at_3:.3f} | {q.mrr:.3f} | {bold:.3f} "
        f"| {q.abstain_rate:.2f} ({q.out_of_scope}) | {q.false_abstain_rate:.3f} ({q.answerable}) "
        f"| {confidence_cells(retriever, corpus)} | {follow_cell} | {cpu:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--methods", nargs="+", default=["model", "pooled", "pooled+title"])
    parser.add_argument("--corpora", nargs="+", default=["squad", "squad2", "article"])
    args = parser.parse_args()
    print("\n## Sentence vectors: pooled from the chunk's pass, or each sentence embedded alone\n")
    print(
        "| set | sentence vectors | recall@1 | recall@3 | MRR | bold sentence | out-of-scope abstained "
        "| false abstentions | unanswerable handled | answerable marked low | follow-ups @1 / @3 | build CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    shipped = build.SENTENCE_VECTORS
    try:
        with tempfile.TemporaryDirectory(prefix="citebot-sentences-") as tmp:
            for corpus in args.corpora:
                for method in args.methods:
                    print(row(method, corpus, Path(tmp)), flush=True)
    finally:
        build.SENTENCE_VECTORS = shipped
    print("\n(bold sentence: over answerable questions; build CPU s: this process, model loaded once)")


if __name__ == "__main__":
    main()

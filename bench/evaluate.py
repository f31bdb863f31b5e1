"""Retrieval quality on an evaluation set (eval/README.md describes the scoring)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.query import Retriever
from index.text import normalize


@dataclass
class Quality:
    recall_at_1: float
    recall_at_3: float
    mrr: float
    abstain_rate: float  # out-of-scope questions abstained on
    false_abstain_rate: float  # answerable questions abstained on
    answerable: int
    out_of_scope: int
    misses: list[str]


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rank_of_answer(passages: Sequence[str], evidence: Sequence[str]) -> int | None:
    wanted = [normalize(e) for e in evidence]
    for rank, text in enumerate(passages, start=1):
        body = normalize(text)
        if any(w in body for w in wanted):
            return rank
    return None


def evaluate(retriever: Retriever, questions: list[dict], k: int = 3) -> Quality:
    answers = retriever.ask_many([q["q"] for q in questions], k=k)
    r1 = r3 = rr = 0.0
    abstained_oos = false_abstain = n_ans = n_oos = 0
    misses = []
    for q, a in zip(questions, answers, strict=True):
        if isinstance(a, Exception):
            raise a
        if q.get("abstain"):
            n_oos += 1
            abstained_oos += a.abstained
            if not a.abstained:
                misses.append(f"answered out-of-scope {q['id']}: {q['q']!r} -> {a.hits[0].text[:60]!r}")
            continue
        n_ans += 1
        false_abstain += a.abstained
        if a.abstained:
            misses.append(f"abstained on {q['id']}: {q['q']!r}")
        rank = rank_of_answer([h.text for h in a.hits], q["evidence"])
        if rank == 1:
            r1 += 1
        if rank is not None and rank <= 3:
            r3 += 1
            rr += 1 / rank
        if rank != 1:
            misses.append(f"rank {rank} for {q['id']}: {q['q']!r} -> {a.hits[0].text[:60]!r}")
    return Quality(
        recall_at_1=r1 / max(n_ans, 1),
        recall_at_3=r3 / max(n_ans, 1),
        mrr=rr / max(n_ans, 1),
        abstain_rate=abstained_oos / max(n_oos, 1),
        false_abstain_rate=false_abstain / max(n_ans, 1),
        answerable=n_ans,
        out_of_scope=n_oos,
        misses=misses,
    )


def evaluate_quotes(retriever: Retriever, topics: list[dict]) -> tuple[float, float, list[str]]:
    hits = speakers = 0
    misses = []
    for t in topics:
        found = retriever.quotes(t["topic"], k=3).quotes
        first = found[0] if found else None
        hit = first is not None and normalize(t["evidence"]) in normalize(first.text)
        speaker_ok = hit and first.speaker is not None and t["speaker"].casefold() in first.speaker.casefold()
        hits += hit
        speakers += speaker_ok
        if not (hit and speaker_ok):
            got = f"{first.text[:50]!r} by {first.speaker}" if first else "nothing"
            misses.append(f"quote {t['id']} {t['topic']!r} -> {got}")
    return hits / max(len(topics), 1), speakers / max(len(topics), 1), misses

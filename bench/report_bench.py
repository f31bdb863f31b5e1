"""The report's grouping by meaning: a sweep of the merge threshold on the fixture logs.

Each fixture line is an unanswered question with the group a person put it in
(``tests/fixtures/report/tuning.jsonl`` to choose the threshold, ``heldout.jsonl`` to
check it). Scored pairwise: precision (pairs put together that belong together), recall
(pairs that belong together put together) and F1, beside the reference the database
gives without embeddings (only exact repeats grouped), and the time to embed and group.

    .venv/bin/python bench/report_bench.py [--thresholds 0.4 0.45 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.report import SIMILARITY, clusters
from index.embed import Embedder

FIXTURES = ROOT / "tests" / "fixtures" / "report"
THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def load(name: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows], [r["group"] for r in rows]


def pairwise(groups: list[list[int]], labels: list[str]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of ``groups`` against ``labels``."""
    found = {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}
    truth = {frozenset(p) for p in itertools.combinations(range(len(labels)), 2) if labels[p[0]] == labels[p[1]]}
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


async def rule_lookups(count: int = 500) -> tuple[float, float, float]:
    """Median milliseconds of one channel-rule read on SQLite (what every message now costs), unset and set,
    and the reference: no database (the settings' default, what every message cost before)."""
    import statistics
    import tempfile

    from bot.core.channels import ChannelRules, default_rule
    from bot.db import ChannelMode, Database

    default = default_rule(every_message=False)
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(None, data_dir=folder) as db:
            out = []
            for channel in ("none", "unset", "set"):
                rules = ChannelRules(None if channel == "none" else db.channels, "discord")
                if channel == "set":
                    await db.channels.set("discord", "G", channel, mode=ChannelMode.EVERY_MESSAGE, private=False)
                times = []
                for _ in range(count):
                    started = time.perf_counter()
                    await rules.rule("G", channel, default)
                    times.append(time.perf_counter() - started)
                out.append(statistics.median(times) * 1000)
    return out[0], out[1], out[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=float, nargs="+", default=THRESHOLDS)
    args = parser.parse_args()
    embedder = Embedder()
    print(f"== report grouping (average linkage, cosine), shipped SIMILARITY = {SIMILARITY}")
    for name in ("tuning", "heldout"):
        questions, labels = load(name)
        started = time.perf_counter()
        vectors = embedder.encode(questions, batch_size=32)
        embedded = time.perf_counter() - started
        alone = [[i] for i in range(len(questions))]  # the reference: exact repeats only (none in the fixtures)
        p, r, f = pairwise(alone, labels)
        print(
            f"{name}: {len(questions)} questions, {len(set(labels))} true groups, embedded in {embedded * 1000:.0f} ms"
        )
        print(f"  {'reference (repeats only)':>26}  P={p:.2f} R={r:.2f} F1={f:.2f}")
        for threshold in args.thresholds:
            started = time.perf_counter()
            groups = clusters(vectors, threshold)
            took = time.perf_counter() - started
            p, r, f = pairwise(groups, labels)
            mark = "  <- shipped" if abs(threshold - SIMILARITY) < 1e-9 else ""
            print(
                f"  {f'threshold {threshold:.2f}':>26}  P={p:.2f} R={r:.2f} F1={f:.2f} "
                f"groups={len(groups):2d} grouped in {took * 1000:.1f} ms{mark}"
            )
    reference, unset, configured = asyncio.run(rule_lookups())
    print(
        f"channel rule read per message (median of 500): reference without a database {reference:.3f} ms; "
        f"SQLite {unset:.2f} ms unset, {configured:.2f} ms set"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the database layer: what one question's bookkeeping costs, per engine.

For SQLite (a file) and PostgreSQL (a throw-away local server, through asyncpg and
psycopg) it times the calls a chat front end makes per question:

* ``limiter.hit`` (the shared rate limiter), beside the in-memory ``bot.core.ratelimit``
  limiter as the reference;
* ``events.first_time`` (Slack event de-duplication);
* ``questions.record`` (the question log).

Each at concurrency 1 and 20 through one engine (one process), and at 20 through two
engines (as two processes would be), reporting p50/p99 latency per call and calls per
second. PostgreSQL comes from Debian's
``postgresql`` package (see tests/db/postgres.py); without it only SQLite is measured.

Usage: ``.venv/bin/python bench/db_bench.py [--calls 400]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg

from bot.db import Database, Outcome
from tests.db.postgres import find_bindir, postgres_server

Call = Callable[[Database, int], Awaitable[object]]


def _calls() -> dict[str, Call]:
    async def hit(db: Database, i: int) -> object:
        return await db.rate_limiter(10**9, 30).hit(f"user{i % 50}")

    async def first_time(db: Database, i: int) -> object:
        return await db.events.first_time("slack", f"Ev{i}-{time.perf_counter_ns()}")

    async def record(db: Database, i: int) -> object:
        return await db.questions.record(
            platform="discord",
            asker=i,
            guild=1,
            channel=2,
            question=f"Why did IBM quit facial recognition? ({i})",
            outcome=Outcome.ANSWERED,
            citations=[{"source": "seeds/ibm.txt", "paragraph": 3, "score": 0.7}] * 3,
            index_version="v1",
        )

    return {"limiter.hit": hit, "events.first_time": first_time, "questions.record": record}


async def _measure(dbs: list[Database], call: Call, calls: int, concurrency: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    queue = iter(range(calls))

    async def worker(w: int) -> None:
        for i in queue:
            start = time.perf_counter()
            await call(dbs[w % len(dbs)], i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - start
    cut = statistics.quantiles(latencies, n=100)
    return cut[49] * 1000, cut[98] * 1000, calls / elapsed


async def _reference(calls: int) -> tuple[float, float, float]:
    from bot.core.ratelimit import RateLimiter

    limiter = RateLimiter(10**9, 30)
    latencies = []
    start = time.perf_counter()
    for i in range(calls):
        t = time.perf_counter()
        await limiter.hit(f"user{i % 50}")
        latencies.append(time.perf_counter() - t)
    cut = statistics.quantiles(latencies, n=100)
    return cut[49] * 1000, cut[98] * 1000, calls / (time.perf_counter() - start)


async def _bench_url(name: str, url: str, calls: int) -> None:
    dbs = [await Database.open(url), await Database.open(url)]
    try:
        for what, call in _calls().items():
            for engines, concurrency in ((1, 1), (1, 20), (2, 20)):
                p50, p99, rate = await _measure(dbs[:engines], call, calls, concurrency)
                print(f"{name:<12} {what:<19} {engines:>4} {concurrency:>4} {p50:>9.2f} {p99:>9.2f} {rate:>9.0f}")
    finally:
        for db in dbs:
            await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per measurement (default 400)")
    args = parser.parse_args()
    print(f"{'engine':<12} {'call':<19} {'engs':>4} {'conc':>4} {'p50 ms':>9} {'p99 ms':>9} {'calls/s':>9}")
    p50, p99, rate = await _reference(args.calls)
    print(f"{'in-memory':<12} {'RateLimiter.hit':<19} {'-':>4} {1:>4} {p50:>9.3f} {p99:>9.3f} {rate:>9.0f}")
    with tempfile.TemporaryDirectory(prefix="citebot-db-bench-") as folder:
        await _bench_url("sqlite", f"sqlite+aiosqlite:///{folder}/citebot.db", args.calls)
    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL: not measured (no server programs: apt-get install postgresql)")
        return
    with postgres_server(bindir) as server:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        for driver in ("asyncpg", "psycopg"):
            await _bench_url(f"pg-{driver}", server.url(driver, "bench"), args.calls)


if __name__ == "__main__":
    asyncio.run(main())

"""Benchmark Slack's HTTP mode with two replicas behind one load balancer: each event answered once, and what it costs.

Two instances of the Slack app (each with its own engine on one database, its own port and
pipeline, the fake retriever) serve HTTP on 127.0.0.1 against the fake Slack. Every
signed event is sent to both at once, as Slack's retry reaching the other replica would
be. Reported per setup: events sent, answers given (should equal events), and the
acknowledgement latency (time to the 200) p50/p99, beside the reference where each
replica remembers events in its own memory (which answers each event twice).

Setups: SQLite (a file), PostgreSQL (a throw-away local server, asyncpg) when Debian's
``postgresql`` package is installed, and the in-memory reference.

Usage: ``.venv/bin/python bench/slack_replicas_bench.py [--events 100] [--concurrency 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg

from bot.db import Database
from tests.db.postgres import find_bindir, postgres_server
from tests.fake_slack import FakeSlack, event_body, mention_event, signed_post
from tests.slack.harness import SECRET, Bot, settings, start


@contextlib.asynccontextmanager
async def replicas(slack: FakeSlack, url: str | None) -> AsyncIterator[list[Bot]]:
    """Two replicas on the database at ``url``; None: no database (each remembers events in memory)."""
    dbs = [await Database.open(url) for _ in range(2)] if url else [None, None]
    config = settings(rate_limit_count=10**6)
    bots = [await start(slack, config, db=db) for db in dbs]
    try:
        yield bots
    finally:
        for bot, db in zip(bots, dbs, strict=True):
            await bot.close()
            if db is not None:
                await db.close()


async def run(url: str | None, events: int, concurrency: int) -> tuple[int, list[float]]:
    """Send ``events`` events to both replicas; returns the answers given and every ack's seconds."""
    with FakeSlack() as slack:
        async with replicas(slack, url) as bots:
            gate = asyncio.Semaphore(concurrency)
            acks: list[float] = []

            async def send(n: int) -> None:
                body = event_body(mention_event(f"Why did IBM quit {n}?", ts=f"{n}.0", user=f"U{n}"), event_id=f"Ev{n}")
                async with gate:
                    answers = await asyncio.gather(
                        *(asyncio.to_thread(signed_post, bot.url, body, SECRET) for bot in bots)
                    )
                acks.extend(seconds for _, _, seconds in answers)

            await asyncio.gather(*(send(n) for n in range(events)))
            for bot in bots:
                async with asyncio.timeout(60):
                    await bot.pipeline.idle()
            expected = events if url else 2 * events
            await asyncio.to_thread(slack.wait_for, "chat.postMessage", expected, 60.0)
            return len(slack.of("chat.postMessage")), acks


def _row(name: str, events: int, answers: int, acks: list[float]) -> str:
    cuts = statistics.quantiles(acks, n=100)
    return f"{name:<22} {events:>6} {answers:>7} {1000 * cuts[49]:>9.1f} {1000 * cuts[98]:>9.1f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    print("Slack HTTP mode, 2 replicas, every event sent to both (fake retriever, fake Slack)")
    print(f"{'setup':<22} {'events':>6} {'answers':>7} {'ack p50':>9} {'ack p99':>9}  (ms)")
    answers, acks = await run(None, args.events, args.concurrency)
    print(_row("in memory (reference)", args.events, answers, acks))
    with tempfile.TemporaryDirectory() as folder:
        answers, acks = await run(f"sqlite+aiosqlite:///{folder}/citebot.db", args.events, args.concurrency)
        print(_row("SQLite, one file", args.events, answers, acks))
    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL: not measured (no server programs: apt-get install postgresql)")
        return
    with postgres_server(bindir) as server:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "slackbench"')
        answers, acks = await run(server.url("asyncpg", "slackbench"), args.events, args.concurrency)
        print(_row("PostgreSQL (asyncpg)", args.events, answers, acks))


if __name__ == "__main__":
    started = time.perf_counter()
    asyncio.run(main())
    print(f"({time.perf_counter() - started:.0f} s)")

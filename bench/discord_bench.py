"""Benchmark the Discord bot through a local fake Discord: start-up, latency and throughput.

Runs the real ``python -m bot discord`` process against ``tests/fake_discord.py`` and
measures:

* start-up, on an index already built: from process start to READY (commands already
  synced), and to ``on_ready``;
* 200 questions at concurrency 1 and 20: p50/p99 latency from the gateway event to the
  reply reaching Discord, and questions per second;
* the gateway under that load: the longest gap between the client's heartbeats (Discord
  expects one every interval, here 1 s) and p99 of how long it takes to answer a heartbeat
  request (op 1, sent every 0.1 s): a blocked event loop shows here first.

Usage: ``.venv/bin/python bench/discord_bench.py [--questions 200] [--concurrency 1 20] [--fake-retriever]
[--backend onnx|sentence-transformers] [--threads N]`` (``--fake-retriever`` measures the front end
alone, without the model; ``--backend`` and ``--threads`` set EMBED_BACKEND and EMBED_THREADS.)
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.discord.harness import BotProcess, bot_env
from tests.fake_discord import ASK_ID, FakeDiscord

QUESTIONS = (
    "Why did IBM quit facial recognition?",
    "What did Arvind Krishna send to Congress?",
    "What does IBM oppose?",
    "How do I bake sourdough bread?",
    "What did IBM say about artificial intelligence and bias?",
)
HEARTBEAT_INTERVAL = 1.0  # seconds; short, so a run of a few seconds still holds several beats
PROBE_EVERY = 0.1  # seconds between heartbeat requests during a run


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Load:
    """One run's figures: reply latencies (s), wall time (s), heartbeat gaps (s), heartbeat-request delays (s)."""

    latencies: list[float]
    wall: float
    beat_gaps: list[float]
    probe_delays: list[float]


def closed_loop(
    fake: FakeDiscord,
    total: int,
    concurrency: int,
    users: itertools.count[int],
    *,
    channels: Iterator[int] | None = None,
    timeout: float = 300.0,
    between: Callable[[], None] | None = None,
) -> tuple[list[float], float, float]:
    """Send ``total`` questions keeping ``concurrency`` outstanding, to ``channels`` in turn
    (ASK_ID by default), calling ``between()`` on every pass; the reply latencies, start and end."""
    questions = itertools.cycle(QUESTIONS)
    channels = channels or itertools.repeat(ASK_ID)
    outstanding: dict[int, float] = {}
    latencies: list[float] = []
    sent = 0
    started = time.monotonic()
    deadline = started + timeout
    while (sent < total or outstanding) and time.monotonic() < deadline:
        while sent < total and len(outstanding) < concurrency:
            mid = fake.send_message(next(questions), channel_id=next(channels), user_id=next(users))
            outstanding[mid] = fake.dispatched_messages[mid]
            sent += 1
        for mid in list(outstanding):
            replies = fake.replies_to(mid)
            if replies:
                latencies.append(replies[0].at - outstanding.pop(mid))
        if between is not None:
            between()
        time.sleep(0.002)
    if outstanding:
        raise SystemExit(f"{len(outstanding)} question(s) got no reply within {timeout:.0f} s")
    return latencies, started, time.monotonic()


def run_load(fake: FakeDiscord, total: int, concurrency: int, users: itertools.count[int]) -> Load:
    """Send ``total`` questions keeping ``concurrency`` outstanding, probing the gateway every 0.1 s meanwhile."""
    probes_before = len(fake.probe_latencies)
    last_probe = time.monotonic()

    def probe() -> None:
        nonlocal last_probe
        if time.monotonic() - last_probe >= PROBE_EVERY:
            fake.probe()
            last_probe = time.monotonic()

    latencies, started, ended = closed_loop(fake, total, concurrency, users, between=probe)
    beats = [at for at in list(fake.heartbeats) if started <= at <= ended]
    return Load(
        latencies,
        ended - started,
        [b - a for a, b in itertools.pairwise(beats)],
        list(fake.probe_latencies[probes_before:]),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="questions per run (default 200)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20], help="runs to make (default 1 20)")
    parser.add_argument("--fake-retriever", action="store_true", help="no model: measure the front end alone")
    parser.add_argument("--backend", default="onnx", help="EMBED_BACKEND of the bot (default onnx)")
    parser.add_argument("--threads", type=int, default=1, help="EMBED_THREADS of the bot (default 1)")
    args = parser.parse_args()

    users = itertools.count(800000000000000000)  # one user per question: the rate limit stays out of the way
    with FakeDiscord(heartbeat_interval=HEARTBEAT_INTERVAL) as fake, tempfile.TemporaryDirectory() as folder:
        if not args.fake_retriever:  # start-up is measured on a built index, as a restart finds it
            env = bot_env(Path(folder), EMBED_BACKEND=args.backend)
            subprocess.run([sys.executable, "-m", "bot", "index"], env=env, cwd=folder, check=True, capture_output=True)
        bot = BotProcess(
            fake,
            Path(folder),
            fake_retriever=args.fake_retriever,
            RATE_LIMIT_COUNT="1000",
            EMBED_BACKEND=args.backend,
            EMBED_THREADS=str(args.threads),
            REPLY_IN_THREADS="false",  # replies, as before threads came: the latency measured is the answer's
        )
        try:
            to_ready = bot.wait_ready(timeout=300)
            to_on_ready = time.monotonic() - bot.started_at
            run_load(fake, 5, 5, users)  # warm-up
            rows = [
                (concurrency, run_load(fake, args.questions, concurrency, users)) for concurrency in args.concurrency
            ]
            refused = len(fake.rejected)
        finally:
            status = bot.stop()

    kind = "fake retriever" if args.fake_retriever else f"real index, {args.backend}, EMBED_THREADS={args.threads}"
    print(f"Discord bot benchmark ({kind}, fake Discord on 127.0.0.1)")
    print(f"  start to READY, commands synced: {to_ready:6.1f} s")
    print(f"  start to on_ready (health file): {to_on_ready:6.1f} s")
    print()
    print(
        f"  {'concurrency':>11} {'questions':>9} {'p50 ms':>8} {'p99 ms':>8} {'q/s':>7}"
        f" {'max beat gap s':>14} {'beat request p99 ms':>19}"
    )
    for concurrency, load in rows:
        p50, p99 = 1000 * statistics.median(load.latencies), 1000 * percentile(load.latencies, 99)
        gap = max(load.beat_gaps, default=float("nan"))
        probe = 1000 * percentile(load.probe_delays, 99) if load.probe_delays else float("nan")
        print(
            f"  {concurrency:>11} {len(load.latencies):>9} {p50:>8.1f} {p99:>8.1f} {len(load.latencies) / load.wall:>7.1f}"
            f" {gap:>14.2f} {probe:>19.1f}"
        )
    print(f"  (heartbeat interval {HEARTBEAT_INTERVAL:g} s: a gap much longer than that means a blocked event loop)")
    print()
    print(f"  requests refused by the fake: {refused}; exit status on SIGTERM: {status}")
    return 0 if refused == 0 and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

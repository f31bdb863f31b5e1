"""Benchmark the Discord bot through a local fake Discord: start-up, latency and throughput.

Runs the real ``python -m bot discord`` process against ``tests/fake_discord.py`` and
measures:

* start-up, on an index already built: from process start to READY (commands already
  synced), and to ``on_ready``;
* 200 questions at concurrency 1 and 20: p50/p99 latency from the gateway event to the
  reply reaching Discord, and questions per second.

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_load(fake: FakeDiscord, total: int, concurrency: int, users: itertools.count[int]) -> tuple[list[float], float]:
    """Send ``total`` questions keeping ``concurrency`` outstanding; latencies (s) and wall time (s)."""
    questions = itertools.cycle(QUESTIONS)
    outstanding: dict[int, float] = {}
    latencies: list[float] = []
    sent = 0
    started = time.monotonic()
    deadline = started + 300
    while (sent < total or outstanding) and time.monotonic() < deadline:
        while sent < total and len(outstanding) < concurrency:
            mid = fake.send_message(next(questions), channel_id=ASK_ID, user_id=next(users))
            outstanding[mid] = fake.dispatched_messages[mid]
            sent += 1
        for mid in list(outstanding):
            replies = fake.replies_to(mid)
            if replies:
                latencies.append(replies[0].at - outstanding.pop(mid))
        time.sleep(0.002)
    if outstanding:
        raise SystemExit(f"{len(outstanding)} question(s) got no reply within 300 s")
    return latencies, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="questions per run (default 200)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20], help="runs to make (default 1 20)")
    parser.add_argument("--fake-retriever", action="store_true", help="no model: measure the front end alone")
    parser.add_argument("--backend", default="onnx", help="EMBED_BACKEND of the bot (default onnx)")
    parser.add_argument("--threads", type=int, default=1, help="EMBED_THREADS of the bot (default 1)")
    args = parser.parse_args()

    users = itertools.count(800000000000000000)  # one user per question: the rate limit stays out of the way
    with FakeDiscord(heartbeat_interval=5.0) as fake, tempfile.TemporaryDirectory() as folder:
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
            rows = []
            for concurrency in args.concurrency:
                latencies, wall = run_load(fake, args.questions, concurrency, users)
                rows.append(
                    (
                        concurrency,
                        len(latencies),
                        1000 * statistics.median(latencies),
                        1000 * percentile(latencies, 99),
                        len(latencies) / wall,
                    )
                )
            refused = len(fake.rejected)
        finally:
            status = bot.stop()

    kind = "fake retriever" if args.fake_retriever else f"real index, {args.backend}, EMBED_THREADS={args.threads}"
    print(f"Discord bot benchmark ({kind}, fake Discord on 127.0.0.1)")
    print(f"  start to READY, commands synced: {to_ready:6.1f} s")
    print(f"  start to on_ready (health file): {to_on_ready:6.1f} s")
    print()
    print(f"  {'concurrency':>11} {'questions':>9} {'p50 ms':>8} {'p99 ms':>8} {'q/s':>7}")
    for concurrency, count, p50, p99, qps in rows:
        print(f"  {concurrency:>11} {count:>9} {p50:>8.1f} {p99:>8.1f} {qps:>7.1f}")
    print()
    print(f"  requests refused by the fake: {refused}; exit status on SIGTERM: {status}")
    return 0 if refused == 0 and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the Discord bot through a local fake Discord: start-up, latency and throughput.

Runs the real ``python -m bot discord`` process against ``tests/fake_discord.py`` and
measures:

* start-up, on an index already built: from process start to READY (commands already
  synced), and to ``on_ready``;
* 200 questions at concurrency 1 and 20, with answers as inline replies (REPLY_IN_THREADS=false,
  as the issue's baseline) and in a new thread each (true: a thread created per question): p50/p99
  latency from the gateway event to the answer reaching Discord, questions per second, and CPU
  per question of the bot process and, apart, of the fake Discord's thread (test harness on the
  same cores, not product);
* the gateway under that load: the longest gap between the client's heartbeats (Discord
  expects one every interval, here 1 s) and p99 of how long it takes to answer a heartbeat
  request (op 1, sent every 0.1 s): a blocked event loop shows here first.

Usage: ``.venv/bin/python bench/discord_bench.py [--questions 200] [--concurrency 1 20] [--fake-retriever]
[--backend onnx|sentence-transformers] [--threads N] [--reply-in-threads false true]`` (``--fake-retriever``
measures the front end alone, without the model; ``--backend`` and ``--threads`` set EMBED_BACKEND
and EMBED_THREADS.) Each goal of issue 12 is printed beside its figure.
"""

from __future__ import annotations

import argparse
import itertools
import os
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
# Issue 12's goals, printed beside the figures.
READY_GOAL = 2.0
GOAL_CONCURRENCY = 20
QPS_GOAL = 250.0
P99_GOAL = 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Load:
    """One run's figures: reply latencies (s), wall time (s), heartbeat gaps (s), heartbeat-request
    delays (s), and CPU seconds of the bot process and of the fake Discord's thread."""

    latencies: list[float]
    wall: float
    beat_gaps: list[float]
    probe_delays: list[float]
    bot_cpu: float = float("nan")
    fake_cpu: float = float("nan")


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """CPU seconds (user + system) a process, or one of its threads, has used; NaN where /proc is missing."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread is not None else f"/proc/{pid}/stat"
    try:
        fields = open(path, encoding="ascii").read().rsplit(")", 1)[1].split()  # noqa: SIM115, PTH123
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    read = len(fake.sent)  # what the bot sent before: each pass reads only what came since
    started = time.monotonic()
    deadline = started + timeout
    while (sent < total or outstanding) and time.monotonic() < deadline:
        while sent < total and len(outstanding) < concurrency:
            mid = fake.send_message(next(questions), channel_id=next(channels), user_id=next(users))
            outstanding[mid] = fake.dispatched_messages[mid]
            sent += 1
        with fake._lock:  # the fake appends from its own thread
            new, read = fake.sent[read:], len(fake.sent)
        for reply in new:
            # An answer replies to the question, or opens the thread started on it (the thread's id is the question's).
            mid = reply.reply_to if reply.reply_to in outstanding else reply.channel_id
            if reply.kind == "message" and mid in outstanding:
                latencies.append(reply.at - outstanding.pop(mid))
        if between is not None:
            between()
        time.sleep(0.002)
    if outstanding:
        raise SystemExit(f"{len(outstanding)} question(s) got no reply within {timeout:.0f} s")
    return latencies, started, time.monotonic()


def run_load(
    fake: FakeDiscord, total: int, concurrency: int, users: itertools.count[int], bot_pid: int | None = None
) -> Load:
    """Send ``total`` questions keeping ``concurrency`` outstanding, probing the gateway every 0.1 s
    meanwhile; with ``bot_pid``, the CPU the bot process and the fake Discord's thread spent."""
    probes_before = len(fake.probe_latencies)
    fake_thread = fake._thread.native_id
    bot_before = cpu_seconds(bot_pid) if bot_pid else float("nan")
    fake_before = cpu_seconds(os.getpid(), fake_thread)
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
        (cpu_seconds(bot_pid) if bot_pid else float("nan")) - bot_before,
        cpu_seconds(os.getpid(), fake_thread) - fake_before,
    )


def run_bot(
    fake: FakeDiscord, folder: Path, args: argparse.Namespace, users: itertools.count[int], threads: str, code: Path
):
    """Start the bot of checkout ``code`` with REPLY_IN_THREADS=``threads``, time its start, load it
    at each concurrency, stop it."""
    bot = BotProcess(
        fake,
        folder,
        fake_retriever=args.fake_retriever,
        RATE_LIMIT_COUNT="1000",
        EMBED_BACKEND=args.backend,
        EMBED_THREADS=str(args.threads),
        REPLY_IN_THREADS=threads,
        PYTHONPATH=str(code),
    )
    try:
        to_ready = bot.wait_ready(timeout=300)
        to_on_ready = time.monotonic() - bot.started_at
        run_load(fake, 5, 5, users)  # warm-up
        pid = bot.process.pid
        rows = [(c, run_load(fake, args.questions, c, users, pid)) for c in args.concurrency]
    finally:
        status = bot.stop()
    return to_ready, to_on_ready, rows, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="questions per run (default 200)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20], help="runs to make (default 1 20)")
    parser.add_argument("--fake-retriever", action="store_true", help="no model: measure the front end alone")
    parser.add_argument("--backend", default="onnx", help="EMBED_BACKEND of the bot (default onnx)")
    parser.add_argument("--threads", type=int, default=1, help="EMBED_THREADS of the bot (default 1)")
    parser.add_argument(
        "--reply-in-threads",
        nargs="+",
        default=["false", "true"],
        choices=["false", "true"],
        help="REPLY_IN_THREADS of each bot started (default: false, inline replies as the issue's baseline; then true)",
    )
    parser.add_argument("--before", type=Path, help="another checkout of citebot whose bot runs beside this one's")
    args = parser.parse_args()
    trees = {"before": args.before.resolve()} if args.before else {}
    trees["this checkout"] = REPO

    users = itertools.count(800000000000000000)  # one user per question: the rate limit stays out of the way
    load_before = os.getloadavg()[0]
    runs = {}
    refused = 0
    for label, code in trees.items():  # each checkout against a fake Discord of its own, as in a run of its own
        with FakeDiscord(heartbeat_interval=HEARTBEAT_INTERVAL) as fake, tempfile.TemporaryDirectory() as folder:
            if not args.fake_retriever:  # start-up is measured on a built index, as a restart finds it
                env = bot_env(Path(folder), EMBED_BACKEND=args.backend)
                subprocess.run(
                    [sys.executable, "-m", "bot", "index"], env=env, cwd=folder, check=True, capture_output=True
                )
            for mode in args.reply_in_threads:
                runs[label, mode] = run_bot(fake, Path(folder), args, users, mode, code)
            refused += len(fake.rejected)

    kind = "fake retriever" if args.fake_retriever else f"real index, {args.backend}, EMBED_THREADS={args.threads}"
    print(
        f"Discord bot benchmark ({kind}, fake Discord on 127.0.0.1; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after)"
    )
    for (label, mode), (to_ready, to_on_ready, _, _) in runs.items():
        print(
            f"  {label}, REPLY_IN_THREADS={mode}: start to READY, commands synced {to_ready:.1f} s "
            f"(goal <= {READY_GOAL:g} s); to on_ready (health file) {to_on_ready:.1f} s"
        )
    print()
    print(
        f"  {'code':>13} {'threads':>7} {'concurrency':>11} {'questions':>9} {'p50 ms':>8} {'p99 ms':>8} {'q/s':>7}"
        f" {'bot CPU ms/q':>12} {'fake CPU ms/q':>13} {'max beat gap s':>14} {'beat request p99 ms':>19}"
    )
    for (label, mode), (_, _, rows, _) in runs.items():
        for concurrency, load in rows:
            done = len(load.latencies)
            p50, p99 = 1000 * statistics.median(load.latencies), 1000 * percentile(load.latencies, 99)
            gap = max(load.beat_gaps, default=float("nan"))
            probe = 1000 * percentile(load.probe_delays, 99) if load.probe_delays else float("nan")
            print(
                f"  {label:>13} {mode:>7} {concurrency:>11} {done:>9} {p50:>8.1f} {p99:>8.1f} {done / load.wall:>7.1f}"
                f" {1000 * load.bot_cpu / done:>12.2f} {1000 * load.fake_cpu / done:>13.2f} {gap:>14.2f} {probe:>19.1f}"
            )
    print(f"  (heartbeat interval {HEARTBEAT_INTERVAL:g} s: a gap much longer than that means a blocked event loop)")
    print(
        f"  goal at concurrency {GOAL_CONCURRENCY} (issue 12, quiet machine, inline replies): >= {QPS_GOAL:g} q/s "
        f"with p99 <= {P99_GOAL:g} ms"
    )
    print()
    statuses = [status for _, _, _, status in runs.values()]
    print(f"  requests refused by the fake: {refused}; exit status on SIGTERM: {', '.join(map(str, statuses))}")
    return 0 if refused == 0 and not any(statuses) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the Discord bot through a local fake Discord: start-up, latency and throughput.

Runs the real ``python -m bot discord`` process against ``tests/fake_discord.py`` and
measures:

* start-up, on an index already built: from process start to READY (commands already
  synced), and to ``on_ready``;
* 200 questions at concurrency 1 and 20, with answers as inline replies (REPLY_IN_THREADS=false,
  as the issue's baseline) and in a new thread each (true: a thread created per question): p50/p99
  latency from the gateway event to the answer reaching Discord, questions per second, and CPU
  per question of the bot process (and of its main thread, the event loop's) and, apart, of the
  fake Discord's thread (test harness on the same cores, not product);
* the gateway under that load: the longest gap between the client's heartbeats (Discord
  expects one every interval, here 1 s) and p99 of how long it takes to answer a heartbeat
  request (op 1, sent every 0.1 s): a blocked event loop shows here first.

Usage: ``.venv/bin/python bench/discord_bench.py [--questions 200] [--concurrency 1 20] [--fake-retriever]
[--backend onnx|sentence-transformers] [--threads N] [--reply-in-threads false true] [--loop asyncio uvloop]
[--fake-loop asyncio|uvloop] [--runs N]`` (``--fake-retriever`` measures the front end alone, without the
model; ``--backend``, ``--threads`` and ``--loop`` set EMBED_BACKEND, EMBED_THREADS and EVENT_LOOP, one bot
per loop, interleaved over ``--runs`` rounds.) Each goal of issue 12 is printed beside its figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
# Seconds between heartbeat requests during a run. discord.py answers one through its gateway rate
# limiter (110 commands a minute; its own heartbeats go around it), and while that waits its
# socket reads nothing: at 10 a second a run longer than 11 s (the torch reference's) stalled every
# question for a minute. 0.6 s keeps the probes under 100 a minute.
PROBE_EVERY = 0.6
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
    delays (s), and CPU seconds of the bot process, of its event loop's thread and of the fake Discord's thread."""

    latencies: list[float]
    wall: float
    beat_gaps: list[float]
    probe_delays: list[float]
    bot_cpu: float = float("nan")
    fake_cpu: float = float("nan")
    loop_cpu: float = float("nan")


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
    meanwhile; with ``bot_pid``, the CPU the bot process, its main thread (the event loop's) and the
    fake Discord's thread spent."""
    probes_before = len(fake.probe_latencies)
    fake_thread = fake._thread.native_id
    nan = float("nan")
    bot_before, loop_before = (cpu_seconds(bot_pid), cpu_seconds(bot_pid, bot_pid)) if bot_pid else (nan, nan)
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
        (cpu_seconds(bot_pid) if bot_pid else nan) - bot_before,
        cpu_seconds(os.getpid(), fake_thread) - fake_before,
        (cpu_seconds(bot_pid, bot_pid) if bot_pid else nan) - loop_before,
    )


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; NaN where /proc is missing."""
    try:
        status = open(f"/proc/{pid}/status", encoding="ascii").read()  # noqa: SIM115, PTH123
    except OSError:
        return float("nan")
    return next(
        (int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), float("nan")
    )


def run_bot(
    fake: FakeDiscord,
    folder: Path,
    args: argparse.Namespace,
    users,
    threads: str,
    code: Path,
    loop: str,
    extra: dict[str, str] | None = None,
):
    """Start the bot of checkout ``code`` with REPLY_IN_THREADS=``threads`` on event loop ``loop`` (and
    the settings ``extra``), time its start, load it at each concurrency, read its peak RSS, stop it."""
    settings = {"RATE_LIMIT_COUNT": "1000", "EMBED_BACKEND": args.backend, "EMBED_THREADS": str(args.threads)}
    settings |= {"REPLY_IN_THREADS": threads, "EVENT_LOOP": loop, "PYTHONPATH": str(code), **(extra or {})}
    bot = BotProcess(fake, folder, fake_retriever=args.fake_retriever, main=args.main, **settings)
    hook = args.between_runs or (lambda pid: None)
    try:
        to_ready = bot.wait_ready(timeout=300)
        to_on_ready = time.monotonic() - bot.started_at
        run_load(fake, 5, 5, users)  # warm-up
        pid = bot.process.pid
        hook(pid)
        rows = [(c, run_load(fake, args.questions, c, users, pid)) for c in args.concurrency]
        hook(pid)
        peak = peak_rss_mb(pid)
    except SystemExit:  # a question went unanswered: what the bot said is the first thing to read
        print(f"  the bot's log ({loop}, REPLY_IN_THREADS={threads}), last lines:", file=sys.stderr)
        print("\n".join(bot.log().splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        status = bot.stop()
    return to_ready, to_on_ready, rows, status, peak


def build_parser() -> argparse.ArgumentParser:
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
    parser.add_argument(
        "--loop",
        nargs="+",
        default=["asyncio", "uvloop"],
        choices=["asyncio", "uvloop"],
        help="EVENT_LOOP of each bot started, one bot each, in the same run (default: asyncio, then uvloop)",
    )
    parser.add_argument(
        "--fake-loop",
        default="asyncio",
        choices=["asyncio", "uvloop"],
        help="the fake Discord's loop (default asyncio)",
    )
    parser.add_argument("--runs", type=int, default=1, help="rounds over every bot, interleaved (default 1)")
    parser.add_argument("--before", type=Path, help="another checkout of citebot whose bot runs beside this one's")
    parser.add_argument(
        "--before-lone", action="store_true", help="--before with EMBED_LONE_THREADS=cores too (its lone session)"
    )
    # Set by bench/discord_profile.py: the module the bot runs (None: python -m bot discord, or the fake
    # retriever's), and what is called with the bot's pid before and after its loads.
    parser.set_defaults(main=None, between_runs=None)
    return parser


def measure(args: argparse.Namespace) -> tuple[dict, int, float]:
    """Start each bot (checkout x loop x REPLY_IN_THREADS, ``args.runs`` times, interleaved) and load it;
    the figures by (checkout, loop, mode, round), the requests the fakes refused, the load average before."""
    trees: dict[str, tuple[Path, dict[str, str]]] = {"before": (args.before.resolve(), {})} if args.before else {}
    if args.before and args.before_lone:
        lone = str(os.cpu_count() or 1)
        trees[f"before, lone {lone}"] = (args.before.resolve(), {"EMBED_LONE_THREADS": lone})
    trees["this checkout"] = (REPO, {})
    if args.fake_loop == "uvloop":  # the fake makes its loop with asyncio.new_event_loop(), which asks the policy
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    users = itertools.count(800000000000000000)  # one user per question: the rate limit stays out of the way
    load_before = os.getloadavg()[0]
    runs: dict[tuple[str, str, str, int], tuple] = {}
    with contextlib.ExitStack() as stack:
        places: dict[str, tuple[FakeDiscord, Path]] = {}
        for label in trees:  # each checkout against a fake Discord of its own, as in a run of its own
            fake = stack.enter_context(FakeDiscord(heartbeat_interval=HEARTBEAT_INTERVAL))
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            if not args.fake_retriever:  # start-up is measured on a built index, as a restart finds it
                env = bot_env(folder, EMBED_BACKEND=args.backend)
                subprocess.run(
                    [sys.executable, "-m", "bot", "index"], env=env, cwd=folder, check=True, capture_output=True
                )
            places[label] = fake, folder
        # Checkouts interleaved round by round, so that each sees the same load.
        for round_, mode, loop in itertools.product(range(args.runs), args.reply_in_threads, args.loop):
            for label, (code, extra) in trees.items():
                fake, folder = places[label]
                runs[label, loop, mode, round_] = run_bot(fake, folder, args, users, mode, code, loop, extra)
        refused = sum(len(fake.rejected) for fake, _ in places.values())
    return runs, refused, load_before


def report(args: argparse.Namespace, runs: dict, refused: int, load_before: float) -> int:
    kind = "fake retriever" if args.fake_retriever else f"real index, {args.backend}, EMBED_THREADS={args.threads}"
    print(
        f"Discord bot benchmark ({kind}, fake Discord on 127.0.0.1 on {args.fake_loop}; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    for (label, loop, mode, round_), (to_ready, to_on_ready, _, _, peak) in runs.items():
        print(
            f"  {label}, {loop}, REPLY_IN_THREADS={mode}, round {round_ + 1}: start to READY, commands synced "
            f"{to_ready:.1f} s (goal <= {READY_GOAL:g} s); to on_ready (health file) {to_on_ready:.1f} s; "
            f"peak RSS {peak:.0f} MB"
        )
    print()
    print(
        f"  {'code':>15} {'loop':>7} {'threads':>7} {'concurrency':>11} {'questions':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'q/s':>7} {'bot CPU ms/q':>12} {'of it, loop':>11} {'fake CPU ms/q':>13} {'max beat gap s':>14}"
        f" {'beat request p99 ms':>19}"
    )
    for (label, loop, mode, _), (_, _, rows, _, _) in runs.items():
        for concurrency, load in rows:
            done = len(load.latencies)
            p50, p99 = 1000 * statistics.median(load.latencies), 1000 * percentile(load.latencies, 99)
            gap = max(load.beat_gaps, default=float("nan"))
            probe = 1000 * percentile(load.probe_delays, 99) if load.probe_delays else float("nan")
            print(
                f"  {label:>15} {loop:>7} {mode:>7} {concurrency:>11} {done:>9} {p50:>8.1f} {p99:>8.1f}"
                f" {done / load.wall:>7.1f} {1000 * load.bot_cpu / done:>12.2f} {1000 * load.loop_cpu / done:>11.2f}"
                f" {1000 * load.fake_cpu / done:>13.2f} {gap:>14.2f} {probe:>19.1f}"
            )
    print(f"  (heartbeat interval {HEARTBEAT_INTERVAL:g} s: a gap much longer than that means a blocked event loop)")
    print(
        f"  goal at concurrency {GOAL_CONCURRENCY} (issue 12, quiet machine, inline replies): >= {QPS_GOAL:g} q/s "
        f"with p99 <= {P99_GOAL:g} ms"
    )
    print()
    statuses = [status for _, _, _, status, _ in runs.values()]
    print(f"  requests refused by the fake: {refused}; exit status on SIGTERM: {', '.join(map(str, statuses))}")
    return 0 if refused == 0 and not any(statuses) else 1


def main() -> int:
    args = build_parser().parse_args()
    return report(args, *measure(args))


if __name__ == "__main__":
    sys.exit(main())

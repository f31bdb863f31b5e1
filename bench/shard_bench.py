"""Benchmark Discord sharding: 1 process running both shards vs 2 processes running one each, side by side.

The real ``python -m bot discord`` runs against ``tests/fake_discord.py`` recommending 2
shards, with 8 guilds (4 on each shard), over one PostgreSQL (a throw-away local server:
Debian's ``postgresql`` package), as a sharded deployment runs. For each setup the same
load: ``--questions`` questions kept ``--concurrency`` outstanding (20 askers), spread
round-robin over the guilds' ask channels, one user per question (the rate limit stays out
of the way). Reported: questions/s, and p50/p95/p99 latency from the gateway event to the
reply reaching Discord. The 1-process and 2-process runs alternate (``--rounds``), so drift
in the machine's load falls on both.

Usage: ``.venv/bin/python bench/shard_bench.py [--questions 200] [--concurrency 20] [--rounds 2]
[--fake-retriever [--delay 0.05]]`` (``--fake-retriever`` measures the front end alone, each
batch of questions taking ``--delay`` seconds of sleep instead of the model's CPU).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg

from bench.discord_bench import closed_loop, percentile
from tests.db.postgres import find_bindir, postgres_server
from tests.discord.harness import BotProcess, bot_env
from tests.fake_discord import FakeDiscord

SHARDS = 2
GUILDS = 8
SETUPS = {"1 process, shards 0-1": ["0,1"], "2 processes, 1 shard each": ["0", "1"]}


@dataclass
class Figures:
    """Every run's reply latencies (s) and wall time (s) for one setup."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    answered: int = 0


def start(fake: FakeDiscord, folder: Path, ids: str, env: dict[str, str], fake_retriever: bool) -> BotProcess:
    folder.mkdir(parents=True)
    process = BotProcess(fake, folder, fake_retriever=fake_retriever, SHARD_IDS=ids, **env)
    wanted = {int(i) for i in ids.split(",")}
    process.wait_for_shards(wanted, 300)
    if process.process.poll() is not None:
        raise SystemExit(f"a bot process exited:\n{process.log()}")
    return process


def load(fake: FakeDiscord, total: int, concurrency: int, users: itertools.count[int]) -> tuple[list[float], float]:
    """Send ``total`` questions keeping ``concurrency`` outstanding, across the guilds; their latencies and the wall time."""
    channels = itertools.cycle([g.ask_id for g in fake.guilds.values()])
    latencies, started, ended = closed_loop(fake, total, concurrency, users, channels=channels, timeout=600)
    return latencies, ended - started


def run_setup(
    name: str, args: argparse.Namespace, env: dict[str, str], root: Path, users: itertools.count[int]
) -> Figures:
    """Start the setup's processes on a fresh fake Discord, warm up, load, stop; the figures."""
    figures = Figures()
    with FakeDiscord(shards=SHARDS) as fake:
        for _ in range(GUILDS - 1):
            fake.add_guild()
        env = {**env, "ASK_CHANNELS": ",".join(str(g.ask_id) for g in fake.guilds.values())}
        folder = Path(tempfile.mkdtemp(dir=root))
        processes = [start(fake, folder / f"p{n}", ids, env, args.fake_retriever) for n, ids in enumerate(SETUPS[name])]
        try:
            load(fake, 2 * args.concurrency, args.concurrency, users)  # warm-up: first batches, connections
            latencies, wall = load(fake, args.questions, args.concurrency, users)
        finally:
            for process in processes:
                process.stop()
        figures.latencies, figures.wall, figures.answered = latencies, wall, len(latencies)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="questions per run (default 200)")
    parser.add_argument("--concurrency", type=int, default=20, help="questions outstanding (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each setup, alternating (default 2)")
    parser.add_argument("--fake-retriever", action="store_true", help="no model: the front end alone")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per batch with --fake-retriever")
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        print("Discord sharding benchmark: not measured (no PostgreSQL server programs: apt-get install postgresql)")
        return 0
    users = itertools.count(830000000000000000)
    results: dict[str, list[Figures]] = {name: [] for name in SETUPS}
    with postgres_server(bindir) as server, tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        base = bot_env(root, RATE_LIMIT_COUNT="100000", REPLY_IN_THREADS="false", LOG_LEVEL="WARNING")
        if not args.fake_retriever:  # one index, built once, read by every process
            subprocess.run([sys.executable, "-m", "bot", "index"], env=base, cwd=root, check=True, capture_output=True)
        for round_ in range(args.rounds):
            for number, name in enumerate(SETUPS):
                database = f"shardbench_{round_}_{number}"
                with psycopg.connect(server.dsn(), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{database}"')
                env = {
                    **{k: base[k] for k in ("SEEDS_DIR", "INDEX_DIR", "RATE_LIMIT_COUNT", "REPLY_IN_THREADS")},
                    "SHARD_COUNT": str(SHARDS),
                    "DATABASE_URL": server.url("asyncpg", database),
                    "FAKE_RETRIEVER_DELAY": str(args.delay),
                    "LOG_LEVEL": "WARNING",
                }
                results[name].append(run_setup(name, args, env, root, users))
    report(args, results)
    return 0


def report(args: argparse.Namespace, results: dict[str, list[Figures]]) -> None:
    kind = f"fake retriever, {args.delay:g} s a batch" if args.fake_retriever else "real index, ONNX, EMBED_THREADS=1"
    print(f"Discord sharding: 1 vs 2 processes ({kind}; fake Discord, {SHARDS} shards, {GUILDS} guilds, PostgreSQL)")
    print(f"  {os.cpu_count()} CPU(s); load average at the end {os.getloadavg()[0]:.1f}")
    print(f"  {'setup':<27} {'run':>3} {'questions':>9} {'q/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, runs in results.items():
        for n, figures in enumerate(runs, 1):
            lat = figures.latencies
            print(
                f"  {name:<27} {n:>3} {figures.answered:>9} {figures.answered / figures.wall:>7.1f}"
                f" {1000 * statistics.median(lat):>8.0f} {1000 * percentile(lat, 95):>8.0f}"
                f" {1000 * percentile(lat, 99):>8.0f}"
            )
    print(
        f"  ({args.questions} questions a run at concurrency {args.concurrency}, after a warm-up of {2 * args.concurrency})"
    )


if __name__ == "__main__":
    sys.exit(main())

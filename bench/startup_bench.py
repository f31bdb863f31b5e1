"""What a process start costs, this checkout beside another: `ask` to its first answer, and the
Discord and Slack bots to READY, each in wall and CPU seconds.

About 90 ``python -m bot`` processes start in a `make test` run, and every user pays a start:
its CPU is the figure to read on a busy machine (the wall clock is mostly waiting for a core).
The runs alternate between the checkouts (A, B, A, B, ...), so that both see the same load;
the load average is printed beside the figures.

* ``ask``: ``python -m bot ask --json -`` on the article's index, process start to the first
  answer (as bench/first_answer.py times it).
* ``discord``: ``python -m bot discord`` against the fake Discord (tests/fake_discord.py),
  process start to READY with commands synced and the health file written; a new database
  each start (a first start: the migrations run).
* ``slack``: ``python -m bot slack`` in HTTP mode against the fake Slack (tests/fake_slack.py),
  process start to its port accepting connections (the index is loaded before it listens); the
  database of the previous start (a restart: the schema is already current).

CPU is user + system time of the process by then (/proc), read as soon as it is ready.

Usage: ``.venv/bin/python bench/startup_bench.py [--before DIR] [--runs 5] [--only ask discord slack]``
(``DIR``: another checkout of citebot, e.g. ``git worktree add /tmp/main main``; both run on this
environment's Python and its ONNX export. Without it, this checkout alone.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.first_answer import cpu_seconds, start_and_answer
from tests.discord.harness import BotProcess
from tests.fake_discord import FakeDiscord
from tests.fake_slack import BOT_TOKEN, FakeSlack

ARTICLE = REPO / "seeds" / "000_a7265f2ac828b9b1.txt"
Sample = tuple[float, float]  # wall, CPU seconds


def base_env(code: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "EMBED_", "MODEL_PATH"))}
    # Compiled modules cached, as `make test` runs them.
    return env | {
        "PYTHONPATH": str(code),
        "PYTHONDONTWRITEBYTECODE": "",
        "SEEDS_DIR": str(home / "seeds"),
        "INDEX_DIR": str(home / "index"),
        "HEALTH_FILE": str(home / "health"),
    }


def ask(code: Path, home: Path) -> Sample:
    # In the checkout's folder: ``python -m`` looks in the working folder before PYTHONPATH.
    started = start_and_answer(base_env(code, home), [], cwd=code)
    return started.wall, started.cpu


def discord(code: Path, home: Path) -> Sample:
    with FakeDiscord(heartbeat_interval=5.0) as fake, tempfile.TemporaryDirectory() as folder:
        bot = BotProcess(
            fake, Path(folder), PYTHONPATH=str(code), PYTHONDONTWRITEBYTECODE="", INDEX_DIR=str(home / "index")
        )
        try:
            wall = bot.wait_ready(timeout=120)
            cpu = cpu_seconds(bot.process.pid)
        finally:
            bot.stop()
    return wall, cpu


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slack(code: Path, home: Path) -> Sample:
    port = _free_port()
    with FakeSlack() as fake:
        env = base_env(code, home) | {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "startup-bench-secret",
            "SLACK_API_BASE": fake.api_base,
            "SLACK_PORT": str(port),
        }
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "slack"],
            cwd=home,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while process.poll() is None:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.02)
            else:
                raise RuntimeError(f"python -m bot slack exited with {process.returncode}")
            return time.perf_counter() - started, cpu_seconds(process.pid)
        finally:
            process.terminate()
            process.wait(20)


STARTS: dict[str, Callable[[Path, Path], Sample]] = {"ask": ask, "discord": discord, "slack": slack}


def summary(samples: list[Sample]) -> str:
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    return (
        f"wall {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}), "
        f"CPU {statistics.median(cpus):.2f} s ({min(cpus):.2f}-{max(cpus):.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout of citebot to compare with")
    parser.add_argument("--runs", type=int, default=5, help="starts of each kind per checkout (default 5)")
    parser.add_argument("--only", nargs="+", choices=sorted(STARTS), default=sorted(STARTS), help="which starts")
    args = parser.parse_args()
    trees = {"before": args.before.resolve()} if args.before else {}
    trees["this checkout"] = REPO
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        (home / "seeds").mkdir()
        shutil.copy(ARTICLE, home / "seeds" / ARTICLE.name)
        subprocess.run(
            [sys.executable, "-m", "bot", "index"], cwd=home, env=base_env(REPO, home), check=True, capture_output=True
        )
        load = os.getloadavg()[0]
        results: dict[tuple[str, str], list[Sample]] = {}
        for kind in args.only:
            for code in trees.values():  # warm-up: compiled-module caches, the page cache
                STARTS[kind](code, home)
            for _ in range(args.runs):
                for label, code in trees.items():
                    results.setdefault((kind, label), []).append(STARTS[kind](code, home))
        print(
            f"Process starts, {args.runs} a kind a checkout, interleaved; load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
        )
        for (kind, label), samples in results.items():
            print(f"  {kind:8} {label:14} {summary(samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

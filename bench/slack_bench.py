"""Benchmark the Slack bot in HTTP mode through a local fake Slack: acknowledgement and answer times.

Runs the real ``python -m bot slack`` process against ``tests/fake_slack.py`` and sends
``/ask`` commands, signed as Slack signs them, keeping a number outstanding. It measures:

* the acknowledgement: how long the HTTP response to the command takes. Slack gives up
  after 3 s (the user sees an error), so p99 and the count over 3 s are what matter;
* the answer: from sending the command to the answer reaching its ``response_url``.

Usage: ``.venv/bin/python bench/slack_bench.py [--questions 200] [--concurrency 1 20] [--fake-retriever]``
(``--fake-retriever`` measures the front end alone, without the model.)
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.discord_bench import QUESTIONS, percentile
from tests.discord.harness import copy_seeds
from tests.fake_slack import ACK_DEADLINE, BOT_TOKEN, FORM, FakeSlack, command_body, signed_post

SECRET = "bench-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(slack: FakeSlack, folder: Path, port: int, *, fake_retriever: bool) -> subprocess.Popen[bytes]:
    """The bot process in HTTP mode on ``port``, its log in ``folder/bot.log``; returns once it listens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RATE_LIMIT"))}
    env |= {
        "PYTHONPATH": str(REPO),
        "SEEDS_DIR": str(copy_seeds(folder)),
        "INDEX_DIR": str(folder / "index"),
        "HEALTH_FILE": str(folder / "health"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE": slack.api_base,
        "SLACK_PORT": str(port),
        "RATE_LIMIT_COUNT": "100000",
    }
    module = "tests.slack.fake_retriever_main" if fake_retriever else "bot"
    args = [sys.executable, "-m", module] + ([] if fake_retriever else ["slack"])
    with (folder / "bot.log").open("wb") as log:
        process = subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the bot exited with {process.returncode}: see {folder / 'bot.log'}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the bot did not listen within 300 s")


def ask(url: str, slack: FakeSlack, key: str, question: str) -> tuple[float, float]:
    """Send one /ask; (acknowledgement seconds, answer seconds)."""
    started = time.monotonic()
    body = command_body("/ask", question, slack.response_url(key), user=f"U{key}")
    status, _, acked = signed_post(url, body, SECRET, content_type=FORM, timeout=60)
    if status != 200:
        raise SystemExit(f"/ask was answered with HTTP {status}")
    [reply] = slack.wait_for("respond", key=key, timeout=120)
    return acked, reply.at - started


def run_load(
    url: str, slack: FakeSlack, total: int, concurrency: int, keys: itertools.count[int]
) -> list[tuple[float, float]]:
    questions = itertools.cycle(QUESTIONS)
    jobs = [(f"b{next(keys)}", next(questions)) for _ in range(total)]
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda job: ask(url, slack, *job), jobs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="questions per run (default 200)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20], help="runs to make (default 1 20)")
    parser.add_argument("--fake-retriever", action="store_true", help="no model: measure the front end alone")
    args = parser.parse_args()

    keys = itertools.count()
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as folder:
        process = start(slack, Path(folder), port, fake_retriever=args.fake_retriever)
        try:
            run_load(url, slack, 5, 5, keys)  # warm-up
            rows = [(c, run_load(url, slack, args.questions, c, keys)) for c in args.concurrency]
        finally:
            process.send_signal(signal.SIGTERM)
            status = process.wait(30)

    kind = "fake retriever" if args.fake_retriever else "real index"
    print(f"Slack bot benchmark ({kind}, HTTP mode, fake Slack on 127.0.0.1)")
    print(
        f"  {'concurrency':>11} {'questions':>9} {'ack p50 ms':>10} {'ack p99 ms':>10} {'acks > 3 s':>10}"
        f" {'answer p50 ms':>13} {'answer p99 ms':>13}"
    )
    for concurrency, timings in rows:
        acks = [a for a, _ in timings]
        answers = [b for _, b in timings]
        late = sum(a > ACK_DEADLINE for a in acks)
        print(
            f"  {concurrency:>11} {len(timings):>9} {1000 * statistics.median(acks):>10.1f}"
            f" {1000 * percentile(acks, 99):>10.1f} {late:>10} {1000 * statistics.median(answers):>13.1f}"
            f" {1000 * percentile(answers, 99):>13.1f}"
        )
    print(f"\n  exit status on SIGTERM: {status}")
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

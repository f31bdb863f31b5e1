"""Hot reload under load: questions at a steady rate through the fake Discord while `bot add` runs.

The real ``python -m bot discord`` process (the real discord.py client) answers from the IBM
article's index, connected to ``tests/fake_discord.py``. Questions arrive at ``--rate`` a second,
each from its own user (the rate limit stays out of the way). After a few seconds a second
process runs ``python -m bot add`` with a SQuAD article; the bot, still answering, sees the new
index and swaps it in (bot/core/reload.py). Questions go on for a few seconds after the swap,
then one asks about the added article.

Reported: questions asked, answered (exactly the replies a question gets with no reload going
on), failed (no reply, or the apology an error gets), duplicated (more replies than that), the
seconds from the add's end to the swap, p50/p99 reply latency before, during and after the add,
and whether the question about the new article was answered from it. Goal: 0 failed, 0 duplicated.

    nice .venv/bin/python bench/hot_reload.py [--rate 4]
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

from bot.core.wording import APOLOGY
from tests.discord.harness import BotProcess, bot_env
from tests.fake_discord import ASK_ID, FakeDiscord

QUESTIONS = (
    "Why did IBM quit facial recognition?",
    "What did Arvind Krishna send to Congress?",
    "What does IBM oppose?",
    "What did IBM say about artificial intelligence and bias?",
)
ADDED = REPO / "eval" / "squad" / "seeds" / "Super_Bowl_50.txt"
ABOUT_ADDED = "Which team won Super Bowl 50?"
SWAPPED = "Answering from the new index"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def text_of(fake: FakeDiscord, mid: int) -> str:
    return " ".join(s.content + " ".join(str(e) for e in s.embeds) for s in fake.replies_to(mid))


def ask_steadily(
    fake: FakeDiscord, rate: float, until: callable, users: itertools.count[int]
) -> list[tuple[int, float]]:  # type: ignore[valid-type]
    """Send a question every 1/rate s until ``until()`` is true; the (message id, time sent) of each."""
    sent: list[tuple[int, float]] = []
    questions = itertools.cycle(QUESTIONS)
    next_at = time.monotonic()
    while not until():
        now = time.monotonic()
        if now >= next_at:
            mid = fake.send_message(next(questions), channel_id=ASK_ID, user_id=next(users))
            sent.append((mid, fake.dispatched_messages[mid]))
            next_at += 1 / rate
        time.sleep(0.005)
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=4.0, help="questions a second (default 4)")
    parser.add_argument("--before", type=float, default=5.0, help="seconds of questions before the add")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of questions after the swap")
    args = parser.parse_args()
    users = itertools.count(900000000000000000)
    with FakeDiscord() as fake, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = bot_env(folder)
        subprocess.run([sys.executable, "-m", "bot", "index"], env=env, cwd=folder, check=True, capture_output=True)
        # Inline replies: each answer is a reply to its question (in threads it would open one a question).
        bot = BotProcess(fake, folder, RATE_LIMIT_COUNT="100000", REPLY_IN_THREADS="false")
        try:
            bot.wait_ready(timeout=300)
            baseline = ask_steadily(fake, args.rate, _after(args.before), users)
            adding = subprocess.Popen(
                [sys.executable, "-m", "bot", "add", str(ADDED)],
                env=env,
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            added_at = [0.0]
            during = ask_steadily(fake, args.rate, lambda: _finished(adding, added_at), users)
            swap_wait = time.monotonic()
            while SWAPPED not in bot.log() and time.monotonic() - swap_wait < 60:
                during += ask_steadily(fake, args.rate, _after(0.25), users)
            swapped_after = time.monotonic() - added_at[0]
            after = ask_steadily(fake, args.rate, _after(args.after), users)
            about = fake.send_message(ABOUT_ADDED, channel_id=ASK_ID, user_id=next(users))
            _wait_for_replies(fake, [*baseline, *during, *after, (about, 0.0)], timeout=120)
        finally:
            status = bot.stop()
    return _report(fake, baseline, during, after, about, adding, swapped_after, status, args.rate)


def _after(seconds: float):  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    return lambda: time.monotonic() >= end


def _finished(process: subprocess.Popen[str], at: list[float]) -> bool:
    if process.poll() is None:
        return False
    at[0] = at[0] or time.monotonic()
    return True


def _wait_for_replies(fake: FakeDiscord, sent: list[tuple[int, float]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(fake.replies_to(mid) for mid, _ in sent):
        time.sleep(0.05)
    time.sleep(1.0)  # a duplicate reply would come right after the first: give it the time to show


def _report(fake, baseline, during, after, about, adding, swapped_after, status, rate) -> int:  # type: ignore[no-untyped-def]
    usual = statistics.mode(len(fake.replies_to(mid)) for mid, _ in baseline)
    everything = [*baseline, *during, *after]
    answered = failed = duplicated = 0
    for mid, _ in everything:
        replies = fake.replies_to(mid)
        if not replies or any(APOLOGY in r.content for r in replies):
            failed += 1
        elif len(replies) > usual:
            duplicated += 1
        else:
            answered += 1
    print("\n## Hot reload under load (bench/hot_reload.py)\n")
    print(
        f"The Discord bot (real discord.py client, fake Discord on 127.0.0.1) answering {rate:g} questions a second "
        f"while `python -m bot add {ADDED.name}` ran in another process (exit status {adding.returncode}).\n"
    )
    print(
        f"- questions: {len(everything)}; answered {answered}, failed {failed}, duplicated {duplicated} (goal: 0 and 0)"
    )
    print(f"- the new index was answering {swapped_after:.1f} s after `add` ended")
    stale = sum("sources changed since" in text_of(fake, mid) for mid, _ in everything)
    print(f"- answers telling the asker to rebuild the index meanwhile: {stale}")
    print(
        f"- \u201c{ABOUT_ADDED}\u201d afterwards cites the added article: "
        f"{'yes' if 'Super Bowl 50' in text_of(fake, about) else 'NO'}"
    )
    print("- reply latency p50 / p99, ms:")
    for name, part in (("before the add", baseline), ("during the add", during), ("after the swap", after)):
        lat = [fake.replies_to(mid)[0].at - at for mid, at in part if fake.replies_to(mid)]
        print(
            f"  - {name}: {1000 * statistics.median(lat or [float('nan')]):.0f} / {1000 * percentile(lat, 99):.0f} "
            f"({len(part)} questions)"
        )
    print(f"- bot exit status on SIGTERM: {status}; requests refused by the fake: {len(fake.rejected)}")
    return 0 if failed == 0 and duplicated == 0 and adding.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

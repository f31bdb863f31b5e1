"""How many ``conversations.replies`` calls a Slack follow-up's reading of its thread takes, and whether it is exact.

Threads of the shapes the tests use (``tests/slack/test_threads.py``: messages all in one
moment, a minute or an hour apart, 30 days then a burst, a rush five hours before the
follow-up, the bot's answers at the end, blank messages), and a rush then a pause of 1, 20,
300 minutes or 2.3 days, are read against the fake Slack by:

* the reading before tails: pages oldest first, at most 10 calls, no history past 1,000 messages;
* :func:`bot.slack.threads.read_thread` with each :data:`~bot.slack.tail.REACH` below: a thread of up to
  990 replies is paged through as before, a longer one searched for its tail.

Each cell is ``calls`` and ``=`` when the history is the one a reading of the whole thread
gives (``-`` when not). The calls are counted by the fake; nothing is timed.

Usage: ``.venv/bin/python bench/slack_thread_reading.py [--sizes 150 1000 3000]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.conversation import READ_BACK, Said, history_from
from bot.slack import tail, threads
from tests.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.test_threads import ME, SHAPES, bot_says, long_thread, reference

REACHES = {
    "hour, day, 30 days (shipped)": (3600, 86_400, 30 * 86_400),
    "10 min, hour, day, 30 days": (600, 3600, 86_400, 30 * 86_400),
    "day, 30 days": (86_400, 30 * 86_400),
    "none (everything after the first page)": (),
}
PAUSES = (60, 1200, 18_000, 200_000)

Read = Callable[[AsyncWebClient, str, str], Awaitable[tuple[str, ...]]]


async def paged(client: AsyncWebClient, root: str, before: str) -> tuple[str, ...]:
    """The reading before tails: oldest first, 100 a page, 10 pages, no history past them."""
    kept: deque[Said] = deque(maxlen=READ_BACK)
    seen: set[str] = set()
    cursor = None
    for _ in range(10):
        page = await client.conversations_replies(
            channel="C0001", ts=root, latest=before, inclusive=False, limit=100, cursor=cursor
        )
        for message in page.get("messages") or []:
            if message["ts"] not in seen and (said := threads._said(message, ME)) is not None:
                seen.add(message["ts"])
                kept.append(said)
        if not (cursor := (page.get("response_metadata") or {}).get("next_cursor")):
            return history_from(kept)
    return ()


async def tails(client: AsyncWebClient, root: str, before: str) -> tuple[str, ...]:
    return (await threads.read_thread(client, "C0001", root, before, ME)).history


def paused(slack: FakeSlack, replies: int, pause: int) -> tuple[str, str]:
    """A thread the bot answered, ``replies`` questions in one moment, then ``pause`` seconds of silence."""
    root = slack.said("Why did IBM quit facial recognition?")["ts"]
    bot_says(slack, "Because ...", root)
    for n in range(replies):
        slack.said(f"question {n}", thread_ts=root)
    slack.pass_time(pause)
    return root, slack.said("And when?", thread_ts=root)["ts"]


async def cell(read: Read, replies: int, shape: str | int) -> str:
    with FakeSlack() as slack:
        root, before = paused(slack, replies, shape) if isinstance(shape, int) else long_thread(slack, replies, shape)
        history = await read(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base), root, before)
        exact = "=" if history == reference(slack, root, before) else "-"
        return f"{len(slack.of('conversations.replies'))}{exact}"


async def table(read: Read, sizes: list[int]) -> None:
    shapes: list[str | int] = [*SHAPES, *PAUSES]
    print("| replies | " + " | ".join(f"pause {s} s" if isinstance(s, int) else s for s in shapes) + " |")
    print("|---" * (len(shapes) + 1) + "|")
    for replies in sizes:
        cells = [await cell(read, replies, shape) for shape in shapes]
        print(f"| {replies} | " + " | ".join(cells) + " |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 500, 1000, 1500, 3000])
    args = parser.parse_args()
    print("\nThe reading before tails (pages oldest first):\n")
    await table(paged, args.sizes)
    for name, reach in REACHES.items():
        tail.REACH = reach
        print(f"\nTails, REACH {name}:\n")
        await table(tails, args.sizes)


if __name__ == "__main__":
    asyncio.run(main())

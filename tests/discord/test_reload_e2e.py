"""Hot reload end to end: the real Discord bot process picks up `python -m bot add` without a restart.

Questions are sent through the fake Discord (driven by the real discord.py client) before,
while and after another process adds a document; every one gets exactly one reply, and the
question about the added document is answered from it. The swap is awaited on the bot's own
log line, never on a guessed delay.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from tests.discord.harness import BotProcess
from tests.fake_discord import ASK_ID, FakeDiscord

pytestmark = [pytest.mark.timeout(300), pytest.mark.model, pytest.mark.process]

ADDED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "formats" / "glass_harmonica.md"
USERS = itertools.count(700000000000000000)


def test_questions_around_an_add_are_each_answered_once_and_the_new_document_is_used(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = BotProcess(fake, tmp_path, RATE_LIMIT_COUNT="1000", REPLY_IN_THREADS="false")  # replies, not threads
    try:
        bot.wait_ready(timeout=240)
        before = [fake.send_message("Why did IBM quit facial recognition?", channel_id=ASK_ID, user_id=next(USERS))]
        adding = subprocess.Popen(
            [sys.executable, "-m", "bot", "add", str(ADDED)],
            cwd=tmp_path,
            env=bot.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        during = []
        while adding.poll() is None:  # a question for every reply, until the add ends
            mid = fake.send_message("What does IBM oppose?", channel_id=ASK_ID, user_id=next(USERS))
            during.append(mid)
            fake.wait_for_reply(mid, timeout=60)
        _, err = adding.communicate()
        assert adding.returncode == 0, err
        fake.wait_until(lambda: "Answering from the new index" in bot.log() or None, 60, "the swap")
        about = fake.send_message("Who invented the glass harmonica?", channel_id=ASK_ID, user_id=next(USERS))
        reply = fake.wait_for_reply(about, timeout=60)
        for mid in [*before, *during, about]:
            fake.wait_for_reply(mid, timeout=60)
        marker = fake.send_message("Why did IBM quit facial recognition?", channel_id=ASK_ID, user_id=next(USERS))
        fake.wait_for_reply(marker, timeout=60)  # later than any duplicate of the ones above would come
        assert all(len(fake.replies_to(mid)) == 1 for mid in [*before, *during, about])
        shown = reply.content + " ".join(str(e) for e in reply.embeds)
        assert "Glass Harmonica" in shown and "Franklin" in shown
    finally:
        assert bot.stop() == 0

"""A manager's ``/source add`` on the real index, end to end: questions asked meanwhile are each answered
once, and the question asked right after "Added" is answered from the new document.

The bot's reloader polls once an hour here (tests/discord/slow_reload_main.py), so the new index is in
use only if the command swapped it in itself, as its answer says.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.discord.harness import BotProcess
from tests.fake_discord import ASK_ID, MANAGE_GUILD, MEMBER_PERMISSIONS, FakeDiscord

pytestmark = [pytest.mark.timeout(300), pytest.mark.model, pytest.mark.process]

ADDED = Path(__file__).resolve().parents[1] / "fixtures" / "formats" / "glass_harmonica.md"
USERS = itertools.count(730000000000000000)


def test_questions_during_a_source_add_are_answered_and_the_next_uses_the_new_document(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = BotProcess(
        fake, tmp_path, main="tests.discord.slow_reload_main", RATE_LIMIT_COUNT="1000", REPLY_IN_THREADS="false"
    )
    try:
        bot.wait_ready(timeout=240)
        adding = fake.send_command(
            "source",
            subcommand="add",
            attachments={"file": (ADDED.name, ADDED.read_bytes())},
            user_id=next(USERS),
            permissions=MEMBER_PERMISSIONS | MANAGE_GUILD,
        )
        during: list[int] = []
        while not during or not [s for s in fake.responses_to(adding) if s.content]:  # until "Added"
            mid = fake.send_message("What does IBM oppose?", channel_id=ASK_ID, user_id=next(USERS))
            during.append(mid)
            fake.wait_for_reply(mid, timeout=60)
        done = fake.wait_for_answer(adding)
        assert done.content.startswith("Added “The Glass Harmonica”"), done.content
        about = fake.send_message("Who invented the glass harmonica?", channel_id=ASK_ID, user_id=next(USERS))
        reply = fake.wait_for_reply(about, timeout=60)
        shown = reply.content + " ".join(str(e) for e in reply.embeds)
        assert "Glass Harmonica" in shown and "Franklin" in shown, shown
        marker = fake.send_message("Why did IBM quit facial recognition?", channel_id=ASK_ID, user_id=next(USERS))
        fake.wait_for_reply(marker, timeout=60)  # later than any duplicate of the ones above would come
        assert all(len(fake.replies_to(mid)) == 1 for mid in [*during, about])
    finally:
        assert bot.stop() == 0

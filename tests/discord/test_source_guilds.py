"""End to end: a bot in two servers without SOURCE_GUILDS lets no server's managers change the shared sources.

The sources are one library for every server the bot is in. With SOURCE_GUILDS unset and a second
server (a public bot invited elsewhere), the bot warns once at start, and a manager's ``/source add``
in either server gets one private line naming the setting, while ``/report`` stays the server's own.
The other cases run elsewhere: SOURCE_GUILDS set (tests/discord/test_admin.py), one server with it
unset, changing the sources as before (tests/discord/test_admin_reload.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import wording
from tests.discord.harness import BotProcess, module_fake, running, user_ids
from tests.fake_discord import EPHEMERAL, MANAGE_GUILD, MEMBER_PERMISSIONS, FakeDiscord

pytestmark = [pytest.mark.timeout(180), pytest.mark.process]

new_user = user_ids(730000000000000000)
MANAGER = MEMBER_PERMISSIONS | MANAGE_GUILD
WARNING = "SOURCE_GUILDS is not set"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    for server in module_fake():
        server.add_guild()
        yield server


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("discord-source-guilds")
    process = BotProcess(
        fake, folder, main="tests.discord.admin_main", ADMIN_CALLS_FILE=str(folder / "library.jsonl"), SOURCE_GUILDS=""
    )
    yield from running(process)


def test_unset_in_two_servers_warns_once_and_refuses_every_servers_managers(fake: FakeDiscord, bot: BotProcess) -> None:
    fake.wait_until(lambda: WARNING in bot.log(), what="the warning about SOURCE_GUILDS")
    for guild in fake.guilds.values():
        url = f"https://example.com/{new_user()}.html"
        answer = fake.wait_for_answer(
            fake.send_command(
                "source",
                {"url": url},
                subcommand="add",
                channel_id=guild.general_id,
                user_id=new_user(),
                permissions=MANAGER,
            )
        )
        assert answer.content == wording.SOURCE_GUILDS_UNSET and answer.flags & EPHEMERAL
        report = fake.wait_for_answer(
            fake.send_command("report", channel_id=guild.general_id, user_id=new_user(), permissions=MANAGER)
        )
        assert report.content.startswith("**What was asked since")
    calls = Path(bot.env["ADMIN_CALLS_FILE"])
    assert not calls.exists() or [json.loads(line) for line in calls.read_text().splitlines()] == []
    assert bot.log().count(WARNING) == 1

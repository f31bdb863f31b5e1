"""End to end: the managers' commands of the real discord.py client against the fake Discord.

One bot process (the fake retriever, the fake sources library: no model) serves the module.
For each command a manager (Manage Server) can, and a member cannot: the member gets a
private refusal and nothing changes (no call reaches the library, the channel keeps its
behaviour). A ``/config`` change takes effect on the next message. Each test uses users
and channels of its own and looks only at its own traffic, so the tests pass in any order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import wording
from index.store import build_lock
from tests.discord.harness import BotProcess, module_fake, running, user_ids
from tests.fake_discord import (
    ASK_ID,
    EPHEMERAL,
    GENERAL_ID,
    GUILD_ID,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    SEND_MESSAGES,
    FakeDiscord,
    Guild,
    Sent,
)

pytestmark = [pytest.mark.timeout(180), pytest.mark.process]

new_user = user_ids(720000000000000000)
MANAGER = MEMBER_PERMISSIONS | MANAGE_GUILD


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    for server in module_fake():
        server.add_guild()  # another server the bot is in, whose managers see nothing of this one's
        yield server


def other_guild(fake: FakeDiscord) -> Guild:
    return next(g for g in fake.guilds.values() if g.id != GUILD_ID)


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("discord-admin")
    process = BotProcess(
        fake,
        folder,
        main="tests.discord.admin_main",
        REPLY_IN_THREADS="false",
        ADMIN_CALLS_FILE=str(folder / "library.jsonl"),
        SOURCE_GUILDS=str(GUILD_ID),  # this server's managers change the sources; the other server's cannot
    )
    yield from running(process)


def library_calls(bot: BotProcess) -> list[dict[str, Any]]:
    """Every call the bot made to the sources library, in order."""
    path = Path(bot.env["ADMIN_CALLS_FILE"])
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def command(fake: FakeDiscord, name: str, options: dict[str, Any] | None = None, **kwargs: Any) -> Sent:
    """Use a slash command and return its answer (content or embeds)."""
    return fake.wait_for_answer(fake.send_command(name, options, **kwargs))


def refused(answer: Sent) -> bool:
    return answer.content == wording.ADMINS_ONLY and bool(answer.flags & EPHEMERAL)


def marker(fake: FakeDiscord) -> None:
    """Ask in ASK_CHANNELS and wait for the reply: a message sent before it has been handled by then."""
    fake.wait_for_reply(fake.send_message("Why did IBM quit?", channel_id=ASK_ID, user_id=new_user()))


def test_managers_commands_are_synced_for_managers_only(fake: FakeDiscord, bot: BotProcess) -> None:
    """/source (add, remove), /report and /config are synced with Manage Server as their default permission."""
    synced = {c["name"]: c for c in fake.commands}
    for name in ("source", "report", "config"):
        assert str(synced[name]["default_member_permissions"]) == str(MANAGE_GUILD), name
    assert {o["name"] for o in synced["source"]["options"]} == {"add", "remove"}
    assert synced["sources"]["default_member_permissions"] is None


def test_source_add_by_url_manager_can_member_cannot(fake: FakeDiscord, bot: BotProcess) -> None:
    """A member's /source add is refused privately and never reaches the library; a manager's adds the URL."""
    url = f"https://example.com/{new_user()}.html"
    answer = command(fake, "source", {"url": url}, subcommand="add", user_id=new_user(), permissions=MEMBER_PERMISSIONS)
    assert refused(answer)
    answer = command(fake, "source", {"url": url}, subcommand="add", user_id=new_user(), permissions=MANAGER)
    assert answer.flags & EPHEMERAL and answer.content.startswith("Added")
    calls = [c for c in library_calls(bot) if url in c["items"]]
    assert [c["call"] for c in calls] == ["add"]  # the member's never arrived


def test_source_add_with_an_attached_file(fake: FakeDiscord, bot: BotProcess) -> None:
    """A manager's attached file is downloaded and handed to the library with its bytes and name."""
    name = f"notes-{new_user()}.md"
    text = "# Notes\n\nIBM left the facial recognition business in 2020.\n"
    answer = command(
        fake,
        "source",
        subcommand="add",
        attachments={"file": (name, text.encode())},
        user_id=new_user(),
        permissions=MANAGER,
    )
    assert answer.content.startswith("Added"), answer.content
    [call] = [c for c in library_calls(bot) if any(i.endswith(name) for i in c["items"])]
    assert call["contents"] == [text]


def test_source_add_refused_by_the_library_says_why(fake: FakeDiscord, bot: BotProcess) -> None:
    """What the library refuses is one private line naming the reason; neither a url nor a file asks for one."""
    answer = command(
        fake, "source", {"url": "http://refuse.example/"}, subcommand="add", user_id=new_user(), permissions=MANAGER
    )
    assert answer.content.startswith("That didn") and "the fake refused it" in answer.content
    answer = command(fake, "source", {}, subcommand="add", user_id=new_user(), permissions=MANAGER)
    assert answer.content == wording.ADD_WHAT


def test_source_add_takes_web_addresses_only_never_a_path_on_the_bots_machine(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """A manager's url that is a file path (of a file the bot can read) or no address at all is refused in
    one private line, and the library never sees it: chat reads nothing from the bot's own disk."""
    secret = bot.folder / f"secret-{new_user()}.txt"
    secret.write_text("The database password is hunter2.\n", encoding="utf-8")
    for url in (str(secret), f"file://{secret}", "notes.txt"):
        answer = command(fake, "source", {"url": url}, subcommand="add", user_id=new_user(), permissions=MANAGER)
        assert answer.flags & EPHEMERAL and answer.content == wording.not_a_web_address(url), answer.content
    assert not [c for c in library_calls(bot) if any(secret.name in i or i == "notes.txt" for i in c["items"])]


def test_a_source_add_queued_behind_a_build_says_so_at_once_and_then_tells_its_outcome_privately(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """An add that must wait for another build is said to be queued at once, privately; its outcome follows
    privately when the build ends within the interaction token's life."""
    url = f"https://example.com/queued-{new_user()}.html"
    with build_lock(Path(bot.env["INDEX_DIR"])):  # another build under way
        adding = fake.send_command("source", {"url": url}, subcommand="add", user_id=new_user(), permissions=MANAGER)
        notice = fake.wait_for_answer(adding)
        assert notice.content == wording.CHANGE_QUEUED and notice.flags & EPHEMERAL
        assert not [c for c in library_calls(bot) if url in c["items"]]  # still waiting for the lock
    done = fake.wait_until(lambda: [s for s in fake.sent if s.interaction_id == adding and "Added" in s.content])[0]
    assert done.kind == "followup" and done.flags & EPHEMERAL


def queued_add(
    fake: FakeDiscord, bot: BotProcess, manager: int, url: str, channel: int, spoil: Callable[[int], None]
) -> int:
    """A manager's /source add sent while another build holds the lock: it is told at once that it is
    queued, then ``spoil`` (given the interaction) keeps its private answer from Discord before the lock is
    freed. The interaction's id."""
    with build_lock(Path(bot.env["INDEX_DIR"])):
        adding = fake.send_command(
            "source", {"url": url}, subcommand="add", user_id=manager, channel_id=channel, permissions=MANAGER
        )
        assert fake.wait_for_answer(adding).content == wording.CHANGE_QUEUED
        spoil(adding)
    return adding


def told_in_channel(fake: FakeDiscord, manager: int) -> Any:
    """The first channel message naming ``manager`` (a source change's outcome told there), once it comes."""
    return fake.wait_until(
        lambda: next((s for s in fake.sent if s.kind == "message" and f"<@{manager}>" in s.content), None)
    )


def test_a_source_add_that_outlasts_the_interaction_token_is_told_in_the_channel_pinging_nobody(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """Discord refuses follow-ups 15 minutes after the command (the token's life, ended here at once): an add
    that waited behind a build that long is told in the command's channel, naming the manager without a ping,
    instead of being lost; they were told at once that it was queued."""
    manager = new_user()
    url = f"https://example.com/late-{manager}.html"
    adding = queued_add(fake, bot, manager, url, GENERAL_ID, fake.expire_token)
    told = told_in_channel(fake, manager)
    assert told.channel_id == GENERAL_ID and not told.flags & EPHEMERAL
    assert told.content.startswith(f"<@{manager}>, about your `/source add`: Added “"), told.content
    assert told.allowed_mentions is not None and told.allowed_mentions.get("parse") == []
    assert not told.allowed_mentions.get("users")  # the mention shows the name and pings nobody
    assert [c["call"] for c in library_calls(bot) if url in c["items"]] == ["add"]
    assert [r.status for r in fake.rejected if r.interaction_id == adding] == [401]  # the follow-up, refused


def test_a_late_source_add_where_the_bot_may_not_post_is_told_by_direct_message(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """Slash commands work in a channel where the bot has no Send Messages: an add that outlasts the token there
    has its channel post refused (403 Missing Permissions), and its outcome reaches the manager by direct
    message, without the mention, instead of only the bot's log."""
    manager = new_user()
    url = f"https://example.com/late-dm-{manager}.html"
    channel = fake.add_channel(f"no-send-{manager}")
    fake.deny(channel, SEND_MESSAGES)
    queued_add(fake, bot, manager, url, channel, fake.expire_token)
    dm = fake.wait_until(lambda: fake.dm_channel_of(manager))
    told = fake.wait_for_message_in(dm)
    assert told.content.startswith("About your `/source add`: Added “"), told.content
    assert told.allowed_mentions is not None and told.allowed_mentions.get("parse") == []
    refused = [r for r in fake.rejected if r.path.endswith(f"/channels/{channel}/messages")]
    assert [(r.status, r.body["code"]) for r in refused] == [(403, 50013)]  # the channel post, refused
    assert [c["call"] for c in library_calls(bot) if url in c["items"]] == ["add"]


def test_a_source_add_whose_private_answer_fails_is_told_in_the_channel_not_called_a_failure(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """The add is made, then Discord refuses its private answer for another reason than the token's end (403
    here; any 4xx alike: nothing was posted): the outcome is told in the channel as a late one is, plainly. The
    error went to the command's error reply, which told the manager that the command failed, and it was lost."""
    manager = new_user()
    url = f"https://example.com/unanswered-{manager}.html"

    def refuse_the_outcome(_adding: int) -> None:
        fake.refuse_followups = 1  # the outcome's follow-up

    adding = queued_add(fake, bot, manager, url, GENERAL_ID, refuse_the_outcome)
    told = told_in_channel(fake, manager)
    assert told.channel_id == GENERAL_ID
    assert told.content.startswith(f"<@{manager}>, about your `/source add`: Added “"), told.content
    assert [r.status for r in fake.rejected if r.interaction_id == adding] == [403]
    assert [c["call"] for c in library_calls(bot) if url in c["items"]] == ["add"]


def test_a_private_answer_discord_may_have_taken_is_told_again_saying_it_may_repeat(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """Discord posts the outcome's follow-up but the connection drops before it answers (a timeout or a 5xx
    alike): the bot cannot know whether the manager saw it, so it is told in the channel all the same (lost is
    worse than twice), saying it may repeat; a refusal (above) says no such thing."""
    manager = new_user()
    url = f"https://example.com/unsure-{manager}.html"

    def drop_the_outcome(_adding: int) -> None:
        fake.drop_followups = 1  # the outcome's follow-up

    adding = queued_add(fake, bot, manager, url, GENERAL_ID, drop_the_outcome)
    told = told_in_channel(fake, manager)
    unsure = f"<@{manager}>, in case my earlier answer to your `/source add` did not reach you: Added “"
    assert told.channel_id == GENERAL_ID and told.content.startswith(unsure), told.content
    taken = [s for s in fake.sent if s.interaction_id == adding and s.content.startswith("Added “")]
    assert [(s.kind, bool(s.flags & EPHEMERAL)) for s in taken] == [("followup", True)]  # posted, unanswered
    assert not [r for r in fake.rejected if r.interaction_id == adding]


def test_source_remove_manager_can_member_cannot(fake: FakeDiscord, bot: BotProcess) -> None:
    """A member's /source remove is refused and removes nothing; a manager's removes the source."""
    url = f"https://example.com/gone-{new_user()}.html"
    command(fake, "source", {"url": url}, subcommand="add", user_id=new_user(), permissions=MANAGER)
    name = url.rsplit("/", 1)[1]
    answer = command(
        fake, "source", {"name": name}, subcommand="remove", user_id=new_user(), permissions=MEMBER_PERMISSIONS
    )
    assert refused(answer)
    assert not [c for c in library_calls(bot) if c["call"] == "remove" and c["items"] == [name]]
    answer = command(fake, "source", {"name": name}, subcommand="remove", user_id=new_user(), permissions=MANAGER)
    assert answer.content.startswith("Removed")
    assert [c["call"] for c in library_calls(bot) if c["items"] == [name]] == ["remove"]


def test_another_servers_manager_cannot_change_the_shared_sources(fake: FakeDiscord, bot: BotProcess) -> None:
    """A manager of a server SOURCE_GUILDS does not list gets one private line saying the sources are shared, for
    /source add and remove (autocomplete offers nothing), and the library never sees it; /config still works."""
    other = other_guild(fake)
    url = f"https://example.com/elsewhere-{new_user()}.html"
    where = {"channel_id": other.general_id, "permissions": MANAGER}
    answer = command(fake, "source", {"url": url}, subcommand="add", user_id=new_user(), **where)
    assert answer.content == wording.SOURCES_ELSEWHERE and answer.flags & EPHEMERAL
    name = "000_a7265f2ac828b9b1.txt"
    answer = command(fake, "source", {"name": name}, subcommand="remove", user_id=new_user(), **where)
    assert answer.content == wording.SOURCES_ELSEWHERE and answer.flags & EPHEMERAL
    assert not [c for c in library_calls(bot) if url in c["items"] or c["items"] == [name]]
    offered = {}
    for channel in (GENERAL_ID, other.general_id):  # the same manager's autocomplete in each server
        iid = fake.send_command(
            "source", {"name": "0"}, subcommand="remove", focused="name", channel_id=channel, permissions=MANAGER
        )
        fake.wait_until(lambda iid=iid: fake.interactions[iid].acked_at, what="the autocomplete answer")
        offered[channel] = fake.responses_to(iid)[0].payload["data"]["choices"]
    assert offered[GENERAL_ID] and offered[other.general_id] == []
    answer = command(fake, "config", user_id=new_user(), **where)
    assert answer.content.startswith("In this channel I answer")


def test_removing_an_unknown_source_names_the_chat_list_not_a_command_line(fake: FakeDiscord, bot: BotProcess) -> None:
    """The library's refusal says "`python -m bot sources` lists them"; a manager in chat is pointed to /sources."""
    name = f"nothing-{new_user()}.txt"
    answer = command(fake, "source", {"name": name}, subcommand="remove", user_id=new_user(), permissions=MANAGER)
    assert answer.flags & EPHEMERAL and "/sources lists them" in answer.content, answer.content
    assert "python -m bot" not in answer.content


def test_public_sources_list_shows_links_and_dates(fake: FakeDiscord, bot: BotProcess) -> None:
    """Anyone's /sources lists each source with its link and the day it was added."""
    url = f"https://example.com/listed-{new_user()}.html"
    command(fake, "source", {"url": url}, subcommand="add", user_id=new_user(), permissions=MANAGER)
    answer = command(fake, "sources", user_id=new_user(), permissions=MEMBER_PERMISSIONS)
    description = answer.embeds[0]["description"]
    line = next(line for line in description.splitlines() if url in line)
    assert "added 20" in line
    assert "added 2024-01-02" in description  # the article, with the date the library gives


def test_report_manager_can_member_cannot(fake: FakeDiscord, bot: BotProcess) -> None:
    """A manager's /report lists the abstained question; a member's is refused; a bad since is one line."""
    question = f"How do I bake sourdough bread number {new_user()}?"
    fake.wait_for_reply(fake.send_message(question, channel_id=ASK_ID, user_id=new_user()))
    assert refused(command(fake, "report", user_id=new_user(), permissions=MEMBER_PERMISSIONS))
    answer = command(fake, "report", {"since": "1d"}, user_id=new_user(), permissions=MANAGER)
    assert answer.flags & EPHEMERAL
    assert wording.REPORT_GAPS in answer.content and "sourdough bread number" in answer.content
    answer = command(fake, "report", {"since": "soon"}, user_id=new_user(), permissions=MANAGER)
    assert answer.content.startswith("since 'soon' is not a duration") and "7d" in answer.content


def test_report_shows_a_server_its_own_questions_only(fake: FakeDiscord, bot: BotProcess) -> None:
    """A manager's /report lists what was asked in their server, never what another server's members asked."""
    here, there = f"sourdough rye {new_user()}?", f"sourdough spelt {new_user()}?"
    fake.wait_for_reply(fake.send_message(here, channel_id=ASK_ID, user_id=new_user()))
    other = other_guild(fake)
    fake.wait_for_reply(fake.send_message(there, channel_id=other.general_id, mention_bot=True, user_id=new_user()))
    ours = command(fake, "report", {"since": "1d"}, user_id=new_user(), permissions=MANAGER).content
    theirs = command(
        fake, "report", {"since": "1d"}, channel_id=other.general_id, user_id=new_user(), permissions=MANAGER
    ).content
    assert here in ours and there not in ours
    assert there in theirs and here not in theirs


def test_markup_members_typed_shows_as_text_in_the_report(fake: FakeDiscord, bot: BotProcess) -> None:
    """A question holding a timestamp, a channel link, a command link, a role ping and markdown is echoed
    in the report as typed: nothing in it renders (or pings) for the manager."""
    other = other_guild(fake)
    live = ["<t:1700000000:R>", "<#300000000000000003>", "</ask:1234567890123>", "<:blob:123456789012345678>"]
    question = f"sourdough {new_user()} " + " ".join(live) + " @everyone **now**"
    fake.wait_for_reply(fake.send_message(question, channel_id=other.general_id, mention_bot=True, user_id=new_user()))
    answer = command(fake, "report", channel_id=other.general_id, user_id=new_user(), permissions=MANAGER)
    assert "sourdough" in answer.content
    assert not [markup for markup in [*live, "@everyone", "**now**"] if markup in answer.content], answer.content


def test_a_big_report_keeps_every_part_within_one_message(fake: FakeDiscord, bot: BotProcess) -> None:
    """Long unanswered questions enough for several messages: the report is one private message within
    Discord's 2,000 characters, every part shown, the entries that do not fit counted, none cut midway."""
    words = "crumb crust proof levain hydration autolyse banneton lame scoring steam oven"
    for n in range(12):
        question = f"sourdough {n} " + " ".join(f"{w}{n}{i}" for i, w in enumerate(words.split() * 3))
        fake.wait_for_reply(fake.send_message(question, channel_id=ASK_ID, user_id=new_user()))
    answer = command(fake, "report", {"since": "1d"}, user_id=new_user(), permissions=MANAGER)
    content = answer.content
    assert len(content) <= 2000 and answer.flags & EPHEMERAL
    most_asked = content.split(wording.REPORT_MOST_ASKED, 1)[1]
    assert wording.REPORT_GAPS in content and wording.REPORT_DOWNVOTED in content and "× “sourdough" in most_asked
    entries = [line for line in content.splitlines() if line.startswith("  ") and "×" in line]
    assert all(line.rstrip().endswith(("”", "wording)", "wordings)")) for line in entries), entries
    assert wording.report_more(1).split("1")[0] in content  # "… and N more"


def test_config_off_then_every_then_default_takes_effect_on_the_next_message(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """A member cannot change a channel; a manager's `off` silences mentions there at once, `every`
    answers plain messages, `default` answers mentions only again."""
    channel = fake.add_channel(f"config-{new_user()}")
    options = {"mode": "off"}
    assert refused(
        command(fake, "config", options, channel_id=channel, user_id=new_user(), permissions=MEMBER_PERMISSIONS)
    )
    fake.wait_for_reply(
        fake.send_message("Why did IBM quit?", channel_id=channel, mention_bot=True, user_id=new_user())
    )

    answer = command(fake, "config", options, channel_id=channel, user_id=new_user(), permissions=MANAGER)
    assert "off" in answer.content
    silenced = fake.send_message("Why did IBM quit?", channel_id=channel, mention_bot=True, user_id=new_user())
    plain = fake.send_message("Why did IBM quit?", channel_id=channel, user_id=new_user())
    marker(fake)
    assert fake.replies_to(silenced) == [] and fake.replies_to(plain) == []

    command(fake, "config", {"mode": "every"}, channel_id=channel, user_id=new_user(), permissions=MANAGER)
    fake.wait_for_reply(fake.send_message("Why did IBM quit?", channel_id=channel, user_id=new_user()))

    answer = command(fake, "config", {"mode": "default"}, channel_id=channel, user_id=new_user(), permissions=MANAGER)
    assert "the default" in answer.content
    plain = fake.send_message("Why did IBM quit?", channel_id=channel, user_id=new_user())
    fake.wait_for_reply(
        fake.send_message("Why did IBM quit?", channel_id=channel, mention_bot=True, user_id=new_user())
    )
    marker(fake)
    assert fake.replies_to(plain) == []


def test_config_answers_first_so_a_slow_database_cannot_miss_discords_deadline(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """/config responds (privately "thinking") before it reads or writes the channel's row: with another
    writer holding the database, its first response is there already, and the change is told once the
    database is free. It did the database work first, and a slow database made it miss Discord's 3 s."""
    channel = fake.add_channel(f"slow-{new_user()}")
    held = sqlite3.connect(bot.database(), isolation_level=None)
    try:
        held.execute("BEGIN IMMEDIATE")  # another writer: the bot's write waits for it
        asked = fake.send_command(
            "config", {"mode": "off"}, channel_id=channel, user_id=new_user(), permissions=MANAGER
        )
        first = fake.wait_until(lambda: next((s for s in fake.sent if s.interaction_id == asked), None))
        assert first.kind == "callback" and first.payload["type"] == 5 and first.flags & EPHEMERAL
    finally:
        held.execute("ROLLBACK")
        held.close()
    answer = fake.wait_for_answer(asked)
    assert answer.kind == "followup" and "off" in answer.content and answer.flags & EPHEMERAL
    assert not [r for r in fake.rejected if r.interaction_id == asked]


def test_config_private_answers_by_direct_message(fake: FakeDiscord, bot: BotProcess) -> None:
    """With private on, a mention is answered in a direct message to the asker, and /ask privately by default."""
    channel = fake.add_channel(f"private-{new_user()}")
    answer = command(fake, "config", {"private": True}, channel_id=channel, user_id=new_user(), permissions=MANAGER)
    assert "private" in answer.content
    asker = new_user()
    mid = fake.send_message("Why did IBM quit?", channel_id=channel, mention_bot=True, user_id=asker)
    dm = fake.wait_until(lambda: fake.dm_channel_of(asker), what="a direct message channel")
    assert "Krishna" in fake.wait_for_message_in(dm).content
    assert fake.replies_to(mid) == []
    answer = command(fake, "ask", {"question": "Why did IBM quit?"}, channel_id=channel, user_id=new_user())
    assert answer.flags & EPHEMERAL

"""Every slash command, walked in-process without connecting: names, descriptions, bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.core.settings import Settings
from bot.discord.client import CiteBot, make_bot
from bot.discord.cogs import EXTENSIONS
from bot.discord.cogs.ask import question_in
from bot.discord.cogs.quote import topic_choices
from tests.fakes import FakeRetriever


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[CiteBot]:
    settings = Settings(_env_file=None, health_file=tmp_path / "health", ask_channels=frozenset({42}))  # type: ignore[call-arg]
    client = make_bot(FakeRetriever(), settings)
    for extension in EXTENSIONS:
        await client.load_extension(extension)
    yield client
    await client.close()


def test_client_pings_no_one_and_asks_for_message_content(bot: CiteBot) -> None:
    """allowed_mentions is none on the client itself, and the Message Content intent is requested."""
    mentions = bot.allowed_mentions
    assert mentions is not None
    assert mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    assert bot.intents.message_content and not bot.intents.members and not bot.intents.presences


def test_commands_have_descriptions(bot: CiteBot) -> None:
    """The tree holds /ask, /quote, /sources, /help and the managers' /source add|remove, /report, /config;
    every command, subcommand and option has a real description."""
    commands = {c.name: c for c in bot.tree.get_commands()}
    assert set(commands) == {"ask", "quote", "sources", "help", "source", "report", "config"}
    group = commands.pop("source")
    assert isinstance(group, app_commands.Group) and group.description
    assert {c.name for c in group.commands} == {"add", "remove"}
    for command in [*commands.values(), *group.commands]:
        assert isinstance(command, app_commands.Command)
        assert command.description and command.description != "…", command.name
        for parameter in command.parameters:
            assert parameter.description and parameter.description != "…", (command.name, parameter.name)


def test_managers_commands_need_manage_server_and_a_server(bot: CiteBot) -> None:
    """/source, /report and /config are hidden from members (default_member_permissions = Manage Server) and
    only in servers; the public ones are not restricted."""
    synced = {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    for name in ("source", "report", "config"):
        assert str(synced[name]["default_member_permissions"]) == str(discord.Permissions(manage_guild=True).value), (
            name
        )
        assert synced[name]["contexts"] == [0] or synced[name].get("dm_permission") is False, name
    for name in ("ask", "quote", "sources", "help"):
        assert synced[name]["default_member_permissions"] is None, name


def test_inputs_are_bounded_and_quote_has_autocomplete(bot: CiteBot) -> None:
    """/ask question and /quote topic have length bounds; /ask private defaults to the channel's; topic autocompletes."""
    ask = bot.tree.get_command("ask")
    quote = bot.tree.get_command("quote")
    assert isinstance(ask, app_commands.Command) and isinstance(quote, app_commands.Command)
    options = {o["name"]: o for o in ask.to_dict(bot.tree)["options"]}
    assert (options["question"]["min_length"], options["question"]["max_length"]) == (1, 1000)
    private = ask.get_parameter("private")
    assert private is not None and not private.required and private.default is None  # None: as the channel is set
    topic = {o["name"]: o for o in quote.to_dict(bot.tree)["options"]}["topic"]
    assert topic["autocomplete"] and topic["max_length"] == 200


def test_topic_choices_cap_25_and_100_characters() -> None:
    """Autocomplete choices are at most 25, each name and value at most 100 characters, blanks dropped."""
    choices = topic_choices(["t" * 150, "  ", *[f"topic {i}" for i in range(40)]])
    assert len(choices) == 25
    assert len(choices[0].name) == 100 and len(choices[0].value) == 100
    assert all(c.name.strip() for c in choices)


class _Author:
    def __init__(self, user_id: int, bot: bool = False) -> None:
        self.id = user_id
        self.bot = bot


class _Channel:
    def __init__(self, channel_id: int, parent_id: int | None = None, owner_id: int | None = None) -> None:
        self.id = channel_id
        self.parent_id = parent_id
        self.owner_id = owner_id


class _Message:
    def __init__(
        self,
        content: str,
        *,
        author: _Author,
        channel: _Channel,
        kind: discord.MessageType = discord.MessageType.default,
    ) -> None:
        self.content = content
        self.author = author
        self.channel = channel
        self.webhook_id = None
        self.type = kind
        self.mentions: list[object] = []  # as Discord resolved them: none here
        self.role_mentions: list[object] = []
        self.channel_mentions: list[object] = []

    @property
    def raw_mentions(self) -> list[int]:
        return discord.Message.raw_mentions.function(self)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "author", "channel", "expected"),
    [
        ("<@100000000000000099> Why?", _Author(1), _Channel(7), ("Why?", True)),
        ("<@!100000000000000099>   Why   so?  ", _Author(1), _Channel(7), ("Why so?", True)),
        ("Why?", _Author(1), _Channel(42), ("Why?", False)),
        ("Why?", _Author(1), _Channel(8, parent_id=42), ("Why?", False)),
        ("And then?", _Author(1), _Channel(9, parent_id=7, owner_id=100000000000000099), ("And then?", False)),
        ("And then?", _Author(1), _Channel(9, parent_id=7, owner_id=5), None),
        ("<@100000000000000099> And then?", _Author(1), _Channel(9, parent_id=7, owner_id=5), ("And then?", True)),
        ("Why?", _Author(1), _Channel(7), None),
        ("<@100000000000000099> Why?", _Author(2, bot=True), _Channel(42), None),
        ("<@100000000000000099>", _Author(1), _Channel(7), ("", True)),
        ("@everyone Why?", _Author(1), _Channel(7), None),
    ],
)
def test_question_in_decides_which_messages_are_for_the_bot(
    content: str, author: _Author, channel: _Channel, expected: tuple[str, bool] | None
) -> None:
    """Mentions, ASK_CHANNELS (and their threads) and the bot's own threads count; other channels and threads, bots
    and @everyone do not; the mention is removed."""
    me = _Author(100000000000000099, bot=True)
    assert question_in(_Message(content, author=author, channel=channel), me, frozenset({42})) == expected  # type: ignore[arg-type]


def test_discords_own_notices_are_not_questions() -> None:
    """ "X started a thread" (its content is the thread's name) in an ASK_CHANNELS channel is not a question; a reply is."""
    me = _Author(100000000000000099, bot=True)
    created = _Message("lunch plans", author=_Author(1), channel=_Channel(42), kind=discord.MessageType.thread_created)
    reply = _Message("Why?", author=_Author(1), channel=_Channel(42), kind=discord.MessageType.reply)
    assert question_in(created, me, frozenset({42})) is None  # type: ignore[arg-type]
    assert question_in(reply, me, frozenset({42})) == ("Why?", False)  # type: ignore[arg-type]


def test_help_names_every_command_and_follow_ups(bot: CiteBot) -> None:
    """/help names each command of the tree (the managers' too) and that a thread's follow-ups need no mention,
    as docs/discord.md lists them; it named neither the managers' commands nor follow-ups."""
    from bot.discord.format import format_help_discord

    text = format_help_discord("@citebot")
    for command in bot.tree.get_commands():
        if command.name != "help":
            assert f"`/{command.name}" in text, command.name
    assert "without mentioning me" in text

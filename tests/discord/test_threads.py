"""Threads without a client: names, which threads ask, and reading a thread's questions back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest

from bot.core.conversation import MAX_HISTORY, READ_BACK
from bot.core.mentions import Kind, Mention
from bot.discord.threads import earlier_questions, every_message_asks, thread_name

ME = 100000000000000099
ASK = 42


def test_a_thread_is_named_after_the_question_within_100_characters() -> None:
    """Short questions name the thread as asked (whitespace collapsed); long ones are cut at a word with "…"."""
    assert thread_name("  Why did   IBM quit?\n") == "Why did IBM quit?"
    long = "Why did IBM quit facial recognition " * 10
    name = thread_name(long)
    assert len(name) <= 100 and name.endswith("…") and long.startswith(name[:-1])


def test_a_thread_name_shows_mentions_by_name_and_no_markdown() -> None:
    """Mentions read as Discord shows them (an unknown one as @someone), a server's emoji as :name:, markdown is
    left out but a name's own underscores are kept; a question of markdown alone is named as typed."""
    names = {
        "<@123456789012345678>": Mention(Kind.PERSON, "ann_b"),
        "<@&223456789012345678>": Mention(Kind.ROLE, "mods"),
        "<#323456789012345678>": Mention(Kind.CHANNEL, "general"),
    }
    question = (
        "<@123456789012345678> **why** _did_ <@&223456789012345678> quit <#323456789012345678> <:i_b:42345678901234567>"
    )
    assert thread_name(question, names) == "@ann_b why did @mods quit #general :i_b:"
    assert thread_name(f"<@{ME}> **why** <@123456789012345678>?", names, ME) == "why @ann_b?"
    assert thread_name("<@!923456789012345678> and <#923456789012345678>?") == "@someone and #channel?"
    assert thread_name("**") == "**"


@dataclass
class Channel:
    id: int
    parent_id: int | None = None
    owner_id: int | None = None


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (Channel(ASK), True),  # an ASK_CHANNELS channel
        (Channel(7, parent_id=ASK, owner_id=1), True),  # anyone's thread under one
        (Channel(7, parent_id=8, owner_id=ME), True),  # a thread the bot started
        (Channel(7, parent_id=8, owner_id=1), False),  # someone else's thread elsewhere: mentions only
        (Channel(8), False),  # a plain channel
    ],
)
def test_every_message_asks_in_ask_channels_and_the_bots_own_threads(channel: Channel, expected: bool) -> None:
    """ASK_CHANNELS, threads under them and threads the bot started take every message as a question."""
    assert every_message_asks(channel, ME, frozenset({ASK})) is expected


@dataclass
class Author:
    bot: bool = False


@dataclass
class Reference:
    message_id: int | None
    resolved: Any = None


@dataclass
class Message:
    content: str
    author: Author = field(default_factory=Author)
    type: discord.MessageType = discord.MessageType.default
    reference: Reference | None = None
    mentions: list[Any] = field(default_factory=list)  # as Discord resolved them: none here
    role_mentions: list[Any] = field(default_factory=list)
    channel_mentions: list[Any] = field(default_factory=list)

    @property
    def raw_mentions(self) -> list[int]:
        return discord.Message.raw_mentions.function(self)  # type: ignore[attr-defined]


class Parent:
    """A text channel holding the message threads were started on."""

    def __init__(self, messages: dict[int, Message]) -> None:
        self.messages = messages
        self.fetched: list[int] = []

    async def fetch_message(self, message_id: int) -> Message:
        self.fetched.append(message_id)
        return self.messages[message_id]


class Thread:
    """A thread whose history is ``messages`` (oldest first), read newest first as Discord pages."""

    def __init__(self, messages: list[Message], parent: Parent | None = None, *, refuse: bool = False) -> None:
        self.id = 555
        self.messages = messages
        self.parent = parent
        self.refuse = refuse
        self.limits: list[int] = []

    async def history(self, *, limit: int, before: object) -> AsyncIterator[Message]:
        self.limits.append(limit)
        if self.refuse:
            raise discord.Forbidden(_Response(), "Missing Access")
        for message in list(reversed(self.messages))[:limit]:
            yield message


class _Response:
    status = 403
    reason = "Forbidden"


def starter(reference: Reference) -> Message:
    return Message("", Author(), discord.MessageType.thread_starter_message, reference)


async def read(thread: Thread, *, every_asks: bool = True) -> tuple[str, ...]:
    return await earlier_questions(thread, object(), ME, every_asks=every_asks)  # type: ignore[arg-type]


async def test_the_starter_message_comes_first_and_the_bots_answers_are_left_out() -> None:
    """The question the thread was started on (referred to by its first message) comes first, without the
    bot's mention; the bot's answers are not questions."""
    asked = Message(f"<@{ME}> Who is IBM's CEO?")
    thread = Thread([starter(Reference(1, asked)), Message("Arvind Krishna.", Author(bot=True))])
    thread.messages.append(Message("Since when?"))
    assert await read(thread) == ("Who is IBM's CEO?", "Since when?")
    assert thread.limits == [READ_BACK]


async def test_a_starter_discord_did_not_include_is_fetched_from_the_parent_channel() -> None:
    """When the thread's first message does not carry the starter, it is fetched once; a deleted one is skipped."""
    parent = Parent({1: Message("Who founded IBM?")})
    assert await read(Thread([starter(Reference(1)), Message("And when?")], parent)) == (
        "Who founded IBM?",
        "And when?",
    )
    assert parent.fetched == [1]
    deleted = starter(Reference(2, discord.DeletedReferencedMessage(_DeletedRef())))  # type: ignore[arg-type]
    assert await read(Thread([deleted, Message("And when?")], parent)) == ("And when?",)
    assert parent.fetched == [1]


class _DeletedRef:
    message_id = 2
    channel_id = 3
    guild_id = 4


async def test_outside_the_bots_threads_only_mentions_were_questions() -> None:
    """In a thread someone else started, chatter is not history; only the messages that mentioned the bot are."""
    thread = Thread([Message("lunch?"), Message(f"<@{ME}> What does IBM oppose?"), Message("ok")])
    assert await read(thread, every_asks=False) == ("What does IBM oppose?",)


async def test_only_the_newest_questions_are_kept_and_a_refused_read_means_no_history() -> None:
    """Of a long exchange the newest MAX_HISTORY questions are kept, oldest first; a thread Discord will not let
    the bot read is answered without history."""
    thread = Thread([Message(f"Question {i}?") for i in range(3 * READ_BACK)])
    kept = await read(thread)
    assert kept == tuple(f"Question {i}?" for i in range(3 * READ_BACK - MAX_HISTORY, 3 * READ_BACK))
    assert await read(Thread([Message("x")], refuse=True)) == ()

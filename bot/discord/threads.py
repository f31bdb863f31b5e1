"""Conversations in threads: which messages ask the bot, where the answer goes, and what came before.

- A question in a channel is answered in a new thread started on it, named after it
  (:func:`thread_name`, :func:`start_thread`), unless ``REPLY_IN_THREADS`` is false.
- In a thread the bot started (or one under an ``ASK_CHANNELS`` channel) every message is a
  question, a follow-up of the ones before (:func:`every_message_asks`); in any other thread
  only a mention is.
- A follow-up is asked with the thread's earlier questions, read back from Discord
  (:func:`earlier_questions`): the thread's last messages and its starter message, at most
  :data:`bot.core.conversation.READ_BACK` of them. Nothing of a conversation is stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import discord

from bot.core import wording
from bot.core.conversation import READ_BACK, Said, history_from
from bot.core.mentions import Kind, Mention, question_words, shown_as
from bot.discord.text import truncate

log = logging.getLogger(__name__)

MAX_THREAD_NAME = 100  # Discord's limit on a channel's name


def every_message_asks(channel: Any, me_id: int, ask_channels: frozenset[int]) -> bool:
    """Whether every message in ``channel`` is a question for the bot: an ``ASK_CHANNELS`` channel,
    a thread under one, or a thread the bot started (its answers' threads)."""
    if channel.id in ask_channels or getattr(channel, "parent_id", None) in ask_channels:
        return True
    return isinstance(getattr(channel, "parent_id", None), int) and getattr(channel, "owner_id", None) == me_id


def addressed(message: discord.Message, me_id: int) -> bool:
    """Whether ``message`` mentions the bot: in its words, or as a reply to one of the bot's messages that pings
    it (Discord's default for a reply), which Discord puts in the message's mentions and not in its words."""
    return me_id in message.raw_mentions or any(user.id == me_id for user in getattr(message, "mentions", ()))


# A mention of a person (<@id>, <@!id>), a role (<@&id>) or a channel (<#id>), or a server's emoji (<:name:id>).
_MARKUP = re.compile(r"<(@[!&]?|#)([0-9]{15,20})>|<a?:(\w{1,32}):[0-9]{15,20}>")
_KINDS = {"#": Kind.CHANNEL, "@&": Kind.ROLE}  # the rest are people


def mentions_in(message: discord.Message) -> dict[str, Mention]:
    """What each mention in ``message`` names, as Discord resolved it: a person by display name, a role, a channel."""
    known = {}
    for user in message.mentions:
        known[f"<@{user.id}>"] = known[f"<@!{user.id}>"] = Mention(Kind.PERSON, user.display_name)
    known.update({f"<@&{role.id}>": Mention(Kind.ROLE, role.name) for role in message.role_mentions})
    known.update({f"<#{channel.id}>": Mention(Kind.CHANNEL, channel.name) for channel in message.channel_mentions})
    return known


def _reader(known: dict[str, Mention], me_id: int | None) -> Callable[[re.Match[str]], Mention]:
    def read(match: re.Match[str]) -> Mention:
        if match[3]:
            return Mention(Kind.EMOJI, match[3])
        if match[1] in ("@", "@!") and int(match[2]) == me_id:
            return Mention(Kind.ME)
        return known.get(match[0]) or Mention(_KINDS.get(match[1], Kind.PERSON))

    return read


def question_of(message: discord.Message, me_id: int) -> str:
    """The words of the question ``message`` asks, as every front end gives them to the retriever
    (:func:`bot.core.mentions.question_words`): without the bot's own mention, other mentions by name."""
    return question_words(message.content, _MARKUP, _reader(mentions_in(message), me_id))


def readable(text: str, known: dict[str, Mention], me_id: int | None = None) -> str:
    """``text`` as Discord shows it, for a name that shows no markup: each mention as its name (from
    :func:`mentions_in`; ``@someone`` or ``#channel`` when unknown), a server's emoji as ``:name:``, the bot's own
    mention left out, no markdown."""
    read = _reader(known, me_id)
    out, start = [], 0
    for match in _MARKUP.finditer(text):
        out.append(discord.utils.remove_markdown(text[start : match.start()], ignore_links=True))
        out.append(shown_as(read(match)))
        start = match.end()
    out.append(discord.utils.remove_markdown(text[start:], ignore_links=True))
    return "".join(out)


def thread_name(text: str, known: dict[str, Mention] | None = None, me_id: int | None = None) -> str:
    """The name of the thread an answer starts: the question as people read it (:func:`readable`), within
    Discord's 100 characters."""
    for shown in (readable(text, known or {}, me_id), question_words(text, _MARKUP, _reader(known or {}, me_id))):
        if name := truncate(" ".join(shown.split()), MAX_THREAD_NAME):
            return name
    return "?"


async def start_thread(message: discord.Message, me_id: int) -> discord.Thread | None:
    """A new public thread on ``message``, named after the question it asks; None when Discord refuses
    (the Create Public Threads permission is missing, or the message already has a thread)."""
    try:
        return await message.create_thread(name=thread_name(message.content, mentions_in(message), me_id))
    except discord.HTTPException as error:
        log.warning("Could not start a thread in channel %s: %s %s", message.channel.id, error.status, error.code)
        return None


async def leave_unanswered(thread: discord.Thread) -> None:
    """Close the thread the bot has just started for an answer Discord then refused in it (the answer went to the
    channel): archived, and named after the question with where its answer is, so that nobody waits or asks on in
    an empty thread. Deleting it would take Manage Threads, which the bot does not ask for (it would let the bot
    delete anyone's thread); the thread's creator may rename and archive it without."""
    suffix = f" ({wording.ANSWERED_IN_CHANNEL})"
    name = truncate(thread.name, MAX_THREAD_NAME - len(suffix)) + suffix
    try:
        await thread.edit(name=name, archived=True)
    except discord.HTTPException as error:
        log.warning("Could not close the empty thread %s: %s %s", thread.id, error.status, error.code)


def said(message: discord.Message, me_id: int, *, every_asks: bool) -> Said | None:
    """One message of a thread as its history sees it: None when it was not a question for the bot
    (outside the bot's own threads only mentions are), by_bot for a bot's message (an answer)."""
    if message.author.bot:
        return Said(message.content, by_bot=True)
    if not (every_asks or addressed(message, me_id)):
        return None
    return Said(question_of(message, me_id), by_bot=False)


async def earlier_questions(
    thread: discord.Thread, before: discord.Message, me_id: int, *, every_asks: bool
) -> tuple[str, ...]:
    """The questions asked in ``thread`` before ``before``, oldest first (:func:`history_from`).

    Reads at most :data:`READ_BACK` messages, newest first, in one request. When that
    reaches the thread's start, the starter message (the question the thread was started
    on, in the parent channel) comes first: from the thread's first message when Discord
    included it there, else fetched. A thread Discord will not let the bot read is
    answered without its history.
    """
    try:
        messages = [m async for m in thread.history(limit=READ_BACK, before=before)]
    except discord.HTTPException as error:
        log.warning("Could not read back thread %s: %s %s", thread.id, error.status, error.code)
        return ()
    messages.reverse()
    if messages and messages[0].type is discord.MessageType.thread_starter_message:
        messages[0] = await _starter(thread, messages[0])  # type: ignore[assignment]
    kept = [s for m in messages if m is not None and (s := said(m, me_id, every_asks=every_asks)) is not None]
    return history_from(kept)


async def _starter(thread: discord.Thread, first: discord.Message) -> discord.Message | None:
    """The message a thread was started on: the one its first message refers to (None when deleted)."""
    reference = first.reference
    if reference is None or reference.message_id is None:
        return None
    if isinstance(reference.resolved, discord.DeletedReferencedMessage):
        return None
    if reference.resolved is not None:
        return reference.resolved
    fetch = getattr(thread.parent, "fetch_message", None)  # a text channel's; a forum holds no starter
    if fetch is None:
        return None
    try:
        return await fetch(reference.message_id)
    except discord.HTTPException as error:  # deleted since, or not readable
        log.debug("No starter message for thread %s: %s", thread.id, error.status)
        return None

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
from typing import Any

import discord

from bot.core import wording
from bot.core.conversation import READ_BACK, Said, history_from
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


def without_mentions_of(text: str, me_id: int) -> str:
    """``text`` without the bot's own mentions, its whitespace collapsed."""
    return " ".join(re.sub(rf"<@!?{me_id}>", " ", text).split())


# A mention of a person (<@id>, <@!id>), a role (<@&id>) or a channel (<#id>), or a server's emoji (<:name:id>).
_MARKUP = re.compile(r"<(@[!&]?|#)([0-9]{15,20})>|<a?:(\w{1,32}):[0-9]{15,20}>")


def names_in(message: discord.Message) -> dict[str, str]:
    """How Discord shows each mention in ``message``: ``<@id>`` as ``@name``, ``<@&id>`` as ``@role``, ``<#id>`` as ``#channel``."""
    names = {}
    for user in message.mentions:
        names[f"<@{user.id}>"] = names[f"<@!{user.id}>"] = f"@{user.display_name}"
    names.update({f"<@&{role.id}>": f"@{role.name}" for role in message.role_mentions})
    names.update({f"<#{channel.id}>": f"#{channel.name}" for channel in message.channel_mentions})
    return names


def readable(text: str, names: dict[str, str]) -> str:
    """``text`` as Discord shows it, for a name that shows no markup: each mention as its name (from
    :func:`names_in`; ``@someone`` or ``#channel`` when unknown), a server's emoji as ``:name:``, no markdown."""
    out, start = [], 0
    for match in _MARKUP.finditer(text):
        out.append(discord.utils.remove_markdown(text[start : match.start()], ignore_links=True))
        unknown = "#channel" if match[1] == "#" else "@someone"
        out.append(f":{match[3]}:" if match[3] else names.get(match[0], unknown))
        start = match.end()
    out.append(discord.utils.remove_markdown(text[start:], ignore_links=True))
    return "".join(out)


def thread_name(question: str, names: dict[str, str] | None = None) -> str:
    """The name of the thread an answer starts: the question as people read it (:func:`readable`), within
    Discord's 100 characters."""
    for text in (readable(question, names or {}), question):
        if name := truncate(" ".join(text.split()), MAX_THREAD_NAME):
            return name
    return "?"


async def start_thread(message: discord.Message, question: str) -> discord.Thread | None:
    """A new public thread on ``message``, named after the question; None when Discord refuses
    (the Create Public Threads permission is missing, or the message already has a thread)."""
    try:
        return await message.create_thread(name=thread_name(question, names_in(message)))
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
    return Said(without_mentions_of(message.content, me_id), by_bot=False)


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

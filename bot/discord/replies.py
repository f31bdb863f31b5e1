"""Conversations in replies: a reply to one of the bot's answers is asked with the questions up its chain.

Where answers are replies in the channel (``REPLY_IN_THREADS=false``, a channel where Discord
refuses the thread, a direct message), a person follows up by replying to the answer, pinging
the bot as Discord does by default. That reply is a question for the bot
(:func:`bot.discord.threads.addressed`), and, as a follow-up in a thread is asked with the
thread's questions, it is asked with the questions before it: the one the answer replied to,
and, when that question was itself a reply to an answer, the ones before, at most
:data:`~bot.core.conversation.MAX_HISTORY`. Nothing is stored: the chain is read back from
Discord (a reply arrives with the message it refers to; the rest is fetched, one message a
step, and a message Discord will not give ends the chain).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.core.conversation import MAX_HISTORY, Said, history_from
from bot.discord.threads import question_of

log = logging.getLogger(__name__)

CANNOT_REPLY = 160002  # Discord's code for a reply refused where the bot may not read the message history


async def send_reply(
    channel: discord.abc.Messageable, content: str, reference: discord.MessageReference, **extra: Any
) -> discord.Message:
    """``content`` as a reply to ``reference``; where Discord refuses the bot replies (Read Message History is
    missing in the channel), as a plain message there instead of none."""
    try:
        return await channel.send(content, reference=reference, **extra)
    except discord.HTTPException as error:
        if error.code != CANNOT_REPLY:
            raise
        log.warning("Could not reply in channel %s (no Read Message History): sent as a message", reference.channel_id)
        return await channel.send(content, **extra)


async def earlier_in_replies(message: discord.Message, me_id: int) -> tuple[str, ...]:
    """The questions before ``message`` up its chain of replies to the bot's answers, oldest first.

    Empty when ``message`` does not reply to one of the bot's messages.
    """
    questions: list[Said] = []
    current = message
    for _ in range(MAX_HISTORY):
        answer = await replied_to(current)
        if answer is None or answer.author.id != me_id:
            break
        question = await replied_to(answer)
        if question is None or question.author.bot:
            break
        questions.append(Said(question_of(question, me_id), by_bot=False))
        current = question
    return history_from(reversed(questions))


async def replied_to(message: discord.Message) -> discord.Message | None:
    """The message ``message`` replies to: the one Discord sent with it, else fetched; None when there is none,
    it was deleted, or Discord will not give it."""
    reference = message.reference
    if reference is None or reference.message_id is None:
        return None
    if isinstance(reference.resolved, discord.Message):
        return reference.resolved
    if isinstance(reference.resolved, discord.DeletedReferencedMessage):
        return None
    cached = reference.cached_message
    if cached is not None:
        return cached
    fetch = getattr(message.channel, "fetch_message", None)
    if fetch is None or reference.channel_id != message.channel.id:
        return None
    try:
        return await fetch(reference.message_id)
    except discord.HTTPException as error:  # deleted since, or not readable (Read Message History)
        log.debug("No earlier message for a reply in channel %s: %s", message.channel.id, error.status)
        return None

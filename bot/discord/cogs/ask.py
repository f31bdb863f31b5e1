"""Questions: a mention, any message in ``ASK_CHANNELS`` or in a thread the bot started, or ``/ask``.

A question asked in a channel is answered in a new thread started on it (unless
``REPLY_IN_THREADS`` is false: then in the channel, as a reply); one asked in a thread is
answered there, with the thread's earlier questions (:mod:`bot.discord.threads`). Every
path answers through the shared pipeline (:class:`bot.core.pipeline.Pipeline`), renders
with :mod:`bot.discord.format`, and puts the buttons of :mod:`bot.discord.buttons` under
an answer the question log holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import wording
from bot.core.channels import ChannelRule, default_rule
from bot.core.reply import Notice, NoticeKind, Reply
from bot.discord.buttons import answer_view
from bot.discord.cogs import asker_of, tell_privately
from bot.discord.format import format_answer_discord, format_mention_hint_discord, format_notice_discord
from bot.discord.replies import earlier_in_replies, send_reply
from bot.discord.threads import (
    addressed,
    earlier_questions,
    every_message_asks,
    leave_unanswered,
    question_of,
    start_thread,
)

if TYPE_CHECKING:
    from bot.discord.client import CiteBot

log = logging.getLogger(__name__)

MAX_QUESTION_OPTION = 1000  # the /ask option's bound, as MAX_QUESTION_CHARS' default; messages are cut by the retriever
WAIT_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"  # on a message over the rate limit, once told in words
_SAID = (discord.MessageType.default, discord.MessageType.reply)  # what people type; the rest are Discord's notices


def question_in(
    message: discord.Message, me: discord.ClientUser, ask_channels: frozenset[int]
) -> tuple[str, bool] | None:
    """The question a message asks the bot, and whether it mentions the bot; None when it is not for the bot.

    A message is for the bot when it mentions the bot (in its words, or as a reply to the bot that
    pings it), is a direct message, or is in a
    channel where every message asks (one of ``ask_channels``, a thread under one, or a
    thread the bot started). Bots, including this one, and Discord's own notices (a
    thread's creation, a pin...) are ignored. The question's words are
    :func:`~bot.discord.threads.question_of`'s: the bot's own mentions removed, other mentions by name.
    """
    if message.author.bot or message.author.id == me.id or message.webhook_id is not None:
        return None
    if message.type not in _SAID:  # e.g. "X started a thread" in an ASK_CHANNELS channel holds the thread's name
        return None
    mentioned = addressed(message, me.id)
    channel = message.channel
    asks = every_message_asks(channel, me.id, ask_channels)
    if not (mentioned or asks or isinstance(channel, discord.DMChannel)):
        return None
    return question_of(message, me.id), mentioned


# An answer sent within this many seconds is its own acknowledgement: "typing…" is shown only to
# an asker still waiting then (an index reload, a busy host). Under a second a reply does not
# interrupt the asker's flow, so it needs no sign of progress; answers take 13 ms at p50 and
# under 0.2 s at p99 with 20 questions in flight (docs/retrieval.md), so in normal running the
# indicator's request, one of the two HTTP requests of an inline answer, is not made at all.
TYPING_AFTER = 1.0


@contextlib.asynccontextmanager
async def typing_in(channel: discord.abc.Messageable, after: float = TYPING_AFTER) -> AsyncIterator[None]:
    """Show "typing..." if the body is still running ``after`` seconds in, best effort: a refused
    indicator never costs the answer, and one not yet sent when the body ends is never sent."""

    async def indicate() -> None:
        try:
            await asyncio.sleep(after)
            await channel.typing()
        except (discord.HTTPException, OSError) as error:
            log.debug("No typing indicator: %s", error)

    task = asyncio.create_task(indicate(), name="typing")
    try:
        yield
    finally:
        task.cancel()


class Ask(commands.Cog):
    """Answers questions with the passage that answers them, cited."""

    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    async def _rule(self, message: discord.Message) -> tuple[frozenset[int], ChannelRule | None]:
        """The channels where every message asks, as this message's channel's ``/config`` leaves them,
        and that rule (None in a direct message)."""
        ask_channels = self.bot.settings.ask_channels
        if message.guild is None:
            return ask_channels, None
        channel = message.channel
        key = getattr(channel, "parent_id", None) or channel.id  # a thread follows its channel
        rule = await self.bot.rules.rule(message.guild.id, key, default_rule(every_message=key in ask_channels))
        return (ask_channels | {key}) if rule.every_message else (ask_channels - {key}), rule

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        settings = self.bot.settings
        if me is None or message.author.bot:  # before the channel's rule is read: the bot hears its own answers
            return
        ask_channels, rule = await self._rule(message)
        found = None if rule is not None and rule.off else question_in(message, me, ask_channels)
        if found is None or me is None:
            return
        if not await self.bot.claims.first_time(f"message:{message.id}"):  # another process of this shard has it
            return
        question, mentioned = found
        reference = message.to_reference(fail_if_not_exists=False)
        if not question:
            if mentioned:
                await self._reply(message, format_mention_hint_discord(me.mention), reference)
            return
        channel = message.channel
        history: tuple[str, ...] = ()
        if isinstance(channel, discord.Thread):
            asks = every_message_asks(channel, me.id, ask_channels)
            history = await earlier_questions(channel, message, me.id, every_asks=asks)
        elif message.reference is not None:  # a reply to an answer: the questions up its chain of replies
            history = await earlier_in_replies(message, me.id)
        private = rule is not None and rule.private
        in_new_thread = settings.reply_in_threads and isinstance(channel, discord.TextChannel) and not private
        deliver = self._deliverer(message, me.id, in_new_thread=in_new_thread, private=private)
        async with typing_in(channel):
            await self.bot.pipeline.handle(
                asker_of(message), question, history, via="follow-up" if history else "message", deliver=deliver
            )

    def _deliverer(
        self, message: discord.Message, me_id: int, *, in_new_thread: bool, private: bool = False
    ) -> Callable[[Reply | Notice], Awaitable[None]]:
        """Sends a result: a notice as a reply; an answer, with its buttons, in a new thread started
        on the question when ``in_new_thread`` (in the channel when Discord refuses the thread or the answer
        in it), else as a reply;
        with ``private`` (the channel's ``/config``), in a direct message to the asker instead."""
        reference = message.to_reference(fail_if_not_exists=False)
        if private:
            return self._privately(message, reference)

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice):
                if result.kind is NoticeKind.RATE_LIMITED and result.repeated:
                    await message.add_reaction(WAIT_REACTION)  # told once this window: no more words
                    return
                await send_reply(message.channel, format_notice_discord(result), reference)
                return
            content, view = format_answer_discord(result), answer_view(result)
            extra: dict[str, Any] = {"view": view} if view is not None else {}
            thread = await start_thread(message, me_id) if in_new_thread else None
            if thread is not None:
                try:
                    await thread.send(content, **extra)
                    return
                except discord.HTTPException as error:  # e.g. Send Messages in Threads is missing
                    log.warning("Could not answer in thread %s: %s %s", thread.id, error.status, error.code)
            await send_reply(message.channel, content, reference, **extra)
            if thread is not None:  # the thread was refused the answer: it stays empty, closed, saying why
                await leave_unanswered(thread)

        return deliver

    def _privately(
        self, message: discord.Message, reference: discord.MessageReference
    ) -> Callable[[Reply | Notice], Awaitable[None]]:
        """Sends a result to the asker alone: a direct message; when their direct messages are closed, a
        short reply in the channel that says so (the answer is not shown there)."""

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice):
                content, extra = format_notice_discord(result), {}
            else:
                content, view = format_answer_discord(result), answer_view(result)
                extra = {"view": view} if view is not None else {}
            try:
                await message.author.send(content, **extra)
            except discord.Forbidden:
                await send_reply(message.channel, wording.DM_CLOSED, reference)

        return deliver

    async def _private_here(self, interaction: discord.Interaction) -> bool:
        """Whether answers are private by default where the command was used (the channel's ``/config``)."""
        if interaction.guild_id is None or interaction.channel_id is None:
            return False
        key = getattr(interaction.channel, "parent_id", None) or interaction.channel_id
        rule = await self.bot.rules.rule(interaction.guild_id, key, default_rule(every_message=False))
        return rule.private

    async def _reply(self, message: discord.Message, content: str, reference: discord.MessageReference) -> None:
        try:
            await send_reply(message.channel, content, reference)
        except discord.HTTPException as error:
            log.warning("Could not reply in channel %s: %s %s", message.channel.id, error.status, error.code)

    @app_commands.command()
    @app_commands.describe(
        question="What you want to know about the articles",
        private="Show the answer only to you (default: as the channel is set, usually no)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_OPTION],
        private: bool | None = None,
    ) -> None:
        """Ask about the articles: the answer quotes the passage and cites it."""
        if private is None:
            private = await self._private_here(interaction)

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice):
                await tell_privately(interaction, result.text)
                return
            view = answer_view(result, share=private)  # a private answer can be shared in the channel
            extra: dict[str, Any] = {"view": view} if view is not None else {}
            await interaction.followup.send(format_answer_discord(result), ephemeral=private, **extra)

        await self.bot.pipeline.handle(
            asker_of(interaction),
            question,
            via="/ask",
            accepted=lambda: interaction.response.defer(ephemeral=private, thinking=True),
            deliver=deliver,
        )


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(Ask(bot))

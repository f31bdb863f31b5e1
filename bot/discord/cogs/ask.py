"""Questions: a mention, any message in ``ASK_CHANNELS``, or ``/ask``.

Every path answers through the shared pipeline (:class:`bot.core.pipeline.Pipeline`)
and renders with :mod:`bot.discord.format`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import wording
from bot.core.reply import Notice, NoticeKind, Reply
from bot.discord.cogs import asker_of, tell_privately
from bot.discord.format import format_answer_discord, format_notice_discord
from bot.discord.text import escape_user_text

if TYPE_CHECKING:
    from bot.discord.client import CiteBot

log = logging.getLogger(__name__)

MAX_QUESTION_OPTION = 1000  # the /ask option's bound, as MAX_QUESTION_CHARS' default; messages are cut by the retriever
WAIT_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"  # on a message over the rate limit, once told in words


def question_in(
    message: discord.Message, me: discord.ClientUser, ask_channels: frozenset[int]
) -> tuple[str, bool] | None:
    """The question a message asks the bot, and whether it mentions the bot; None when it is not for the bot.

    A message is for the bot when it mentions the bot, is a direct message, or is in
    one of ``ask_channels`` (a thread counts as its parent channel). Bots, including
    this one, are ignored. The bot's own mentions are removed from the question.
    """
    if message.author.bot or message.author.id == me.id or message.webhook_id is not None:
        return None
    mentioned = me.id in message.raw_mentions
    channel = message.channel
    in_ask_channel = channel.id in ask_channels or getattr(channel, "parent_id", None) in ask_channels
    if not (mentioned or in_ask_channel or isinstance(channel, discord.DMChannel)):
        return None
    text = re.sub(rf"<@!?{me.id}>", " ", message.content)
    return " ".join(text.split()), mentioned


@contextlib.asynccontextmanager
async def typing_in(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """Show "typing..." while the body runs, best effort: a refused indicator never costs the answer."""

    async def indicate() -> None:
        try:
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

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        found = question_in(message, me, self.bot.settings.ask_channels) if me else None
        if found is None:
            return
        question, mentioned = found
        reference = message.to_reference(fail_if_not_exists=False)
        if not question:
            if mentioned and me is not None:
                await self._reply(message, escape_user_text(wording.mention_hint(me.mention)), reference)
            return

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice) and result.kind is NoticeKind.RATE_LIMITED and result.repeated:
                await message.add_reaction(WAIT_REACTION)  # told once this window: no more words
                return
            content = format_notice_discord(result) if isinstance(result, Notice) else format_answer_discord(result)
            await message.channel.send(content, reference=reference)

        async with typing_in(message.channel):
            await self.bot.pipeline.handle(asker_of(message), question, deliver=deliver)

    async def _reply(self, message: discord.Message, content: str, reference: discord.MessageReference) -> None:
        try:
            await message.channel.send(content, reference=reference)
        except discord.HTTPException as error:
            log.warning("Could not reply in channel %s: %s %s", message.channel.id, error.status, error.code)

    @app_commands.command()
    @app_commands.describe(
        question="What you want to know about the articles",
        private="Show the answer only to you (default: no)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_OPTION],
        private: bool = False,
    ) -> None:
        """Ask about the articles: the answer quotes the passage and cites it."""

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice):
                await tell_privately(interaction, result.text)
            else:
                await interaction.followup.send(format_answer_discord(result), ephemeral=private)

        await self.bot.pipeline.handle(
            asker_of(interaction),
            question,
            via="/ask",
            accepted=lambda: interaction.response.defer(ephemeral=private, thinking=True),
            deliver=deliver,
        )


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(Ask(bot))

"""Questions: a mention, any message in ``ASK_CHANNELS``, or ``/ask``.

Every path answers through the shared :class:`bot.service.AnswerService` (off the
event loop, batched) and renders with :func:`bot.discord_format.format_answer_discord`.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import log_question, refuse_if_limited
from bot.discord_format import describe_error, format_answer_discord, format_mention_hint, format_rate_limited
from bot.reply import reply_for_answer
from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.discord_bot import CiteBot
    from index.types import Answer

log = logging.getLogger(__name__)

MAX_QUESTION_OPTION = 1000  # the /ask option's bound, as MAX_QUESTION_CHARS' default; messages are cut by the retriever


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
            if mentioned:
                await self._send(message, format_mention_hint(me.mention), reference)
            return
        wait = self.bot.limiter.hit(message.author.id)
        if wait:
            log.info(
                "Rate limited: guild=%s channel=%s retry_after=%.1fs",
                message.guild and message.guild.id,
                message.channel.id,
                wait,
            )
            await self._send(message, format_rate_limited(wait), reference)
            return
        started = time.perf_counter()
        answer: Answer | None = None
        try:
            async with message.channel.typing():
                answer = await self.bot.service.ask(question)
            content = format_answer_discord(reply_for_answer(answer))
        except Exception as error:
            if isinstance(error, CitebotError):
                log.info("Question failed: %s", type(error).__name__)
            else:
                log.exception("Question failed unexpectedly")
            content = describe_error(error)
        await self._send(message, content, reference)
        log_question("message", message.guild and message.guild.id, message.channel.id, started, answer)

    async def _send(self, message: discord.Message, content: str, reference: discord.MessageReference) -> None:
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
        if await refuse_if_limited(self.bot, interaction):
            return
        started = time.perf_counter()
        await interaction.response.defer(ephemeral=private, thinking=True)
        answer = await self.bot.service.ask(question)
        await interaction.followup.send(format_answer_discord(reply_for_answer(answer)), ephemeral=private)
        log_question("/ask", interaction.guild_id, interaction.channel_id, started, answer)


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(Ask(bot))

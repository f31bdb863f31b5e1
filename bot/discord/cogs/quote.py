"""``/quote topic``: verbatim quotations from the articles, with speaker and citation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.reply import Notice, QuoteReply
from bot.discord.cogs import asker_of, tell_privately
from bot.discord.format import format_quotes_discord

if TYPE_CHECKING:
    from bot.discord.client import CiteBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
MAX_CHOICE_CHARS = 100  # and each name and value is at most 100 characters


def topic_choices(topics: list[str]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices for topics: at most 25, each cut to Discord's 100 characters."""
    return [app_commands.Choice(name=t[:MAX_CHOICE_CHARS], value=t[:MAX_CHOICE_CHARS]) for t in topics if t.strip()][
        :MAX_CHOICES
    ]


class Quote(commands.Cog):
    """Finds who said what in the articles."""

    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    @app_commands.command()
    @app_commands.describe(topic="What the quotations should be about, e.g. racial profiling")
    async def quote(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 200]) -> None:
        """Verbatim quotations from the articles on a topic, with who said them."""

        async def deliver(result: QuoteReply | Notice) -> None:
            if isinstance(result, Notice):
                await tell_privately(interaction, result.text)
                return
            for content in format_quotes_discord(result):
                await interaction.followup.send(content)

        await self.bot.pipeline.quote(
            asker_of(interaction),
            topic,
            accepted=lambda: interaction.response.defer(thinking=True),
            deliver=deliver,
        )

    @quote.autocomplete("topic")
    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not current.strip():
            return []
        return topic_choices(await self.bot.service.quote_topics(current, MAX_CHOICES))


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(Quote(bot))

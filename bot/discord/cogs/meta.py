"""``/sources`` (what the index holds: each source with its link and when it was added) and ``/help``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.format import format_help_discord, format_sources_discord

if TYPE_CHECKING:
    from bot.core.library import SourceInfo
    from bot.discord.client import CiteBot

log = logging.getLogger(__name__)


class Meta(commands.Cog):
    """About the bot and what it has read."""

    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    @app_commands.command()
    async def sources(self, interaction: discord.Interaction) -> None:
        """The articles I answer from, with their links and when each was added; model and index age."""
        listed: list[SourceInfo] | None = None
        if self.bot.admin is not None:
            try:
                listed = await self.bot.admin.sources()
            except Exception as error:  # the index's own summary still answers
                log.warning("Could not list the sources: %s", type(error).__name__)
        await interaction.response.send_message(embed=format_sources_discord(self.bot.service.info, listed=listed))

    @app_commands.command(name="help")
    async def help_command(self, interaction: discord.Interaction) -> None:
        """How to ask me questions."""
        mention = self.bot.user.mention if self.bot.user else "@citebot"
        await interaction.response.send_message(format_help_discord(mention), ephemeral=True)


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(Meta(bot))

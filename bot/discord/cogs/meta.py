"""``/sources`` (what the index holds) and ``/help``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.format import format_help_discord, format_sources_discord

if TYPE_CHECKING:
    from bot.discord.client import CiteBot


class Meta(commands.Cog):
    """About the bot and what it has read."""

    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    @app_commands.command()
    async def sources(self, interaction: discord.Interaction) -> None:
        """The articles I answer from: documents, paragraphs, chunks, model and index age."""
        await interaction.response.send_message(embed=format_sources_discord(self.bot.service.info))

    @app_commands.command(name="help")
    async def help_command(self, interaction: discord.Interaction) -> None:
        """How to ask me questions."""
        mention = self.bot.user.mention if self.bot.user else "@citebot"
        await interaction.response.send_message(format_help_discord(mention), ephemeral=True)


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(Meta(bot))

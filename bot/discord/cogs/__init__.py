"""The Discord bot's features, one cog per module, loaded by ``CiteBot.setup_hook``.

Also what every cog shares: who is asking (:func:`asker_of`) and how a notice is
told to the person who used a slash command (:func:`tell_privately`).
"""

from __future__ import annotations

import logging

import discord

from bot.core.asker import Asker
from bot.discord.text import MAX_CONTENT, truncate

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.discord.cogs.ask", "bot.discord.cogs.quote", "bot.discord.cogs.meta", "bot.discord.cogs.admin")


def asker_of(source: discord.Interaction | discord.Message) -> Asker:
    """The pipeline's asker for an interaction or a message (Discord user ids are global)."""
    user = source.user if isinstance(source, discord.Interaction) else source.author
    guild = source.guild_id if isinstance(source, discord.Interaction) else (source.guild and source.guild.id)
    channel = source.channel_id if isinstance(source, discord.Interaction) else source.channel.id
    return Asker("discord", str(user.id), str(guild) if guild else None, str(channel) if channel else None)


async def tell_privately(interaction: discord.Interaction, content: str) -> None:
    """An ephemeral message to the person who used the command, whether or not it was deferred."""
    content = truncate(content, MAX_CONTENT)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True)
    else:
        await interaction.response.send_message(content, ephemeral=True)

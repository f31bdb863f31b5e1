"""The Discord bot's features, one cog per module, loaded by ``CiteBot.setup_hook``.

Also the few helpers every cog uses: the per-user rate limit on interactions and
the one log line per question.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord

from bot.discord_format import format_rate_limited

if TYPE_CHECKING:
    from bot.discord_bot import CiteBot
    from index.types import Answer

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.ask", "bot.cogs.quote", "bot.cogs.meta")


async def refuse_if_limited(bot: CiteBot, interaction: discord.Interaction) -> bool:
    """Answer a user over the rate limit with an ephemeral notice; True when refused.

    Counts the question otherwise, so call it once per question, before deferring.
    """
    wait = bot.limiter.hit(interaction.user.id)
    if not wait:
        return False
    log.info("Rate limited: guild=%s channel=%s retry_after=%.1fs", interaction.guild_id, interaction.channel_id, wait)
    await interaction.response.send_message(format_rate_limited(wait), ephemeral=True)
    return True


def log_question(
    kind: str, guild_id: int | None, channel_id: int | None, started: float, answer: Answer | None
) -> None:
    """The one INFO line per question: where, how long, abstained or failed (never its text)."""
    outcome = "error" if answer is None else ("abstained" if answer.abstained else "answered")
    log.info(
        "Question via %s: guild=%s channel=%s latency=%.0fms %s",
        kind,
        guild_id,
        channel_id,
        1000 * (time.perf_counter() - started),
        outcome,
    )

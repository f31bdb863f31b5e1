"""How the outcome of a manager's ``/source add`` or ``/source remove`` reaches them, however long it waited.

A change waits for any other under way (this process's, or another's build, which can take many minutes):
the manager is told at once, privately, that theirs is queued. Its outcome is then told the first of these
ways that works (:func:`bot.core.admin.tell_change`, which holds the rule for a way that fails):

1. privately, as the command's follow-up, while the interaction's token lasts (15 minutes);
2. in the channel the command was used in, naming the manager, who is not pinged: the client's
   ``allowed_mentions`` is none. A direct message first would reach nobody whose direct messages are closed,
   and the queued notice has said where to look;
3. by direct message, without the mention, where the bot may not post in that channel (no Send Messages:
   slash commands work without it). If that is refused too (DMs closed), it is only in the bot's log.

A way Discord refused (a 4xx: the token expired, 401 Invalid Webhook Token 50027 or 404 Unknown Webhook
10015; 403 Missing Permissions) posted nothing, and the next tells the outcome as usual. A way that failed
otherwise (a 5xx, a timeout, a connection dropped once the request was sent) may have posted it: the next
still tells it, saying that it may repeat.

No request here can hang: discord.py sets no timeout of its own, so its session has aiohttp's default
(5 minutes for a request, 30 seconds to connect); it retries a 5xx up to 5 times, a few seconds apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.core import wording
from bot.core.admin import tell_change
from bot.discord.cogs import tell_privately
from bot.discord.text import MAX_CONTENT, escape_user_text, truncate

if TYPE_CHECKING:
    from bot.core.admin import Done, Tell, Waiting

__all__ = ["answered", "tell_done", "tell_outcome"]


def answered(error: BaseException) -> int | None:
    """The status Discord answered a failed request with (below 500: refused, nothing was posted); None when it
    did not answer (a timeout, a dropped connection) or the error is not Discord's."""
    return error.status if isinstance(error, discord.HTTPException) else None


async def tell_done(interaction: discord.Interaction, done: Done) -> None:
    """An admin command's outcome, privately, as the command's answer."""
    await tell_privately(interaction, escape_user_text(done.text))


async def tell_outcome(
    interaction: discord.Interaction, command: str, change: Callable[[Waiting], Awaitable[Done]]
) -> None:
    """Make a source change (the interaction deferred already) and tell the manager how it went: at once
    that it is queued when it must wait, then its outcome the first way that works (above)."""

    async def queued() -> None:
        await tell_privately(interaction, wording.CHANGE_QUEUED)

    async def privately(done: Done, unsure: bool) -> None:  # the first way: nothing told before it
        await tell_done(interaction, done)

    def late_text(done: Done, unsure: bool, who: str | None) -> str:
        text = wording.change_told_late(who, command, escape_user_text(done.text), unsure=unsure)
        return truncate(text, MAX_CONTENT)

    async def in_channel(done: Done, unsure: bool) -> None:
        assert interaction.channel_id is not None  # a way only where the command has a channel
        channel = interaction.client.get_partial_messageable(interaction.channel_id, guild_id=interaction.guild_id)
        await channel.send(late_text(done, unsure, interaction.user.mention))

    async def by_direct_message(done: Done, unsure: bool) -> None:
        await interaction.user.send(late_text(done, unsure, None))

    ways: list[Tell] = [privately, *([in_channel] if interaction.channel_id is not None else []), by_direct_message]
    await tell_change(change, queued=queued, ways=ways, status=answered)

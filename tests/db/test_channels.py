"""Per-channel configuration, keyed by platform, guild or team, and channel."""

from __future__ import annotations

from bot.db import ChannelMode, Database
from tests.db.conftest import FakeClock


async def test_an_unset_channel_has_no_config(db: Database) -> None:
    """A channel no admin configured reads as None (the bot's settings apply)."""
    assert await db.channels.get("discord", 1, 2) is None


async def test_set_then_replace(db: Database, clock: FakeClock) -> None:
    """Setting twice keeps the latest values and time."""
    first = await db.channels.set("discord", 1, 2, mode=ChannelMode.EVERY_MESSAGE, private=False)
    clock.advance(minutes=5)
    await db.channels.set("discord", 1, 2, mode=ChannelMode.OFF, private=True)
    got = await db.channels.get("discord", 1, 2)
    assert got is not None
    assert (got.mode, got.private, got.updated_at) == (ChannelMode.OFF, True, clock.now)
    assert first.mode is ChannelMode.EVERY_MESSAGE
    assert len(await db.channels.for_guild("discord", 1)) == 1


async def test_keys_do_not_leak_across_platforms_guilds_or_channels(db: Database) -> None:
    """The same ids on another platform, guild or channel are separate rows."""
    await db.channels.set("discord", 1, 2, mode=ChannelMode.MENTION, private=True)
    await db.channels.set("slack", "1", "2", mode=ChannelMode.EVERY_MESSAGE, private=False)
    await db.channels.set("discord", 1, 3, mode=ChannelMode.OFF, private=False)
    await db.channels.set("discord", 9, 2, mode=ChannelMode.OFF, private=False)
    discord, slack = await db.channels.get("discord", "1", "2"), await db.channels.get("slack", 1, 2)
    assert discord is not None and discord.mode is ChannelMode.MENTION
    assert slack is not None and slack.mode is ChannelMode.EVERY_MESSAGE
    assert [c.channel for c in await db.channels.for_guild("discord", 1)] == ["2", "3"]
    assert [c.channel for c in await db.channels.for_guild("slack", "1")] == ["2"]


async def test_reset_forgets_a_channel(db: Database) -> None:
    """After a reset the channel follows the settings again; resetting twice reports nothing to do."""
    await db.channels.set("slack", "T1", "C1", mode=ChannelMode.OFF, private=True)
    assert await db.channels.reset("slack", "T1", "C1")
    assert not await db.channels.reset("slack", "T1", "C1")
    assert await db.channels.get("slack", "T1", "C1") is None


async def test_a_dm_has_no_guild(db: Database, db2: Database) -> None:
    """A config without a guild is stored and seen by another process."""
    await db.channels.set("discord", None, 55, mode=ChannelMode.EVERY_MESSAGE, private=True)
    got = await db2.channels.get("discord", None, 55)
    assert got is not None and got.guild == "" and got.private is True

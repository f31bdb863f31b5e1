"""Per-channel configuration, keyed by platform, guild or team, and channel."""

from __future__ import annotations

import pytest

from bot.db import ChannelMode, Database, channels
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


async def test_a_change_here_is_read_at_once_and_another_process_s_after_the_read_expires(
    db: Database, db2: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows read are kept briefly (every message reads one): this process's set and reset replace them
    at once; another process's change shows once the kept read expires."""
    assert await db.channels.get("discord", 1, 2) is None  # read, and kept
    await db.channels.set("discord", 1, 2, mode=ChannelMode.OFF, private=False)
    got = await db.channels.get("discord", 1, 2)
    assert got is not None and got.mode is ChannelMode.OFF
    await db2.channels.set("discord", 1, 2, mode=ChannelMode.MENTION, private=True)
    kept = await db.channels.get("discord", 1, 2)
    assert kept is not None and kept.mode is ChannelMode.OFF  # within READ_KEPT_SECONDS
    monkeypatch.setattr(channels, "READ_KEPT_SECONDS", 0.0)
    db.channels._read.clear()  # as if READ_KEPT_SECONDS had passed
    fresh = await db.channels.get("discord", 1, 2)
    assert fresh is not None and fresh.mode is ChannelMode.MENTION
    await db.channels.reset("discord", 1, 2)
    assert await db.channels.get("discord", 1, 2) is None

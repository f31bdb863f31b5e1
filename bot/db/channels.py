"""Per-channel behaviour that admins set with ``/config``: when to answer, and privately or not.

A channel with no row follows the bot's settings (``ASK_CHANNELS``,
``SLACK_ASK_EPHEMERAL``); :meth:`ChannelConfigs.get` returns None for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import upsert_insert
from bot.db.schema import ChannelMode, channel_config
from bot.db.waits import bounded

__all__ = ["ChannelConfigs", "ChannelSettings"]

log = logging.getLogger(__name__)

# How long a channel's row, once read, answers for it (another process's /config shows after at
# most this), and how many channels' rows are kept.
READ_KEPT_SECONDS = 2.0
READ_KEPT_MAX = 10_000


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """One channel's configuration."""

    platform: str
    guild: str
    channel: str
    mode: ChannelMode
    private: bool  # answers visible only to the asker by default
    updated_at: datetime


def _id(value: str | int | None) -> str:
    return "" if value is None else str(value)


class ChannelConfigs:
    """Reads and writes per-channel configuration, keyed by platform, guild or team, and channel.

    Args:
        engine: The database's engine.
        clock: Returns the current time (aware, UTC).
    """

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock
        # Every message reads its channel's row: what was read is kept briefly, and this process's
        # own changes replace it at once (another process's show within READ_KEPT_SECONDS).
        self._read: dict[tuple[str, str, str], tuple[float, ChannelSettings | None]] = {}

    def _key(self, platform: str, guild: str | int | None, channel: str | int) -> Any:
        c = channel_config.c
        return (c.platform == platform) & (c.guild == _id(guild)) & (c.channel == _id(channel))

    @bounded
    async def get(self, platform: str, guild: str | int | None, channel: str | int) -> ChannelSettings | None:
        """The channel's configuration, or None when an admin never set one."""
        key = (platform, _id(guild), _id(channel))
        now = time.monotonic()
        kept = self._read.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(channel_config).where(self._key(platform, guild, channel)))).first()
        found = None if row is None else _settings(row._mapping)
        if len(self._read) >= READ_KEPT_MAX:
            self._read.clear()
        self._read[key] = (now + READ_KEPT_SECONDS, found)
        return found

    async def set(
        self, platform: str, guild: str | int | None, channel: str | int, *, mode: ChannelMode, private: bool
    ) -> ChannelSettings:
        """Set (create or replace) the channel's configuration and return it.

        Args:
            platform: ``discord`` or ``slack``.
            guild: The Discord guild or Slack team; None for none.
            channel: The channel id.
            mode: Off, mention-only, or every message.
            private: Whether answers are visible only to the asker by default.
        """
        row = {
            "platform": platform,
            "guild": _id(guild),
            "channel": _id(channel),
            "mode": ChannelMode(mode).value,
            "private": private,
            "updated_at": self._clock(),
        }
        async with self._engine.begin() as conn:
            stmt = upsert_insert(conn, channel_config).values(row)
            stmt = stmt.on_conflict_do_update(
                index_elements=list(channel_config.primary_key.columns),
                set_={
                    "mode": stmt.excluded.mode,
                    "private": stmt.excluded.private,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
            await conn.execute(stmt)
        self._read.pop((platform, row["guild"], row["channel"]), None)
        return _settings(row)

    async def reset(self, platform: str, guild: str | int | None, channel: str | int) -> bool:
        """Forget the channel's configuration (it follows the settings again). False when there was none."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(channel_config).where(self._key(platform, guild, channel)))
        self._read.pop((platform, _id(guild), _id(channel)), None)
        return result.rowcount == 1

    async def for_guild(self, platform: str, guild: str | int | None) -> list[ChannelSettings]:
        """Every configured channel of one guild or team, by channel id."""
        c = channel_config.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(channel_config).where(c.platform == platform, c.guild == _id(guild)).order_by(c.channel)
            )
            return [_settings(row._mapping) for row in rows]


def _settings(row: Mapping[str, Any]) -> ChannelSettings:
    return ChannelSettings(
        platform=row["platform"],
        guild=row["guild"],
        channel=row["channel"],
        mode=ChannelMode(row["mode"]),
        private=bool(row["private"]),
        updated_at=row["updated_at"],
    )

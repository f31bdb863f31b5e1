"""Sharding: which of the bot's shards this process runs, whether each is connected, and once-only claims.

Discord splits a bot's guilds into shards (guild ``g`` is on shard ``(g >> 22) % SHARD_COUNT``);
each shard is one gateway session. discord.py's :class:`~discord.AutoShardedClient` runs
several in one process, and several processes split them (``SHARD_COUNT`` and
``SHARD_IDS``: :func:`shard_options`). Discord itself sends each guild's events to one
shard only, so processes never share a guild's events, except when two sessions of one
shard run at once (two processes given the same ``SHARD_IDS``, or an old process still
draining beside its replacement). :class:`Claims` covers that: with a shared database
(PostgreSQL) a question is answered by whichever process claims its message id first.

:class:`ShardHealth` follows each shard's connection for the health file: the client
writes :meth:`ShardHealth.report` into ``HEALTH_FILE`` and ``python -m bot health``
(bot/core/health.py) names any shard that is down.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.settings import Settings
    from bot.db import EventDedup

log = logging.getLogger(__name__)


def shard_options(settings: Settings) -> dict[str, Any]:
    """The client's sharding keyword arguments: none (Discord's recommended count, every shard
    here), ``shard_count`` alone (every shard here), or both (these shards of that many)."""
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids is not None:
        options["shard_ids"] = list(settings.shard_ids)
    return options


def runs_shard_zero(shard_ids: Iterable[int] | None) -> bool:
    """Whether this process runs shard 0 (None: it runs every shard), the one that syncs the slash commands.

    Commands belong to the application, not to a shard: syncing them from every process would
    only repeat the same request, and count against the same rate limit.
    """
    return shard_ids is None or 0 in shard_ids


@dataclass
class ShardState:
    """One shard's connection: up or down, since when (epoch seconds)."""

    connected: bool
    since: float


class ShardHealth:
    """The connection of each shard this process runs.

    Args:
        clock: Returns the time in epoch seconds (written to the health file); defaults to ``time.time``.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.count: int | None = None
        self.expected: tuple[int, ...] = ()
        self.states: dict[int, ShardState] = {}

    def expect(self, shard_ids: Iterable[int], count: int) -> None:
        """The shards this process runs, once the client knows them (after asking Discord for the count)."""
        self.expected, self.count = tuple(shard_ids), count

    @property
    def started(self) -> bool:
        """Whether any shard has connected yet (before that there is no health file at all)."""
        return bool(self.states)

    def up(self, shard_id: int) -> None:
        self.states[shard_id] = ShardState(True, self._clock())

    def down(self, shard_id: int) -> None:
        if self.states.get(shard_id, ShardState(False, 0)).connected:
            log.warning("Shard %d disconnected", shard_id)
            self.states[shard_id] = ShardState(False, self._clock())

    def disconnected(self) -> list[int]:
        """The shards this process runs that are not connected now, in order."""
        return [s for s in self.expected if not self.states.get(s, ShardState(False, 0)).connected]

    def report(self, latencies: dict[int, float]) -> str:
        """The health file's content: one JSON object naming every shard, connected or not, with its latency.

        Args:
            latencies: Seconds between a heartbeat and its acknowledgement, by shard (discord.py's).
        """
        shards = {}
        for shard_id in self.expected:
            state = self.states.get(shard_id)
            latency = latencies.get(shard_id)
            shards[str(shard_id)] = {
                "connected": bool(state and state.connected),
                "since": state.since if state else None,
                "latency_ms": round(1000 * latency, 1) if latency is not None and math.isfinite(latency) else None,
            }
        return json.dumps({"shard_count": self.count, "shards": shards}, sort_keys=True)


class Claims:
    """Once-only claims of a message or an interaction, across the processes of one installation.

    These claims have no lease (Slack's have, bot/slack/once.py): a lease lets a *later delivery*
    take over from a claimer that died, and Discord makes none. It sends a message once to each
    session of its shard, two overlapping sessions within moments of each other, and never again
    (a resumed session is sent what it missed, a new one nothing from before). So a Discord claim is at
    most once: the process that claimed a message and died before answering loses it, as it loses
    every question it had started, and its twin session has dropped it already.

    Args:
        events: The shared database's event store; None when this process's database is its own
            (SQLite): then nothing is shared to claim from, and Discord's routing is the guarantee.
    """

    def __init__(self, events: EventDedup | None = None) -> None:
        self.events = events

    async def first_time(self, key: str) -> bool:
        """True for the one process that claims ``key`` (e.g. ``message:<id>``) first; always True without a database."""
        if self.events is None:
            return True
        try:
            return await self.events.first_time("discord", key)
        except Exception as error:  # answering twice beats not answering at all
            log.warning("Could not claim a Discord %s in the database: %s", key.partition(":")[0], type(error).__name__)
            return True

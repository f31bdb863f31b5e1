"""Event de-duplication: a retried event is handled once, whichever replica receives it.

Slack sends an event again when it saw no answer within 3 s, and behind a load balancer
the retry may reach another process. Each process asks :meth:`EventDedup.first_time`
before handling; the primary key on (platform, event id) makes exactly one of them win,
with ``INSERT ... ON CONFLICT DO NOTHING``. Ids are kept a day (Slack retries within
minutes), then :meth:`EventDedup.prune` drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import upsert_insert
from bot.db.schema import seen_events
from bot.db.waits import bounded

__all__ = ["EventDedup"]

log = logging.getLogger(__name__)


class EventDedup:
    """Remembers which events some process already took.

    Args:
        engine: The database's engine.
        clock: Returns the current time (aware, UTC).
    """

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    @bounded
    async def first_time(self, platform: str, event_id: str) -> bool:
        """True exactly once per (platform, event id), across every process of the installation.

        Args:
            platform: ``slack`` or ``discord``.
            event_id: The platform's id of the event (Slack's ``event_id``), at most 128 characters.
        """
        async with self._engine.begin() as conn:
            stmt = (
                upsert_insert(conn, seen_events)
                .values(platform=platform, event_id=event_id, seen_at=self._clock())
                .on_conflict_do_nothing(index_elements=[seen_events.c.platform, seen_events.c.event_id])
                # A row comes back only when this insert made it; portable, where
                # rowcount after ON CONFLICT is not reported the same by every driver.
                .returning(seen_events.c.event_id)
            )
            return (await conn.execute(stmt)).first() is not None

    async def prune(self, older_than: datetime) -> int:
        """Forget the events first seen before ``older_than``; returns how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(seen_events).where(seen_events.c.seen_at < older_than))
        return result.rowcount

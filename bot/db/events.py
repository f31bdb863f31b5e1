"""Once-only claims: a request is acted on by one process, whichever replica receives it.

Slack sends an event again when it saw no answer within 3 s, and behind a load balancer
the retry may reach another process. Each process claims the request before acting on it;
the primary key on (platform, event id) makes exactly one of them win, with one
``INSERT ... ON CONFLICT`` statement.

A claim made with :meth:`EventDedup.claim` is a *lease*: it records when it was taken
(``claimed_at``) and, once the request was acted on (answered, refused, or failed with an
apology), :meth:`EventDedup.done` marks it done. A later delivery of the same request may take
over a claim that is not done and older than the lease: its claimer died before acting on it.
A done claim is never taken over, nor is one younger than the lease (its claimer may still be
at work), so two live processes never both act on one request. A claim made with
:meth:`EventDedup.first_time` has no lease and is never taken over (at most once).

Times come from the clock the database passes in: the PostgreSQL server's, as each host
measured it (:class:`bot.db.Database`), so hosts whose clocks disagree agree on a lease.
Ids are kept a day (Slack retries within minutes), then :meth:`EventDedup.prune` drops them.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import upsert_insert
from bot.db.schema import seen_events
from bot.db.waits import bounded

__all__ = ["Claim", "EventDedup"]

log = logging.getLogger(__name__)


class Claim(enum.Enum):
    """What a claim found."""

    NEW = "new"  # nobody had it: the caller holds it now
    TAKEN_OVER = "taken over"  # a claim older than the lease and not done: the caller holds it now
    DONE = "done"  # acted on already (or claimed without a lease): leave it
    HELD = "held"  # another caller's lease is running: it may be at work on it still

    @property
    def mine(self) -> bool:
        """Whether the caller holds the claim (and should act on the request)."""
        return self in (Claim.NEW, Claim.TAKEN_OVER)


class EventDedup:
    """Remembers which requests some process took, and which were acted on.

    Args:
        engine: The database's engine.
        clock: Returns the current time (aware, UTC), on the database server's clock.
    """

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    @bounded
    async def first_time(self, platform: str, event_id: str) -> bool:
        """True exactly once per (platform, event id), across every process of the installation;
        the claim has no lease and is never taken over.

        Args:
            platform: ``slack``, ``discord``, ``share``...
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

    @bounded
    async def forget(self, platform: str, event_id: str) -> None:
        """Drop the mark of (platform, event id): what it kept from happening twice did not happen once."""
        c = seen_events.c
        async with self._engine.begin() as conn:
            await conn.execute(seen_events.delete().where(c.platform == platform, c.event_id == event_id))

    @bounded
    async def claim(self, platform: str, event_id: str, lease: timedelta) -> Claim:
        """Claim (platform, event id) for ``lease``: new, taken over from a claimer that did not
        finish within its lease, or left to its holder (done, or held).

        One statement decides (an insert, or on conflict an update of an expired lease that is not
        done): of callers racing for one request, one wins. PostgreSQL's row lock makes the others
        see the winner's new lease; SQLite's write lock runs them one after another.
        """
        now = self._clock()
        c = seen_events.c
        async with self._engine.begin() as conn:
            insert = upsert_insert(conn, seen_events).values(
                platform=platform, event_id=event_id, seen_at=now, claimed_at=now
            )
            stmt = insert.on_conflict_do_update(
                index_elements=[c.platform, c.event_id],
                set_={"claimed_at": insert.excluded.claimed_at},
                where=and_(c.done_at.is_(None), c.claimed_at < now - lease),
            ).returning(c.seen_at, c.claimed_at)
            won = (await conn.execute(stmt)).first()
            if won is not None:
                return Claim.NEW if won.seen_at == won.claimed_at else Claim.TAKEN_OVER
            held = (
                await conn.execute(
                    select(c.claimed_at, c.done_at).where(c.platform == platform, c.event_id == event_id)
                )
            ).one()
        return Claim.HELD if held.done_at is None and held.claimed_at is not None else Claim.DONE

    @bounded
    async def done(self, platform: str, event_id: str) -> None:
        """Mark the claim on (platform, event id) done: the request was acted on, and a later
        delivery of it is left alone whatever its age."""
        c = seen_events.c
        async with self._engine.begin() as conn:
            await conn.execute(
                update(seen_events)
                .where(c.platform == platform, c.event_id == event_id, c.done_at.is_(None))
                .values(done_at=self._clock())
            )

    async def prune(self, older_than: datetime) -> int:
        """Forget the events first seen before ``older_than``; returns how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(seen_events).where(seen_events.c.seen_at < older_than))
        return result.rowcount

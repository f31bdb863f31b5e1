"""Event de-duplication: a retried event is taken once, by one process."""

from __future__ import annotations

import asyncio

from bot.db import Database
from tests.db.conftest import FakeClock


async def test_an_event_is_new_once(db: Database) -> None:
    """The first call says new, every later one not; other ids and platforms are separate."""
    assert await db.events.first_time("slack", "Ev01")
    assert not await db.events.first_time("slack", "Ev01")
    assert await db.events.first_time("slack", "Ev02")
    assert await db.events.first_time("discord", "Ev01")


async def test_two_processes_take_a_retried_event_once(db: Database, db2: Database) -> None:
    """Forty simultaneous deliveries of one event through two engines: exactly one wins."""
    calls = [(db if i % 2 else db2).events.first_time("slack", "Ev0RETRY") for i in range(40)]
    assert sum(await asyncio.gather(*calls)) == 1


async def test_many_events_through_two_processes_each_win_once(db: Database, db2: Database) -> None:
    """Ten events each delivered to both processes at once: ten wins in all, one per event."""
    ids = [f"Ev{i:03d}" for i in range(10)]
    calls = [d.events.first_time("slack", e) for e in ids for d in (db, db2)]
    results = await asyncio.gather(*calls)
    assert sum(results) == 10
    assert all(results[i] != results[i + 1] for i in range(0, 20, 2))


async def test_old_event_ids_expire(db: Database, clock: FakeClock) -> None:
    """After a day an id is forgotten by prune (a day is far past Slack's retries)."""
    assert await db.events.first_time("slack", "EvOLD")
    clock.advance(hours=23)
    assert await db.events.first_time("slack", "EvNEW")
    assert (await db.prune()).events == 0
    clock.advance(hours=1, seconds=1)
    assert (await db.prune()).events == 1
    assert await db.events.first_time("slack", "EvOLD")
    assert not await db.events.first_time("slack", "EvNEW")

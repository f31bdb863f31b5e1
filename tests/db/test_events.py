"""Event de-duplication: a retried event is taken once, by one process; an unfinished claim is a lease."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Claim, Database
from tests.db.conftest import FakeClock


async def test_an_event_is_new_once(db: Database) -> None:
    """The first call says new, every later one not; other ids and platforms are separate."""
    assert await db.events.first_time("slack", "Ev01")
    assert not await db.events.first_time("slack", "Ev01")
    assert await db.events.first_time("slack", "Ev02")
    assert await db.events.first_time("discord", "Ev01")


async def test_a_forgotten_mark_is_new_again_and_no_other_is(db: Database) -> None:
    """A share the platform refused is given back: that mark alone is new again."""
    assert await db.events.first_time("share", "A1")
    assert await db.events.first_time("share", "A2")
    await db.events.forget("share", "A1")
    await db.events.forget("share", "never-marked")  # nothing to drop is no error
    assert await db.events.first_time("share", "A1")
    assert not await db.events.first_time("share", "A2")


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


# --- claims as leases (bot/slack/once.py) ---------------------------------------------------------

LEASE = timedelta(minutes=2)


async def test_an_unfinished_claim_is_held_for_its_lease_then_taken_over_once(
    db: Database, db2: Database, clock: FakeClock
) -> None:
    """A claim never done keeps later deliveries away for its lease; after it, of twenty deliveries
    racing through two engines exactly one takes it over, and the new lease holds again."""
    assert await db.events.claim("slack", "EvDead", LEASE) is Claim.NEW
    assert await db2.events.claim("slack", "EvDead", LEASE) is Claim.HELD
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await db2.events.claim("slack", "EvDead", LEASE) is Claim.HELD
    clock.advance(seconds=2)
    claims = await asyncio.gather(*((db, db2)[i % 2].events.claim("slack", "EvDead", LEASE) for i in range(20)))
    assert sorted(c.value for c in claims) == ["held"] * 19 + ["taken over"]
    assert await db.events.claim("slack", "EvDead", LEASE) is Claim.HELD


async def test_a_done_claim_is_never_taken_over(db: Database, db2: Database, clock: FakeClock) -> None:
    """Once the request was acted on, every later delivery is left alone, however late it comes."""
    assert await db.events.claim("slack", "EvDone", LEASE) is Claim.NEW
    await db.events.done("slack", "EvDone")
    assert await db2.events.claim("slack", "EvDone", LEASE) is Claim.DONE
    clock.advance(hours=12)
    assert await db2.events.claim("slack", "EvDone", LEASE) is Claim.DONE


async def test_a_claim_without_a_lease_is_never_taken_over(db: Database, clock: FakeClock) -> None:
    """A claim made at most once (Discord's, a shared answer's, or one from before leases) stays its claimer's."""
    assert await db.events.first_time("discord", "message:1")
    clock.advance(hours=12)
    assert await db.events.claim("discord", "message:1", LEASE) is Claim.DONE


async def test_hosts_whose_clocks_disagree_agree_on_a_lease(migrated_url: str) -> None:
    """Leases run on the PostgreSQL server's clock: a claim made on a host ten minutes slow is still
    held for a host ten minutes fast (on their own clocks it would look twenty minutes old)."""
    if migrated_url.startswith("sqlite"):
        pytest.skip("an SQLite file is shared on one host only: one clock")

    def off_by(minutes: float) -> Callable[[], datetime]:
        return lambda: datetime.now(UTC) + timedelta(minutes=minutes)

    slow = await Database.open(migrated_url, clock=off_by(-10), server_time=True)
    fast = await Database.open(migrated_url, clock=off_by(10), server_time=True)
    try:
        assert await slow.events.claim("slack", "EvSkew", LEASE) is Claim.NEW
        assert await fast.events.claim("slack", "EvSkew", LEASE) is Claim.HELD
        assert await fast.events.claim("slack", "EvSkew2", LEASE) is Claim.NEW
        assert await slow.events.claim("slack", "EvSkew2", LEASE) is Claim.HELD
    finally:
        await slow.close()
        await fast.close()

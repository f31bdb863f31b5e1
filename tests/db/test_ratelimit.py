"""The shared rate limiter: bot.core.ratelimit's rule, kept right under concurrent hits from two processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import Database
from bot.db.schema import rate_hits
from tests.db.conftest import FakeClock


async def _stored(db: Database) -> int:
    async with db.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(rate_hits))).scalar_one()


async def test_allows_count_then_refuses(db: Database) -> None:
    """Five hits pass in a window of five; the sixth is refused with the wait, and not counted."""
    limiter = db.rate_limiter(5, 30)
    assert [await limiter.hit("u") for _ in range(5)] == [0.0] * 5
    assert await limiter.hit("u") == pytest.approx(30.0)
    assert await _stored(db) == 5


async def test_window_slides(db: Database, clock: FakeClock) -> None:
    """A hit leaves the window exactly `seconds` after it was counted, letting one more in."""
    limiter = db.rate_limiter(2, 10)
    assert await limiter.hit(1) == 0.0
    clock.advance(seconds=4)
    assert await limiter.hit(1) == 0.0
    assert await limiter.hit(1) > 0
    assert await limiter.retry_after(1) == pytest.approx(6.0)
    clock.advance(seconds=6)
    assert await limiter.hit(1) == 0.0
    assert await limiter.retry_after(1) == pytest.approx(4.0)


async def test_refused_attempts_are_not_counted(db: Database, clock: FakeClock) -> None:
    """Hammering while limited does not extend the wait."""
    limiter = db.rate_limiter(1, 10)
    assert await limiter.hit("u") == 0.0
    for _ in range(20):
        clock.advance(seconds=0.1)
        assert await limiter.hit("u") > 0
    clock.advance(seconds=8)
    assert await limiter.hit("u") == 0.0


async def test_keys_are_independent_and_retry_after_counts_nothing(db: Database) -> None:
    """One key's limit does not touch another's; looking uses nothing up."""
    limiter = db.rate_limiter(1, 30)
    assert await limiter.retry_after(42) == 0.0
    assert await limiter.retry_after(42) == 0.0
    assert await limiter.allow(42)
    assert not await limiter.allow(42)
    assert await limiter.retry_after(42) == pytest.approx(30.0)
    assert await limiter.allow("T1:U42")


async def test_two_processes_share_one_limit(db: Database, db2: Database) -> None:
    """Hits through either process count against the same window."""
    one, two = db.rate_limiter(3, 30), db2.rate_limiter(3, 30)
    assert [await one.hit("u"), await two.hit("u"), await one.hit("u")] == [0.0] * 3
    assert await two.hit("u") == pytest.approx(30.0)
    assert await one.hit("u") == pytest.approx(30.0)


async def test_concurrent_hits_from_two_processes_never_overshoot(db: Database, db2: Database) -> None:
    """Sixty simultaneous hits on one key through two engines: exactly five allowed, five stored."""
    limiters = [db.rate_limiter(5, 30), db2.rate_limiter(5, 30)]
    waits = await asyncio.gather(*(limiters[i % 2].hit("T1:U1") for i in range(60)))
    assert sum(w == 0.0 for w in waits) == 5
    assert all(w == pytest.approx(30.0) for w in waits if w)
    assert await _stored(db) == 5


async def test_concurrent_hits_on_several_keys_count_each_key_exactly(db: Database, db2: Database) -> None:
    """Four keys hit twenty times each, all at once, through two engines: three allowed per key."""
    limiters = [db.rate_limiter(3, 30), db2.rate_limiter(3, 30)]
    keys = [f"user{k}" for k in range(4)]
    calls = [(key, limiters[i % 2].hit(key)) for i in range(20) for key in keys]
    waits = await asyncio.gather(*(call for _, call in calls))
    for key in keys:
        assert sum(w == 0.0 for (k, _), w in zip(calls, waits, strict=True) if k == key) == 3
    assert await _stored(db) == 12


async def test_spent_hits_are_pruned(db: Database, clock: FakeClock) -> None:
    """Hits whose window passed are deleted by prune, for keys never seen again."""
    limiter = db.rate_limiter(5, 30)
    for user in range(10):
        await limiter.hit(user)
    clock.advance(seconds=29)
    assert (await db.prune()).rate_hits == 0
    clock.advance(seconds=1)
    assert (await db.prune()).rate_hits == 10
    assert await _stored(db) == 0


def test_bad_limits_are_refused() -> None:
    """count < 1 or seconds <= 0 is a programming error, as in bot.core.ratelimit."""
    from bot.db.hashing import IdHasher
    from bot.db.ratelimit import SharedRateLimiter

    for count, seconds in ((0, 30), (1, 0)):
        with pytest.raises(ValueError):
            SharedRateLimiter(
                create_async_engine("sqlite+aiosqlite:///unused"), IdHasher("00"), count, seconds, FakeClock()
            )


async def test_processes_whose_clocks_disagree_still_share_one_limit(db: Database, migrated_url: str) -> None:
    """A host whose clock runs two minutes ahead neither sees the others' hits as spent nor has its
    own pruned early: the window is kept on the database server's clock, whatever each host's says."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("an SQLite file is one host's: its processes read one clock")

    def ahead() -> datetime:
        return datetime.now(UTC) + timedelta(minutes=2)

    async with (
        await Database.open(migrated_url, server_time=True) as right,
        await Database.open(migrated_url, clock=ahead, server_time=True) as skewed,
    ):
        one, two = right.rate_limiter(2, 60), skewed.rate_limiter(2, 60)
        assert [await one.hit("u"), await one.hit("u")] == [0.0, 0.0]
        assert await two.hit("u") == pytest.approx(60.0, abs=5.0)
        assert (await skewed.prune()).rate_hits == 0
        assert await one.hit("u") == pytest.approx(60.0, abs=5.0)

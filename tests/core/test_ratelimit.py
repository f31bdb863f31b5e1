"""The per-user sliding-window rate limit."""

from __future__ import annotations

import pytest

from bot.core.ratelimit import RateLimiter


async def allowed(limiter: RateLimiter, key: object) -> bool:
    """Whether ``key`` may ask now (and the question is counted)."""
    return await limiter.hit(key) == 0.0  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_allows_count_then_refuses() -> None:
    """Five questions pass in a window of five; the sixth is refused with a positive wait."""
    clock = Clock()
    limiter = RateLimiter(5, 30, clock=clock)
    assert [await limiter.hit("u") for _ in range(5)] == [0.0] * 5
    assert await limiter.hit("u") == pytest.approx(30.0)


async def test_window_slides() -> None:
    """A question leaves the window exactly `seconds` after it was asked, letting one more in."""
    clock = Clock()
    limiter = RateLimiter(2, 10, clock=clock)
    assert await allowed(limiter, 1)
    clock.now += 4
    assert await allowed(limiter, 1)
    assert not await allowed(limiter, 1)
    assert limiter.retry_after(1) == pytest.approx(6.0)
    clock.now += 6
    assert await allowed(limiter, 1)
    assert not await allowed(limiter, 1)
    assert limiter.retry_after(1) == pytest.approx(4.0)


async def test_refused_attempts_are_not_counted() -> None:
    """Hammering while limited does not extend the wait."""
    clock = Clock()
    limiter = RateLimiter(1, 10, clock=clock)
    assert await allowed(limiter, "u")
    for _ in range(20):
        clock.now += 0.1
        assert not await allowed(limiter, "u")
    clock.now = 1010.0
    assert await allowed(limiter, "u")


async def test_users_are_independent() -> None:
    """One user's limit does not touch another's, whatever the key type."""
    limiter = RateLimiter(1, 30, clock=Clock())
    assert await allowed(limiter, 42)
    assert not await allowed(limiter, 42)
    assert await allowed(limiter, "T1:U42")
    assert await allowed(limiter, (1, 2))


async def test_retry_after_counts_nothing() -> None:
    """retry_after only looks: it is 0 while allowed and never uses up a question."""
    limiter = RateLimiter(1, 30, clock=Clock())
    assert limiter.retry_after("u") == 0.0
    assert limiter.retry_after("u") == 0.0
    assert await allowed(limiter, "u")


async def test_stale_users_are_forgotten() -> None:
    """Users whose questions left the window are dropped, so memory does not grow without bound."""
    clock = Clock()
    limiter = RateLimiter(3, 5, clock=clock)
    for user in range(100):
        await allowed(limiter, user)
    assert len(limiter) == 100
    clock.now += 5
    for user in range(100):
        assert limiter.retry_after(user) == 0.0
    assert len(limiter) == 0


@pytest.mark.parametrize(("count", "seconds"), [(0, 30), (5, 0), (5, -1)])
def test_rejects_bad_limits(count: int, seconds: float) -> None:
    """A limit that could never allow anything is refused at construction."""
    with pytest.raises(ValueError):
        RateLimiter(count, seconds)

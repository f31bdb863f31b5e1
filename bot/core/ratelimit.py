"""A per-user sliding-window rate limit, shared by the chat front ends.

Each user may ask ``count`` questions in any window of ``seconds``. The key is any
hashable user id (a Discord ``int``, a Slack ``"T123:U456"`` string); the clock is
injectable so tests can move time by hand.

Example::

    limiter = RateLimiter(settings.rate_limit_count, settings.rate_limit_seconds)
    wait = await limiter.hit(user_id)
    if wait:
        ...  # tell the user to try again in `wait` seconds; the question is not counted

``hit`` is a coroutine so that a limiter shared between processes (kept in the
project's database) can stand in for this in-memory one: :class:`Limiter`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Protocol

__all__ = ["Limiter", "RateLimiter", "SharedOrLocal"]

log = logging.getLogger(__name__)


class Limiter(Protocol):
    """A per-user limit the answer pipeline asks before answering."""

    async def hit(self, key: Hashable) -> float:
        """0.0 when ``key`` may ask now (and the question is counted), else seconds to wait."""
        ...


class RateLimiter:
    """Allows ``count`` events per user in any sliding window of ``seconds``.

    Thread-safe. Refused attempts are not counted, so a user who keeps trying
    is let in again as soon as the oldest counted question leaves the window.

    Args:
        count: Questions allowed per window; at least 1.
        seconds: Length of the window, in seconds; greater than 0.
        clock: Returns the current time in seconds; defaults to ``time.monotonic``.
    """

    def __init__(self, count: int, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        if seconds <= 0:
            raise ValueError("seconds must be greater than 0")
        self.count = count
        self.seconds = float(seconds)
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: Hashable, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.seconds:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    async def hit(self, key: Hashable) -> float:
        """Count one question for ``key`` if the limit allows it (never blocks).

        Returns:
            0.0 when allowed (and counted); otherwise the seconds to wait before
            the next question would be allowed (always > 0; not counted).
        """
        with self._lock:
            now = self._clock()
            events = self._prune(key, now)
            if events is not None and len(events) >= self.count:
                return max(events[0] + self.seconds - now, 1e-3)
            self._events.setdefault(key, deque()).append(now)
            return 0.0

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may ask again (0.0 when it may ask now); counts nothing."""
        with self._lock:
            now = self._clock()
            events = self._prune(key, now)
            if events is None or len(events) < self.count:
                return 0.0
            return max(events[0] + self.seconds - now, 1e-3)

    def __len__(self) -> int:
        """Number of users with questions still inside their window (stale users are pruned lazily)."""
        return len(self._events)


class SharedOrLocal:
    """The limit shared by every process (kept in the database), or this process's own while the
    database fails: a database that is down or hung never costs an answer, only the sharing of the
    limit until it is back.

    Args:
        shared: The database's limiter (:class:`bot.db.SharedRateLimiter`).
        local: Counts in this process while ``shared`` fails; the same count and window.
    """

    def __init__(self, shared: Limiter, local: RateLimiter) -> None:
        self.shared = shared
        self.local = local

    async def hit(self, key: Hashable) -> float:
        """The shared limiter's answer; this process's own when the database fails."""
        try:
            return await self.shared.hit(key)
        except Exception as error:
            log.warning("Could not count a question in the shared rate limit, counting it here: %s", _name(error))
            return await self.local.hit(key)


def _name(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error  # SQLAlchemy's wrapper names the driver's error
    return type(cause).__name__

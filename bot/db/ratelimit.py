"""A sliding-window rate limit shared by every process of an installation.

The same rule as ``bot.core.ratelimit.RateLimiter``, behind the same ``Limiter``
protocol (``await hit(key)``): each key may be counted ``count`` times in any window
of ``seconds``, and a refused attempt is not counted. The counted hits
live in the ``rate_hits`` table, so a user cannot double their rate by reaching two
processes. Each :meth:`SharedRateLimiter.hit` is one transaction that reads the key's
window and inserts the new hit; two hits on one key never interleave:

- PostgreSQL: an advisory transaction lock on the key, taken first (READ COMMITTED
  then lets the second transaction see the first one's hit once it may go on).
- SQLite: ``BEGIN IMMEDIATE`` (``engine.py``) holds the database's write lock.

Time is wall-clock seconds (the clock is shared by processes, unlike a monotonic one), on the
database server's clock: :class:`bot.db.Database` passes each host's clock corrected by how far
it is from the server's (measured at opening and at each prune), so hosts whose clocks disagree
still share one window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db.hashing import IdHasher
from bot.db.locks import RATE_LIMIT_CLASS, advisory_xact_lock, lock_key
from bot.db.schema import rate_hits
from bot.db.waits import bounded

__all__ = ["SharedRateLimiter", "prune_rate_hits"]

log = logging.getLogger(__name__)

# What a refusal reports at least, as bot.core.ratelimit does: never 0.0, which means "allowed".
MIN_WAIT = 1e-3


class SharedRateLimiter:
    """Allows ``count`` hits per key in any sliding window of ``seconds``, across processes.

    Args:
        engine: The database's engine.
        hasher: Hashes keys (user ids) with the installation secret: no id is stored.
        count: Hits allowed per window; at least 1.
        seconds: Length of the window, in seconds; greater than 0.
        clock: Returns the current time (aware, UTC).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        hasher: IdHasher,
        count: int,
        seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        if seconds <= 0:
            raise ValueError("seconds must be greater than 0")
        self.count = count
        self.seconds = float(seconds)
        self._engine = engine
        self._hash = hasher
        self._clock = clock

    @bounded
    async def hit(self, key: Hashable) -> float:
        """Count one hit for ``key`` if the limit allows it.

        Keys are told apart by ``str(key)`` (so ``42`` and ``"42"`` are one key), as the
        hash of that string: the pipeline's keys are ``"platform:user"`` strings.

        Returns:
            0.0 when allowed (and counted); otherwise the seconds to wait before the
            next hit would be allowed (always > 0; not counted).
        """
        key_hash = self._hash(key)
        async with self._engine.begin() as conn:
            await advisory_xact_lock(conn, (RATE_LIMIT_CLASS, lock_key(key_hash)))
            now = self._clock().timestamp()
            wait = await self._wait(conn, key_hash, now, drop_expired=True)
            if wait:
                return wait
            await conn.execute(rate_hits.insert().values(key_hash=key_hash, expires_at=now + self.seconds))
            return 0.0

    async def allow(self, key: Hashable) -> bool:
        """True (and counted) when ``key`` may hit now; a shorthand for ``await hit(key) == 0``."""
        return await self.hit(key) == 0.0

    @bounded
    async def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may hit again (0.0 when it may now); counts nothing."""
        async with self._engine.connect() as conn:
            return await self._wait(conn, self._hash(key), self._clock().timestamp(), drop_expired=False)

    async def _wait(self, conn: AsyncConnection, key_hash: str, now: float, *, drop_expired: bool) -> float:
        c = rate_hits.c
        if drop_expired:
            # Keeps a busy key's rows to its window; idle keys go in prune_rate_hits.
            await conn.execute(delete(rate_hits).where(c.key_hash == key_hash, c.expires_at <= now))
        counted, oldest = (
            await conn.execute(
                select(func.count(), func.min(c.expires_at)).where(c.key_hash == key_hash, c.expires_at > now)
            )
        ).one()
        if counted < self.count:
            return 0.0
        return max(oldest - now, MIN_WAIT)


async def prune_rate_hits(engine: AsyncEngine, now: datetime) -> int:
    """Delete every hit whose window has passed, whatever its key; returns how many."""
    async with engine.begin() as conn:
        result = await conn.execute(delete(rate_hits).where(rate_hits.c.expires_at <= now.timestamp()))
    return result.rowcount

"""The project's database: open it (migrating under a lock), use its stores, prune, close.

Example::

    async with await Database.open(settings.database_url, data_dir=settings.data_dir) as db:
        answer_id = await db.questions.record(platform="discord", asker=user.id, ...)
        await db.votes.cast(answer_id, voter.id, up=True)
        limiter = db.rate_limiter(settings.rate_limit_count, settings.rate_limit_seconds)
        wait = await limiter.hit(user.id)
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, NoSuchModuleError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.channels import ChannelConfigs
from bot.db.engine import create_engine, display_url, resolve_url
from bot.db.errors import DatabaseConfigError, DatabaseUnavailableError
from bot.db.events import EventDedup
from bot.db.hashing import IdHasher
from bot.db.migrate import upgrade
from bot.db.questions import QuestionLog
from bot.db.ratelimit import SharedRateLimiter, prune_rate_hits
from bot.db.reports import Reports
from bot.db.votes import Votes
from bot.db.waits import within

__all__ = ["EVENT_TTL", "Database", "Pruned"]

log = logging.getLogger(__name__)

# How long an event id is remembered: Slack's retries come within minutes.
EVENT_TTL = timedelta(days=1)


def utc_now() -> datetime:
    """The current time, aware, in UTC: the default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Pruned:
    """Rows deleted by :meth:`Database.prune`."""

    questions: int
    events: int
    rate_hits: int


class Database:
    """One installation's database, with a store per concern.

    Build it with :meth:`open`. Attributes: ``questions`` (:class:`QuestionLog`),
    ``votes`` (:class:`Votes`), ``channels`` (:class:`ChannelConfigs`), ``events``
    (:class:`EventDedup`), ``reports`` (:class:`Reports`); and :meth:`rate_limiter`.
    Safe to share between tasks; open one per process.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        secret: str,
        *,
        retention_days: int,
        clock: Callable[[], datetime],
        server_time: bool = False,
    ) -> None:
        self.engine = engine
        self.retention = timedelta(days=retention_days)
        self._clock = clock
        self._server_time = server_time and engine.dialect.name == "postgresql"
        self._skew = timedelta(0)  # the server's clock minus this host's (_measure_skew)
        self._hasher = IdHasher(secret)
        self.questions = QuestionLog(engine, self._hasher, clock)
        self.votes = Votes(engine, self._hasher, clock)
        self.channels = ChannelConfigs(engine, clock)
        self.events = EventDedup(engine, self._server_now)  # leases on the server's clock, as rate windows
        self.reports = Reports(engine)

    @classmethod
    async def open(
        cls,
        url: str | None = None,
        *,
        data_dir: Path | str = "data",
        retention_days: int = 90,
        clock: Callable[[], datetime] = utc_now,
        server_time: bool | None = None,
    ) -> Database:
        """Connect, migrate to the newest schema (under a lock), and read the installation secret.

        Args:
            url: ``DATABASE_URL``; blank or None for ``sqlite+aiosqlite:///DATA_DIR/citebot.db``.
            data_dir: ``DATA_DIR``: where the default SQLite file goes (created when missing).
            retention_days: ``RETENTION_DAYS``: :meth:`prune` deletes questions older than this.
            clock: Returns the current time, aware; tests pass a fake one.
            server_time: Keep the shared rate limit's windows on the PostgreSQL server's clock
                (this host's clock corrected by how far it is off); None: when ``clock`` is this
                host's own (the default), not when a test passes a clock of its own.

        Raises:
            DatabaseConfigError: The URL is not one this package can use.
            DatabaseUnavailableError: The database cannot be opened or reached.
        """
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        parsed = resolve_url(url, data_dir)
        shown = display_url(parsed)
        try:
            engine = create_engine(parsed)
        except (NoSuchModuleError, ImportError) as exc:
            raise DatabaseConfigError(shown, f"needs a driver that is not installed ({exc})") from exc
        except OSError as exc:  # the SQLite file's folder cannot be made
            raise DatabaseUnavailableError(shown, exc) from exc
        try:
            before = await upgrade(engine)
            async with engine.connect() as conn:
                secret = (await conn.execute(text("SELECT secret FROM installation WHERE id = 1"))).scalar_one()
        except (DBAPIError, OSError) as exc:
            await engine.dispose()
            raise DatabaseUnavailableError(shown, exc) from exc
        except BaseException:
            await engine.dispose()
            raise
        log.info("database %s open (schema was %s)", shown, before or "new")
        if server_time is None:
            server_time = clock is utc_now
        database = cls(engine, secret, retention_days=retention_days, clock=clock, server_time=server_time)
        try:
            await database._measure_skew()
        except BaseException:
            await engine.dispose()
            raise
        return database

    async def _measure_skew(self) -> None:
        """Read how far the PostgreSQL server's clock is from this host's. The rate limit's windows
        are kept on the server's clock: hosts whose clocks disagree (no NTP, a container's drift)
        would otherwise see each other's hits as spent, or not yet counted. SQLite is one host's."""
        if not self._server_time:
            return
        async with self.engine.connect() as conn:
            server = float(await conn.scalar(text("SELECT extract(epoch FROM clock_timestamp())")))
        self._skew = timedelta(seconds=server - self._clock().timestamp())
        if abs(self._skew) > timedelta(seconds=1):
            log.info("this host's clock is %.1f s off the database server's", -self._skew.total_seconds())

    def _server_now(self) -> datetime:
        """The time on the database server's clock, as this host's clock and the skew put it."""
        return self._clock() + self._skew

    def rate_limiter(self, count: int, seconds: float) -> SharedRateLimiter:
        """A rate limiter whose counters every process of the installation shares (``ratelimit.py``),
        its windows on the database server's clock."""
        return SharedRateLimiter(self.engine, self._hasher, count, seconds, self._server_now)

    async def reachable(self) -> bool:
        """Whether the database answers now (one ``SELECT 1``, waited for as long as an answer's calls are):
        the health file says when it does not (bot/core/runtime.py). SQLite, a local file, is not asked (each
        transaction there takes the file's write lock): it is there unless its file was deleted (DATA_DIR
        removed under the bot, whose writes then go to a file nobody will open again)."""
        if self.engine.dialect.name == "sqlite":
            return await asyncio.to_thread(os.path.isfile, self.engine.url.database or "")

        async def ping() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        try:
            await within(self.engine, ping(), "a health check")
        except Exception as error:
            log.debug("The database does not answer: %s", type(error).__name__)
            return False
        return True

    def hash_id(self, user_id: str | int) -> str:
        """The keyed hash stored for ``user_id`` (to find a person's rows without storing the id)."""
        return self._hasher(user_id)

    async def prune(self) -> Pruned:
        """Delete questions (and their votes) older than the retention, old event ids, and spent rate hits.

        Run it at start-up and then daily; any process may, at any time. It also reads the
        server's clock again (a host's clock may have been set since).
        """
        await self._measure_skew()
        now = self._clock()
        return Pruned(
            questions=await self.questions.prune(now - self.retention),
            events=await self.events.prune(self._server_now() - EVENT_TTL),
            rate_hits=await prune_rate_hits(self.engine, self._server_now()),
        )

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

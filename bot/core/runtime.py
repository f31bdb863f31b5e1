"""The shell both chat bots run in: open the index, keep the health file fresh, stop cleanly.

- :func:`open_retriever` opens the index the settings name, building it first when needed.
- :class:`HealthBeacon` touches ``HEALTH_FILE`` every :data:`HEALTH_INTERVAL` seconds while
  the bot is connected; ``python -m bot health`` (bot/core/health.py) reads it.
- :func:`open_database` opens the project's database (migrated, pruned now and daily).
- :func:`serve_until_signal` runs a bot until it ends or SIGINT/SIGTERM arrives, then lets
  the answers already started be delivered (at most :data:`DRAIN_SECONDS`) before it
  stops the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import signal
import stat
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.core.periodic import Periodic

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from bot.core.pipeline import Pipeline
    from bot.core.ratelimit import Limiter
    from bot.core.settings import Settings
    from bot.db import Database
    from index.query import Retriever

log = logging.getLogger(__name__)

HEALTH_INTERVAL = 30.0  # seconds between touches of HEALTH_FILE while connected
DRAIN_SECONDS = 10.0  # on shutdown, how long answers already started may take to be delivered
PRUNE_EVERY = 24 * 3600.0  # seconds between deletions of questions older than RETENTION_DAYS


def say(message: str) -> None:
    """One progress line on stderr (index builds, skipped sources)."""
    print(message, file=sys.stderr, flush=True)


def build_threads(settings: Settings) -> int:
    """Intra-op threads for embedding a build: every core, as a build is a batch job. ONNX
    Runtime splits each product by rows, not along the sum, so the vectors are byte for byte
    those of one thread (tests/index/test_onnx.py), and a build takes half the time on 2 cores."""
    return max(settings.embed_threads, os.cpu_count() or 1)


def open_retriever(
    settings: Settings, *, progress: bool = False, repair: bool = False, workers: int | None = None
) -> Retriever:
    """Open the index the settings name, building or refreshing it first when needed
    (and, with ``repair``, rebuilding over a damaged one). ``workers`` threads share its model,
    ``EMBED_THREADS`` each (:meth:`Retriever.open`); None: one per core, as the bots answer."""
    from index.query import Retriever

    return Retriever.open(
        settings.seeds_dir,
        settings.index_dir,
        model_path=settings.model_path,
        embed_backend=settings.embed_backend,
        embed_threads=settings.embed_threads,
        workers=workers,
        chunk_tokens=settings.chunk_tokens,
        say=say,
        progress=progress,
        repair=repair,
    )


def check_database(settings: Settings) -> None:
    """What can be known of the database without opening it, checked before the index is opened (a rebuild
    after an upgrade may take minutes): the URL, and that the SQLite file's folder can be written.

    Raises:
        DatabaseConfigError: DATABASE_URL is not one the bots can use. DatabaseUnavailableError: DATA_DIR
            cannot be written.
    """
    from bot.db.engine import check_sqlite_folder, display_url, resolve_url
    from bot.db.errors import DatabaseUnavailableError

    url = resolve_url(settings.database_url_text, settings.data_dir)
    if url.get_backend_name() == "sqlite":
        try:
            check_sqlite_folder(url)
        except OSError as error:
            raise DatabaseUnavailableError(display_url(url), error) from None


@contextlib.asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """The project's database for the length of the block: migrated on opening, pruned of
    questions older than ``RETENTION_DAYS`` at once and then daily, closed at the end.

    Raises:
        DatabaseError: it cannot be opened (one line naming the fix; ``python -m bot`` prints it).
    """
    from bot.db import Database

    url = settings.database_url_text
    db = await Database.open(url, data_dir=settings.data_dir, retention_days=settings.retention_days)

    async def prune_daily() -> None:
        while True:
            try:
                pruned = await db.prune()
                log.debug("Pruned %s", pruned)
            except Exception as error:  # a failed prune is retried tomorrow; answering goes on
                log.warning("Could not prune the database: %s", type(error).__name__)
            await asyncio.sleep(PRUNE_EVERY)

    pruning = asyncio.create_task(prune_daily(), name="database-prune")
    try:
        yield db
    finally:
        pruning.cancel()
        await asyncio.gather(pruning, return_exceptions=True)
        await db.close()


def rate_limiter(settings: Settings, db: Database | None) -> Limiter:
    """The per-user rate limit: kept in PostgreSQL when several processes share it there, so
    nobody doubles their rate by reaching two of them (counted in this process while the database
    fails: it never costs an answer); in memory otherwise (SQLite is one process's database, and a
    counter in memory costs microseconds, not milliseconds)."""
    from bot.core.ratelimit import RateLimiter, SharedOrLocal

    local = RateLimiter(settings.rate_limit_count, settings.rate_limit_seconds)
    if db is not None and db.engine.dialect.name == "postgresql":
        return SharedOrLocal(db.rate_limiter(settings.rate_limit_count, settings.rate_limit_seconds), local)
    return local


class HealthBeacon(Periodic):
    """Keeps ``path`` fresh while ``connected()`` is true; on exit removes it when it is still the
    file this process last wrote (another process sharing ``HEALTH_FILE`` keeps its own).

    Use as ``async with HealthBeacon(settings.health_file, connected):`` around serving.

    Args:
        path: The health file.
        connected: Whether the bot is connected now (a plain or an async function).
        interval: Seconds between touches. Defaults to :data:`HEALTH_INTERVAL`.
        report: What to write in the file at each touch (the Discord bot's shards, as JSON);
            None leaves it empty.
        database: Whether the project's database answers (:meth:`Database.reachable`), asked at each
            step; written in the file when given, so ``python -m bot health`` says since when it has not.
    """

    task_name = "health-beacon"

    def __init__(
        self,
        path: Path,
        connected: Callable[[], bool | Awaitable[bool]],
        interval: float = HEALTH_INTERVAL,
        *,
        report: Callable[[], str] | None = None,
        database: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.path = path
        self.connected = connected
        self.interval = interval
        self.report = report
        self.database = database
        self.database_down_since: float | None = None  # when the database last stopped answering
        self._written: tuple[int, int] | None = None  # the file as this process last left it: inode, mtime

    def _content(self) -> str | None:
        """What the file holds: the report, with the database's state when it is watched; None: nothing."""
        if self.database is None:
            return self.report() if self.report is not None else None
        content = json.loads(self.report()) if self.report is not None else {}
        content["database"] = {"reachable": self.database_down_since is None, "since": self.database_down_since}
        return json.dumps(content, sort_keys=True)

    def touch(self) -> None:
        """Mark the bot healthy now (also called on connect, so health turns green at once), with the report."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            content = self._content()
            if content is None:
                self.path.touch()
            else:
                staged = self.path.with_name(f".{self.path.name}.tmp")
                staged.write_text(content, encoding="utf-8")
                os.replace(staged, self.path)  # the health command never reads half a report
            written = self.path.stat()
            self._written = (written.st_ino, written.st_mtime_ns)
        except OSError as error:
            log.warning("Cannot touch HEALTH_FILE %s: %s", self.path, error)

    async def step(self) -> None:
        up = self.connected()
        if await up if inspect.isawaitable(up) else up:
            if self.database is not None:
                answers = await self.database()
                self.database_down_since = None if answers else self.database_down_since or time.time()
            self.touch()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await super().__aexit__(kind, error, trace)
        try:
            now = self.path.stat()
            if self._written == (now.st_ino, now.st_mtime_ns) and stat.S_ISREG(now.st_mode):
                self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as problem:
            log.warning("Cannot remove HEALTH_FILE %s: %s", self.path, problem)


def stop_event_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (where the platform lets us handle them)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    return stop


async def serve_until_signal(
    serve: Awaitable[Any] | None,
    stop_serving: Callable[[], Awaitable[Any]],
    pipeline: Pipeline,
    *,
    stop: asyncio.Event | None = None,
    drain_seconds: float = DRAIN_SECONDS,
) -> None:
    """Run ``serve`` until it ends, or until ``stop`` is set (None: SIGINT or SIGTERM).

    On a stop, the answers already started are given ``drain_seconds`` to be delivered,
    then ``stop_serving()`` ends the connection and ``serve`` is awaited to its end.

    Args:
        serve: What runs the bot (Discord's ``bot.start``); None when serving runs in the
            background already (Slack's handlers) and only a stop ends it.
        stop_serving: Closes the connection.
        pipeline: Drained before the connection closes.
        stop: Set to stop; None installs SIGINT and SIGTERM handlers that set it.
        drain_seconds: Longest wait for answers in flight. Defaults to :data:`DRAIN_SECONDS`.

    Raises:
        Whatever ``serve`` raised (a rejected token, say).
    """
    stop = stop or stop_event_on_signals()
    serving = asyncio.ensure_future(serve) if serve is not None else None
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({stopping, *([serving] if serving else [])}, return_when=asyncio.FIRST_COMPLETED)
    if stopping in done:
        log.info("Shutting down")
        try:
            async with asyncio.timeout(drain_seconds):
                await pipeline.idle()
        except TimeoutError:
            log.warning("Stopping with answers still in flight after %.0f s", drain_seconds)
        await stop_serving()
    else:
        stopping.cancel()
    if serving is not None:
        await serving

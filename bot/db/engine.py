"""The database URL, and an async engine set up for how this package uses it.

Two families of engine are supported with the same code:

- SQLite through aiosqlite, the embedded default (a file in ``DATA_DIR``). Every
  transaction begins with ``BEGIN IMMEDIATE``, which takes SQLite's one write lock up
  front: transactions that read then write (the rate limiter, migrations) are then
  serialised across every connection and process, instead of failing with "database
  is locked" when a read lock cannot be upgraded. WAL mode lets readers run meanwhile.
- PostgreSQL through asyncpg or psycopg 3, for several processes on several hosts.
  Serialisation there uses advisory locks where it is needed (see ``locks.py``).
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.db.errors import DatabaseConfigError

__all__ = ["DEFAULT_FILE", "DRIVERS", "create_engine", "default_url", "display_url", "resolve_url"]

log = logging.getLogger(__name__)

DEFAULT_FILE = "citebot.db"
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg", "postgresql+psycopg")

# How long a connection waits for SQLite's write lock before giving up. Writes here
# take milliseconds; 30 s covers a migration or a slow disk with a wide margin.
SQLITE_BUSY_SECONDS = 30.0


def default_url(data_dir: Path | str) -> str:
    """The SQLite URL used when ``DATABASE_URL`` is blank: ``DATA_DIR/citebot.db``."""
    return f"sqlite+aiosqlite:///{(Path(data_dir) / DEFAULT_FILE).as_posix()}"


def resolve_url(url: str | None, data_dir: Path | str = "data") -> URL:
    """Parse ``url`` (blank: the SQLite default in ``data_dir``) and check its driver.

    Raises:
        DatabaseConfigError: The URL does not parse, or names another driver.
    """
    text = (url or "").strip() or default_url(data_dir)
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseConfigError(_mask(text), "is not a database URL") from exc
    if parsed.drivername not in DRIVERS:
        raise DatabaseConfigError(display_url(parsed), f"names the driver {parsed.drivername!r}")
    if parsed.drivername.startswith("sqlite") and parsed.database in (None, "", ":memory:"):
        # Each connection would get its own empty database: nothing would be shared.
        raise DatabaseConfigError(display_url(parsed), "names no database file")
    return parsed


def display_url(url: URL) -> str:
    """The URL as it may be logged or shown: the password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def _mask(text: str) -> str:
    # An unparsable URL may still hold a password between "://user:" and "@".
    head, sep, tail = text.partition("@")
    if sep and "://" in head and ":" in head.split("://", 1)[1]:
        scheme, rest = head.split("://", 1)
        return f"{scheme}://{rest.split(':', 1)[0]}:***@{tail}"
    return text


def create_engine(url: URL) -> AsyncEngine:
    """An async engine for ``url`` (from :func:`resolve_url`).

    For SQLite the file's folder is created when missing, and every connection gets
    WAL mode, foreign keys and ``BEGIN IMMEDIATE`` transactions (module docstring).
    """
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database or "").parent
        folder.mkdir(parents=True, exist_ok=True)
        # SQLite writes its -wal and -shm files beside the database: a folder this user cannot
        # write is refused here, in one line, rather than by a driver thread mid-connect.
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "the folder cannot be written", str(folder))
        # One connection per process: SQLite has one writer at a time anyway, and tasks
        # queueing for the pooled connection wait their turn in order, where several
        # connections contending for the file's lock poll it with growing sleeps and
        # starve the unlucky: at concurrency 20 in one process, p99 0.23-0.40 s against
        # 1.0-6.2 s with the default pool, throughput within the noise (docs/deploy.md).
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_SECONDS},
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_BUSY_SECONDS,
        )
        _set_up_sqlite(engine)
        return engine
    # pre_ping: a connection the server dropped (restart, idle timeout) is replaced, not failed.
    return create_async_engine(url, pool_pre_ping=True)


def _set_up_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below: the sqlite3
        # module would otherwise emit its own deferred BEGIN before the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL never corrupts the file; it may lose the last commits on a
        # power cut (not on a crash of the bot), which a log, votes and rate counters can
        # bear. It halves a write's latency here, as commits no longer wait for fsync
        # (docs/deploy.md).
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

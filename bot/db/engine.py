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
import socket
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

# Bounds on a PostgreSQL connection whose packets are silently dropped (no reset: a lost host, a
# partition): without them a call on it waits until the kernel gives up on TCP (about 15 min),
# holding its pooled connection, and the pool runs out (docs/deploy.md, "A network that drops
# packets"). A statement here takes at most 0.4 s at p99 at concurrency 20; a prune or a report,
# seconds; a healthy network acknowledges in milliseconds. So: data unacknowledged for 20 s ends
# the connection (TCP_USER_TIMEOUT); one silent while a reply is awaited is probed after 10 s and
# given up after 3 probes 5 s apart (25 s); asyncpg bounds each statement at 30 s itself (also
# when the server hangs and TCP is fine), psycopg has no such bound (the question log's writer
# bounds its own, questions.py); connecting waits 10 s, and a call waits 10 s for a pooled
# connection when all are taken.
CONNECT_SECONDS = 10
COMMAND_SECONDS = 30.0
TCP_USER_TIMEOUT_MS = 20_000
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 10, 5, 3
POOL_TIMEOUT = 10.0


def default_url(data_dir: Path | str) -> str:
    """The SQLite URL used when ``DATABASE_URL`` is blank: ``DATA_DIR/citebot.db``."""
    return f"sqlite+aiosqlite:///{(Path(data_dir) / DEFAULT_FILE).as_posix()}"


def resolve_url(url: str | None, data_dir: Path | str = "data") -> URL:
    """Parse ``url`` (blank: the SQLite default in ``data_dir``) and check its driver.

    Raises:
        DatabaseConfigError: The URL does not parse, or names another driver.
    """
    text = (url or "").strip() or default_url(data_dir)
    if not text.startswith("sqlite") and _at_in_password(text):
        # An @ in the password ends it there: the rest was read as the host, and shown in every error line.
        raise DatabaseConfigError(_mask(text), "has an @ in its password: write it as %40")
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


def _at_in_password(text: str) -> bool:
    """Whether the password holds an @, which ends it early (SQLAlchemy reads a password up to its first @).
    A user name may hold one (``user@server:pw@host``, Azure's), and so may the query (``?a=b@c``): both
    parse as written."""
    _, colon, after = text.partition("://")[2].split("?", 1)[0].partition(":")
    return bool(colon) and after.count("@") > 1


def display_url(url: URL) -> str:
    """The URL as it may be logged or shown: the password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def _mask(text: str) -> str:
    # An unparsable URL may still hold a password between "://user:" and "@".
    head, sep, tail = text.rpartition("@")  # the last @ ends the password, whatever it holds
    if sep and "://" in head and ":" in head.split("://", 1)[1]:
        scheme, rest = head.split("://", 1)
        return f"{scheme}://{rest.split(':', 1)[0]}:***@{tail}"
    return text


def check_sqlite_folder(url: URL) -> None:
    """Refuse an SQLite file whose folder cannot be written (or made), without making anything.

    Raises:
        OSError: the folder, or the nearest one there is on its way, cannot be written.
    """
    folder = Path(url.database or "").absolute().parent
    existing = next((f for f in (folder, *folder.parents) if f.exists()), None)
    if existing is not None and (not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK)):
        why = "the folder cannot be written" if existing.is_dir() else "it is a file, not a folder"
        raise PermissionError(errno.EACCES, why, str(existing))


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
    asyncpg = url.get_driver_name() == "asyncpg"
    engine = create_async_engine(
        url, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT, connect_args=_asyncpg_args() if asyncpg else _libpq_args()
    )
    if asyncpg:  # asyncpg takes no socket options: they are set on each new connection's socket
        event.listen(engine.sync_engine, "connect", _bound_asyncpg_socket)
    return engine


def _libpq_args() -> dict[str, Any]:
    """psycopg's connection parameters (libpq's): keepalives and the TCP user timeout."""
    return {
        "connect_timeout": CONNECT_SECONDS,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE,
        "keepalives_interval": KEEPALIVE_INTERVAL,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
    }


def _asyncpg_args() -> dict[str, Any]:
    return {"timeout": CONNECT_SECONDS, "command_timeout": COMMAND_SECONDS}


def _bound_asyncpg_socket(dbapi_connection: Any, _record: object) -> None:
    """The keepalives and TCP user timeout libpq sets, on an asyncpg connection's TCP socket."""
    transport = getattr(dbapi_connection.driver_connection, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket: no network to lose
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (
        ("TCP_KEEPIDLE", KEEPALIVE_IDLE),
        ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
        ("TCP_KEEPCNT", KEEPALIVE_COUNT),
        ("TCP_USER_TIMEOUT", TCP_USER_TIMEOUT_MS),
    ):
        if hasattr(socket, option):  # Linux has them all; elsewhere the keepalive alone
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


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

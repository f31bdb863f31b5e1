"""Bring a database to the newest schema with Alembic, safely from several processes at once.

Every process runs :func:`upgrade` at start-up. The whole upgrade is one transaction
that first takes a lock, so when two processes start together one migrates and the
other waits, then finds the schema current and does nothing:

- PostgreSQL: a transaction-level advisory lock (released by the commit). Its DDL is
  transactional, so a failed migration leaves nothing half done.
- SQLite: the transaction begins with ``BEGIN IMMEDIATE`` (``engine.py``), which holds
  the file's write lock until the commit; SQLite's DDL is transactional too.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import display_url
from bot.db.errors import DatabaseTooNewError
from bot.db.locks import MIGRATION_LOCK, advisory_xact_lock

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package's migrations, sharing ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated). For ``run_sync``."""
    return MigrationContext.configure(connection).get_current_revision()


# Alembic keeps the running migration in module globals (``alembic.context``, ``op``),
# and run_sync lets other tasks of the event loop run while a migration waits on the
# database: two upgrades in one process (of two databases, which the database lock does
# not serialise) must not interleave. One lock per event loop, as asyncio locks are bound to one.
_in_process: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


async def upgrade(engine: AsyncEngine) -> str | None:
    """Migrate the database to the newest revision under the migration lock.

    Returns:
        The revision the database was at before (None for a new database); equal to
        :func:`head_revision` when there was nothing to do.

    Raises:
        DatabaseTooNewError: The database is at a revision this code does not have.
    """
    lock = _in_process.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock, engine.begin() as conn:
        await advisory_xact_lock(conn, MIGRATION_LOCK)
        before = await conn.run_sync(current_revision)
        if before is not None and not _known(before):
            raise DatabaseTooNewError(display_url(engine.url), before, head_revision())
        if before != head_revision():
            log.info("migrating the database from %s to %s", before or "empty", head_revision())
            await conn.run_sync(_upgrade_to_head)
        return before


def _known(revision: str) -> bool:
    return any(script.revision == revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def _upgrade_to_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")

"""Bring a database to the newest schema with Alembic, safely from several processes at once.

Every process runs :func:`upgrade` at start-up. The whole upgrade is one transaction
that first takes a lock, so when two processes start together one migrates and the
other waits, then finds the schema current and does nothing:

- PostgreSQL: a transaction-level advisory lock (released by the commit). Its DDL is
  transactional, so a failed migration leaves nothing half done.
- SQLite: the transaction begins with ``BEGIN IMMEDIATE`` (``engine.py``), which holds
  the file's write lock until the commit; SQLite's DDL is transactional too.

Alembic is imported only when there is something to migrate: importing it (and Mako and
Pygments with it) costs about 0.13 s of CPU, and a database already at the newest revision,
the usual case at a restart, is recognised from its ``alembic_version`` row and the
revision ids written in the migration files (:func:`newest_on_disk`, checked against
Alembic's own answer by tests/db/test_migrations.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import display_url
from bot.db.errors import DatabaseTooNewError
from bot.db.locks import MIGRATION_LOCK, advisory_xact_lock

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision", "newest_on_disk", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package's migrations, sharing ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated). For ``run_sync``."""
    from alembic.runtime.migration import MigrationContext

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
        stored = await conn.run_sync(_stored_revision)
        if stored is not None and stored == newest_on_disk():
            return stored  # current: nothing to do, and no need of Alembic
        before = await conn.run_sync(current_revision)
        if before is not None and not _known(before):
            raise DatabaseTooNewError(display_url(engine.url), before, head_revision())
        if before != head_revision():
            log.info("migrating the database from %s to %s", before or "empty", head_revision())
            await conn.run_sync(_upgrade_to_head)
        return before


_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(?:[\"']([^\"']+)[\"']|None)", re.MULTILINE)


@functools.cache
def newest_on_disk() -> str | None:
    """The revision no migration file revises, read from the files' ``revision`` and
    ``down_revision`` lines without Alembic; None unless there is exactly one (then Alembic decides)."""
    revisions, revised = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if found is None or down is None:
            continue
        revisions.add(found.group(1))
        if down.group(1) is not None:
            revised.add(down.group(1))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(connection: Connection) -> str | None:
    """The one revision in ``alembic_version``, or None (no table, no row, or several: Alembic decides)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    return any(script.revision == revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def _upgrade_to_head(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")

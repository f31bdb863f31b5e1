"""Migrated databases to copy: each test that wants a migrated database gets a copy, not a migration.

Migrating a new database through Alembic takes about 70 ms on SQLite and 140 ms on the test
PostgreSQL (plus Alembic's import in each process); a copy of one migrated once a worker takes
under 1 ms (a file copy) and about 45 ms (``CREATE DATABASE ... TEMPLATE``). Opening the copy
is what a restart does: the schema is current, nothing is migrated. The tests that check
migrating itself (tests/db/test_migrations.py, test_open.py, the first start of a bot process
on a new database...) still start from an empty database.

Every copy has the template's installation secret; no test compares two databases' secrets
but tests/db/test_migrations.py, which makes its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.db.postgres import PostgresServer

SQLITE_NAME = "citebot.db"  # the file Database.open makes in DATA_DIR
PG_TEMPLATE = "citebot_migrated"


def _migrate(url: str) -> None:
    """Open (so migrate) and close the database at ``url``, on an event loop of its own thread."""
    from bot.db import Database

    async def open_and_close() -> None:
        database = await Database.open(url)
        await database.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # the caller may be inside a running loop
        pool.submit(asyncio.run, open_and_close()).result()


def sqlite_template(folder: Path) -> Path:
    """A migrated SQLite database made in ``folder``."""
    path = folder / SQLITE_NAME
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


def sqlite_copy(template: Path, folder: Path) -> Path:
    """``folder/citebot.db``, a copy of ``template`` (the file ``Database.open(None, data_dir=folder)`` opens)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(template, folder / SQLITE_NAME))


def pg_template(server: PostgresServer) -> str:
    """A migrated database on ``server``, closed to connections so that it can be copied at any time."""
    admin(server, f'CREATE DATABASE "{PG_TEMPLATE}"')
    _migrate(server.url("asyncpg", PG_TEMPLATE))
    admin(server, f'ALTER DATABASE "{PG_TEMPLATE}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
    return PG_TEMPLATE


def admin(server: PostgresServer, sql: str) -> None:
    """Run ``sql`` on ``server``'s ``postgres`` database, outside a transaction."""
    import psycopg

    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(sql)

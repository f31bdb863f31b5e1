"""Migrations: the schema they build is the code's, and several processes may run them at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from bot.db import Database, DatabaseTooNewError
from bot.db.engine import create_engine, resolve_url
from bot.db.migrate import alembic_config, current_revision, head_revision, newest_on_disk, upgrade
from bot.db.schema import metadata
from tests.helpers import REPO


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


async def test_migrations_build_exactly_the_schema_in_code(db_url: str) -> None:
    """Running every migration gives the tables, columns, indexes and types of bot/db/schema.py."""
    engine = create_engine(resolve_url(db_url))
    try:
        assert await upgrade(engine) is None
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(current_revision) == head_revision()
    finally:
        await engine.dispose()


async def test_a_second_upgrade_does_nothing(db_url: str) -> None:
    """Opening a current database migrates nothing and keeps the installation secret."""
    first = await Database.open(db_url)
    hashed = first.hash_id(42)
    await first.close()
    engine = create_engine(resolve_url(db_url))
    try:
        assert await upgrade(engine) == head_revision()
    finally:
        await engine.dispose()
    async with await Database.open(db_url) as again:
        assert again.hash_id(42) == hashed


async def test_concurrent_opens_migrate_once_and_agree_on_the_secret(db_url: str) -> None:
    """Four engines opening a new database together all succeed, with one installation row and one secret."""
    opened = await asyncio.gather(*(Database.open(db_url) for _ in range(4)))
    try:
        assert len({d.hash_id("U123") for d in opened}) == 1
        async with opened[0].engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM installation"))).scalar_one() == 1
    finally:
        for database in opened:
            await database.close()


_OPEN = """
import asyncio, sys
from bot.db import Database, DatabaseTooNewError
async def main():
    db = await Database.open(sys.argv[1])
    print(db.hash_id("U123"))
    await db.close()
asyncio.run(main())
"""


@pytest.mark.process
def test_two_processes_starting_together_both_open_the_database(db_url: str) -> None:
    """Two processes migrating one new database at the same moment both start, and agree on the secret."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN, db_url], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    hashes = {out.strip() for out, _ in results}
    assert len(hashes) == 1 and len(hashes.pop()) == 64


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    """The start-up's shortcut (no Alembic for a current database) knows the head Alembic knows."""
    assert newest_on_disk() == head_revision()


_REOPEN = """
import asyncio, sys
from bot.db import Database
async def main():
    db = await Database.open(sys.argv[1])
    await db.close()
    print("alembic" in sys.modules)
asyncio.run(main())
"""


@pytest.mark.process
def test_opening_a_current_database_does_not_import_alembic(db_url: str) -> None:
    """A new database is migrated with Alembic; opened again in a new process, it is current and Alembic stays unloaded."""
    opened = [
        subprocess.run(
            [sys.executable, "-c", _REOPEN, db_url], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
        )
        for _ in range(2)
    ]
    assert [p.returncode for p in opened] == [0, 0], [p.stderr for p in opened]
    assert [p.stdout.strip() for p in opened] == ["True", "False"]


async def test_downgrade_to_nothing_and_back(db_url: str) -> None:
    """The first migration can be undone (every table dropped) and redone."""
    engine = create_engine(resolve_url(db_url))

    def down_and_up(connection: Connection) -> list[object]:
        config = alembic_config(connection)
        command.downgrade(config, "base")
        left = connection.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'questions'"
            if connection.dialect.name == "postgresql"
            else "SELECT count(*) FROM sqlite_master WHERE name = 'questions'"
        ).scalar_one()
        command.upgrade(config, "head")
        return [left, _diff(connection)]

    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            assert await conn.run_sync(down_and_up) == [0, []]
    finally:
        await engine.dispose()


async def test_each_installation_has_its_own_secret(db_url: str, tmp_path: Path) -> None:
    """Two new databases, migrated at once by one process, hash the same id differently."""
    one, two = await asyncio.gather(Database.open(db_url), Database.open(None, data_dir=tmp_path / "other"))
    try:
        assert one.hash_id(42) != two.hash_id(42)
    finally:
        await one.close()
        await two.close()
    assert (tmp_path / "other" / "citebot.db").is_file()


async def test_a_database_from_a_newer_citebot_is_refused_in_one_line(db_url: str) -> None:
    """A schema revision this code does not know (a rolled-back upgrade) stops start-up with one clear line."""
    async with await Database.open(db_url) as db, db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseTooNewError) as caught:
        await Database.open(db_url)
    assert "revision 9999, newer than this citebot knows (0002)" in str(caught.value)
    assert "\n" not in str(caught.value)


_OPEN_AND_LOG = """
import asyncio, logging, sys
logging.basicConfig(level=logging.INFO, format="%(message)s")
from bot.db import Database
async def main():
    db = await Database.open(sys.argv[1])
    print(db.hash_id("U123"))
    await db.close()
asyncio.run(main())
"""


async def _at_first_revision_with_rows(url: str) -> str:
    """A database as the first release left it: at revision 0001, a claim and a question in it."""
    engine = create_engine(resolve_url(url))

    def first(connection: Connection) -> str:
        command.upgrade(alembic_config(connection), "0001")
        connection.exec_driver_sql(
            "INSERT INTO seen_events (platform, event_id, seen_at) VALUES ('slack', 'E1', '2026-01-01 00:00:00')"
        )
        return connection.exec_driver_sql("SELECT secret FROM installation").scalar_one()

    try:
        async with engine.begin() as conn:
            return await conn.run_sync(first)
    finally:
        await engine.dispose()


@pytest.mark.process
def test_processes_starting_together_on_an_older_schema_migrate_it_once(db_url: str) -> None:
    """An upgrade: three processes of the new release start together on a database of the first release's
    schema. One migrates (one log line), the others wait and find it current; the rows and the secret are kept."""
    asyncio.run(_at_first_revision_with_rows(db_url))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_AND_LOG, db_url],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    assert sum("migrating the database from 0001 to 0002" in err for _, err in results) == 1
    assert len({out.strip() for out, _ in results}) == 1

    async def kept() -> tuple[str | None, object]:
        engine = create_engine(resolve_url(db_url))
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(current_revision), (
                    await conn.execute(text("SELECT event_id, claimed_at, done_at FROM seen_events"))
                ).all()
        finally:
            await engine.dispose()

    revision, rows = asyncio.run(kept())
    assert revision == head_revision() and [tuple(r) for r in rows] == [("E1", None, None)]  # type: ignore[attr-defined]

"""Fixtures: every database test runs on SQLite and on a real PostgreSQL through both drivers.

The PostgreSQL server is started once per test session (``postgres.py``); each test gets
a new database on it, dropped afterwards: ``db_url`` an empty one, ``migrated_url`` (and so
``db``) a copy of one migrated once a session (tests/databases.py). Where no server programs exist the PostgreSQL
cases are skipped with the reason; under CI (``CI`` set) they fail instead, so CI can
never pass without having run them.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from tests import databases
from tests.conftest import shared_server_processes
from tests.db.postgres import PostgresServer, postgres_server, required_bindir

BACKENDS = {"sqlite": None, "pg-asyncpg": "asyncpg", "pg-psycopg": "psycopg"}
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, on 127.0.0.1 and a free port."""
    bindir = required_bindir()
    with contextlib.ExitStack() as stack:
        with shared_server_processes():  # the first test to need it starts it, the last one stops it
            server = stack.enter_context(postgres_server(bindir))
        try:
            yield server
        finally:
            with shared_server_processes():
                stack.close()


@pytest.fixture(scope="session")
def pg_migrated(pg_server: PostgresServer) -> str:
    """A database migrated once a session on ``pg_server``, copied for each test that wants a migrated one."""
    return databases.pg_template(pg_server)


# The PostgreSQL cases start a server process (once a session): they are `process` tests.
_PARAMS = [
    pytest.param(name, id=name, marks=[pytest.mark.process] if driver else []) for name, driver in BACKENDS.items()
]


def _new_database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    """A URL of a new database on the backend ``request.param``: empty, or a copy of a migrated one."""
    driver = BACKENDS[request.param]
    if driver is None:
        if migrated:
            databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
        yield f"sqlite+aiosqlite:///{tmp_path / databases.SQLITE_NAME}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    template = f' TEMPLATE "{request.getfixturevalue("pg_migrated")}"' if migrated else ""
    name = f"t{next(_names)}"
    databases.admin(server, f'CREATE DATABASE "{name}"{template}')
    yield server.url(driver, name)
    databases.admin(server, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=_PARAMS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a new, empty database on each backend in turn."""
    yield from _new_database(request, tmp_path, migrated=False)


@pytest.fixture(params=_PARAMS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a new database already at the newest schema (a copy: tests/databases.py), on each backend in turn."""
    yield from _new_database(request, tmp_path, migrated=True)


class FakeClock:
    """A clock the test moves by hand; starts at 2026-06-01 12:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(migrated_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    """An open, migrated database on each backend, on the fake clock."""
    database = await Database.open(migrated_url, clock=clock)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def db2(db: Database, migrated_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    """A second handle on the same database, with its own engine: another process's worth of connections."""
    database = await Database.open(migrated_url, clock=clock)
    try:
        yield database
    finally:
        await database.close()

"""Fixtures of the Slack tests: a fake Slack a test, the database of the bots' buttons, and the
PostgreSQL server of the database tests, for the replicas' tests. A module that needs another kind
of either (a fake with admins, a database it reopens) defines its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.db import Database
from tests.db.conftest import pg_server
from tests.fake_slack import FakeSlack

__all__ = ["db", "pg_server", "slack"]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def db(sqlite_migrated: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{sqlite_migrated}")
    yield database
    await database.close()

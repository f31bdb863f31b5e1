"""A PostgreSQL that stops or hangs under running bots never costs an answer, and is used again once back.

The module runs its own server (tests/db/postgres.py), since its tests stop and freeze it;
each test gets a new migrated database on it. "Down" is the server stopped as an operator
restarting it stops it (connections refused at once); "hung" is every server process
stopped with SIGSTOP (connections open, nothing answers: a hung host or a network that
drops packets).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot.core.asker import Asker
from bot.core.pipeline import Pipeline
from bot.core.record import Recorder
from bot.core.reply import Notice, Reply
from bot.core.runtime import rate_limiter
from bot.db import Database
from bot.db.schema import questions, rate_hits
from tests import databases
from tests.conftest import shared_server_processes
from tests.db.postgres import PostgresServer, postgres_server, required_bindir
from tests.fakes import fake_pipeline

pytestmark = pytest.mark.process

ASKER = Asker("slack", "T1:U1", "T1", "C1")
LIMITS = SimpleNamespace(rate_limit_count=5, rate_limit_seconds=600)
_names = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """This module's own server: its tests stop and freeze it."""
    bindir = required_bindir()
    with shared_server_processes(), postgres_server(bindir) as running:
        databases.pg_template(running)
        yield running


@pytest.fixture(params=["asyncpg", "psycopg"])
async def db(server: PostgresServer, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    name = f"o{next(_names)}"
    databases.admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{databases.PG_TEMPLATE}"')
    database = await Database.open(server.url(request.param, name))
    try:
        yield database
    finally:
        await database.close()
        databases.admin(server, f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.contextmanager
def stopped(server: PostgresServer) -> Iterator[None]:
    with shared_server_processes():
        server.stop()
    try:
        yield
    finally:
        with shared_server_processes():
            server.start()


def chat_pipeline(db: Database) -> tuple[Pipeline, list[Reply | Notice]]:
    """A bot's pipeline as the Slack and Discord bots make it on PostgreSQL, and what it delivered."""
    delivered: list[Reply | Notice] = []

    async def deliver(result: Reply | Notice) -> None:
        delivered.append(result)

    pipeline = fake_pipeline(limiter=rate_limiter(LIMITS, db), recorder=Recorder(db.questions, 3))  # type: ignore[arg-type]
    pipeline.deliver = deliver  # type: ignore[attr-defined]
    return pipeline, delivered


async def ask(pipeline: Pipeline, question: str = "Who wrote it?") -> Reply | Notice:
    # A liveness guard, not a timing: without it a hung database would hang the test run.
    async with asyncio.timeout(120):
        return await pipeline.handle(ASKER, question, deliver=pipeline.deliver)  # type: ignore[attr-defined]


async def count(db: Database, table: object) -> int:
    async with db.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()  # type: ignore[arg-type]


async def test_a_database_that_is_down_costs_no_answer_and_is_used_again_once_back(
    db: Database, server: PostgresServer
) -> None:
    """The shared rate limit, the log and the claims fail over while the server is down; the
    answer still goes out (without buttons), and once the server is back they are shared again."""
    pipeline, delivered = chat_pipeline(db)
    first = await ask(pipeline)
    assert isinstance(first, Reply) and first.answer_id is not None
    with stopped(server):
        during = await ask(pipeline)
        assert isinstance(during, Reply) and not during.abstained
        assert during.answer_id is None  # no log row, so no buttons that would find nothing
    after = await ask(pipeline)
    assert isinstance(after, Reply) and after.answer_id is not None
    assert delivered == [first, during, after]
    assert await count(db, questions) == 2
    assert await count(db, rate_hits) == 2  # the shared limit counts again


async def test_a_database_that_hangs_costs_no_answer(
    db: Database, server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call on the answer's way waits a bounded time (0.2 s here) for a database that does not
    answer, then the front ends' fallbacks take over: the question is claimed in this process, counted
    here, answered without buttons; once the server answers again everything is shared again."""
    from bot.discord.shards import Claims
    from bot.slack.once import OnceOnly

    monkeypatch.setattr("bot.db.waits.WAIT_SECONDS", 0.2, raising=False)
    pipeline, delivered = chat_pipeline(db)
    assert isinstance(await ask(pipeline), Reply)
    with server.frozen():
        async with asyncio.timeout(30):  # a liveness guard, as in ask()
            assert (await OnceOnly(db.events).claim("Ev1")).mine
            assert await Claims(db.events).first_time("message:1")
        during = await ask(pipeline)
        assert isinstance(during, Reply) and not during.abstained and during.answer_id is None
    after = await ask(pipeline)
    assert isinstance(after, Reply) and after.answer_id is not None
    assert delivered[1:] == [during, after]


async def test_the_health_beacons_ping_says_when_the_server_is_down_or_hangs(
    db: Database, server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the health file notes (bot/core/runtime.py): a server stopped or hung does not answer, within the
    bound of an answer's calls, and answers again once back."""
    monkeypatch.setattr("bot.db.waits.WAIT_SECONDS", 0.2, raising=False)
    assert await db.reachable()
    with stopped(server):
        assert not await db.reachable()
    assert await db.reachable()
    with server.frozen():
        async with asyncio.timeout(30):  # a liveness guard: the bound is 0.2 s
            assert not await db.reachable()
    assert await db.reachable()

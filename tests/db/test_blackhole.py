"""A network that silently drops packets between the bot and PostgreSQL costs no answer, frees the
pooled connections within the drivers' bounds, and the bot uses the database again once it relays.

The network is a proxy on 127.0.0.1 (tests/db/blackhole.py) switched to relay nothing, every socket
left open. The kernel's bounds (keepalives, TCP_USER_TIMEOUT) cannot fire through it (its kernel
acknowledges every byte); what it shows are the bounds the drivers and the bot keep themselves,
shortened here to a second: asyncpg's per-statement timeout and the question log's writer's.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator

import pytest

from bot.core.reply import Reply
from bot.db import Database
from tests import databases
from tests.db.blackhole import Blackhole
from tests.db.postgres import PostgresServer
from tests.db.test_outage import ask, chat_pipeline

pytestmark = pytest.mark.process

_names = itertools.count(1)


@pytest.fixture(params=["asyncpg", "psycopg"])
async def proxied(
    pg_server: PostgresServer, pg_migrated: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Database, Blackhole]]:
    """A migrated database reached through the proxy, with the bounds shortened to a second."""
    monkeypatch.setattr("bot.db.waits.WAIT_SECONDS", 0.2)
    monkeypatch.setattr("bot.db.engine.COMMAND_SECONDS", 1.0)
    monkeypatch.setattr("bot.db.questions.WRITE_SECONDS", 1.0)
    name = f"bh{next(_names)}"
    databases.admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{pg_migrated}"')
    proxy = await Blackhole(pg_server.port).start()
    db = await Database.open(f"postgresql+{request.param}://{pg_server.user}@127.0.0.1:{proxy.port}/{name}")
    try:
        yield db, proxy
    finally:
        proxy.relay()
        await db.close()
        await proxy.close()
        databases.admin(pg_server, f'DROP DATABASE "{name}" WITH (FORCE)')


async def test_a_network_that_drops_packets_costs_no_answer_and_frees_the_pool(
    proxied: tuple[Database, Blackhole],
) -> None:
    """While nothing is relayed, questions are answered (without buttons); every call left behind ends
    within its bound, giving its connection back to the pool; relaying again, answers get buttons."""
    db, proxy = proxied
    pipeline, delivered = chat_pipeline(db)
    first = await ask(pipeline)
    assert isinstance(first, Reply) and first.answer_id is not None
    proxy.blackhole()
    for _ in range(3):
        during = await ask(pipeline)
        assert isinstance(during, Reply) and not during.abstained and during.answer_id is None
    pool = db.engine.pool
    async with asyncio.timeout(60):  # a liveness guard: the bounds above are a second and psycopg's cancel 10 s
        while pool.checkedout():  # type: ignore[attr-defined]  # noqa: ASYNC110 - the pool signals nothing
            await asyncio.sleep(0.05)
    proxy.relay()
    after = await ask(pipeline)
    assert isinstance(after, Reply) and after.answer_id is not None
    assert len(delivered) == 5


async def test_each_connection_carries_the_kernels_bounds(proxied: tuple[Database, Blackhole]) -> None:
    """The pooled connection's TCP socket has keepalives and a TCP user timeout, on either driver."""
    db, _ = proxied
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        if hasattr(driver, "pgconn"):
            sock = socket.socket(fileno=socket.dup(driver.pgconn.socket))
        else:
            sock = driver._transport.get_extra_info("socket")
        try:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 10
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 20_000
        finally:
            if hasattr(driver, "pgconn"):
                sock.close()

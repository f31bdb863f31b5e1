"""Two replicas of the Slack app behind one load balancer, on one database: each request is acted on once."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.db import Database
from bot.slack.once import OnceOnly, SeenEvents, request_key
from tests.db.postgres import PostgresServer
from tests.fake_slack import FORM, FakeSlack, command_body, event_body, mention_event
from tests.slack.harness import Bot, start

_names = itertools.count(1)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database both replicas use: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'citebot.db'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = f"slack{next(_names)}"
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield server.url("asyncpg", name)
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def replicas(slack: FakeSlack, db_url: str) -> AsyncIterator[tuple[Bot, Bot]]:
    """Two app processes' worth: each its own engine on the one database, its own port and pipeline."""
    dbs = [await Database.open(db_url) for _ in range(2)]
    bots = [await start(slack, db=db) for db in dbs]
    yield bots[0], bots[1]
    for bot, db in zip(bots, dbs, strict=True):
        await bot.close()
        await db.close()


async def both(replicas: tuple[Bot, Bot], body: str, **kwargs: object) -> list[int]:
    """Send ``body`` to both replicas at once (Slack's retry reaching the other one); their statuses."""
    answers = await asyncio.gather(*(bot.post(body, **kwargs) for bot in replicas))  # type: ignore[arg-type]
    return [status for status, _, _ in answers]


async def test_a_retried_event_sent_to_both_replicas_is_answered_once(replicas: tuple[Bot, Bot]) -> None:
    """The same signed event reaches both replicas: both say 200, one answers."""
    first, second = replicas
    body = event_body(mention_event("Why did IBM quit?", ts="20.0"), event_id="EvTwice")
    assert await both(replicas, body) == [200, 200]
    await first.wait_for("chat.postMessage", thread_ts="20.0")
    await first.idle()
    await second.idle()  # the listener started before the 200: a second answer would be under way
    assert len(first.slack.of("chat.postMessage", thread_ts="20.0")) == 1
    assert len(first.retriever.asked) + len(second.retriever.asked) == 1


async def test_a_replayed_ask_sent_to_both_replicas_is_answered_once(replicas: tuple[Bot, Bot]) -> None:
    """One signed /ask (one trigger id) delivered twice, to each replica: one answer in all."""
    first, second = replicas
    body = command_body("/ask", "Why did IBM quit?", first.slack.response_url("twice"), trigger_id="111.222.abc")
    assert await both(replicas, body, content_type=FORM) == [200, 200]
    await first.wait_for("respond", key="twice")
    await first.idle()
    await second.idle()
    assert len(first.slack.of("respond", key="twice")) == 1
    assert len(first.retriever.asked) + len(second.retriever.asked) == 1


async def test_different_events_are_each_answered(replicas: tuple[Bot, Bot]) -> None:
    """Ten events, each sent to both replicas: ten answers, one per event."""
    for n in range(10):
        event = mention_event(f"Why did IBM quit {n}?", ts=f"30.{n}", user=f"U{n:04d}")  # under the rate limit
        body = event_body(event, event_id=f"EvMany{n}")
        assert await both(replicas, body) == [200, 200]
    posts = await replicas[0].wait_for("chat.postMessage", 10)
    for bot in replicas:
        await bot.idle()
    assert sorted(p.payload["thread_ts"] for p in posts) == [f"30.{n}" for n in range(10)]
    assert len(replicas[0].slack.of("chat.postMessage")) == 10


# --- the claim itself ----------------------------------------------------------------------------


def test_request_keys_are_the_event_or_the_trigger() -> None:
    """An event is known by its event_id; a command, click or modal by its trigger_id; anything else is not keyed."""
    assert request_key({"event_id": "Ev1", "trigger_id": "t"}) == "Ev1"
    assert request_key({"trigger_id": "1.2.3"}) == "trigger:1.2.3"
    assert request_key({"type": "url_verification"}) is None


def test_seen_events_forget_after_their_time() -> None:
    """In memory, a key is a repeat within the TTL and new again after it."""
    now = [0.0]
    seen = SeenEvents(ttl=60, clock=lambda: now[0])
    assert seen.first_time("Ev1")
    assert not seen.first_time("Ev1")
    now[0] = 61
    assert seen.first_time("Ev1")


class BrokenEvents:
    """An event store whose database is down."""

    async def first_time(self, platform: str, event_id: str) -> bool:
        raise ConnectionError("database down")


async def test_when_the_database_fails_this_process_still_answers_once(caplog: pytest.LogCaptureFixture) -> None:
    """A database that fails costs no answer: the claim falls back to this process's memory, with a warning."""
    once = OnceOnly(BrokenEvents())  # type: ignore[arg-type]
    assert await once.first_time("Ev1")
    assert not await once.first_time("Ev1")
    assert "Could not check a Slack request against the database: ConnectionError" in caplog.text


async def test_an_overlong_key_is_claimed_by_its_hash() -> None:
    """A key longer than the column is hashed, so the database never refuses it."""
    once = OnceOnly()
    assert await once.first_time("x" * 500)
    assert not await once.first_time("x" * 500)
    assert all(len(key) <= 128 for key in once.memory._seen)

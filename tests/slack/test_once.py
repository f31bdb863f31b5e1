"""Two replicas of the Slack app behind one load balancer, on one database: each request is acted on
once, and a request whose claimer died is answered by Slack's retry after the claim's lease."""

from __future__ import annotations

import asyncio
import itertools
import json
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from bot.db import Claim, Database
from bot.db.schema import seen_events
from bot.slack.once import CLAIMED, LEASE, OnceOnly, SeenEvents, answer_each_request_once, request_key
from tests.db.conftest import FakeClock
from tests.db.postgres import PostgresServer
from tests.fake_slack import FORM, TEAM, FakeSlack, command_body, event_body, mention_event
from tests.slack.harness import Bot, start

_names = itertools.count(1)


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
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def dbs(db_url: str, clock: FakeClock) -> AsyncIterator[list[Database]]:
    """Two processes' worth of database handles, each its own engine on the one database, on one fake clock."""
    opened = [await Database.open(db_url, clock=clock) for _ in range(2)]
    yield opened
    for db in opened:
        await db.close()


@pytest.fixture
async def replicas(slack: FakeSlack, dbs: list[Database]) -> AsyncIterator[tuple[Bot, Bot]]:
    """Two app processes' worth: each its own database handle, its own port and pipeline."""
    bots = [await start(slack, db=db) for db in dbs]
    yield bots[0], bots[1]
    for bot in bots:
        await bot.idle()
    await wait_done(dbs[0])  # each claim's done mark is written after its answer: let it land first
    for bot in bots:
        await bot.close()


async def both(replicas: tuple[Bot, Bot], body: str, **kwargs: object) -> bool:
    """Send ``body`` to both replicas at once (Slack's retry reaching the other one): whether one
    took it with a 200 and the other said 503 (still in hand) or 200 (already done)."""
    answers = await asyncio.gather(*(bot.post(body, **kwargs) for bot in replicas))  # type: ignore[arg-type]
    return sorted(status for status, _, _ in answers) in ([200, 200], [200, 503])


def retry(n: int) -> dict[str, str]:
    """The headers of Slack's ``n``-th retry of an event it saw no ``200`` for."""
    return {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}


async def wait_done(db: Database, event_id: str | None = None) -> None:
    """Wait until the claim on ``event_id`` (None: every claim) is marked done: its listener has ended."""
    c = seen_events.c
    query = select(func.count()).where(c.done_at.is_(None), *([c.event_id == event_id] if event_id else []))
    async with asyncio.timeout(10):  # a liveness guard, not a timing
        while True:
            async with db.engine.connect() as conn:
                if not await conn.scalar(query):
                    return
            await asyncio.sleep(0.02)


async def test_a_retried_event_sent_to_both_replicas_is_answered_once(replicas: tuple[Bot, Bot]) -> None:
    """The same signed event reaches both replicas at once: one says 200 and answers; the other
    finds the claim in hand (503: Slack will send it again later) or done (200), and does not answer."""
    first, second = replicas
    body = event_body(mention_event("Why did IBM quit?", ts="20.0"), event_id="EvTwice")
    assert await both(replicas, body)
    await first.wait_for("chat.postMessage", thread_ts="20.0")
    await first.idle()
    await second.idle()  # the listener started before the 200: a second answer would be under way
    assert len(first.slack.of("chat.postMessage", thread_ts="20.0")) == 1
    assert len(first.retriever.asked) + len(second.retriever.asked) == 1


async def test_a_retry_after_the_answer_is_dropped_even_after_the_lease(
    replicas: tuple[Bot, Bot], dbs: list[Database], clock: FakeClock
) -> None:
    """A claimer that answered marked its claim done: Slack's retries, on time or after the lease,
    get an empty 200 and no second answer."""
    first, second = replicas
    event = mention_event("Why did IBM quit?", ts="21.0")
    assert (await first.post(event_body(event, event_id="EvAnswered")))[0] == 200
    await first.wait_for("chat.postMessage", thread_ts="21.0")
    await wait_done(dbs[1], "EvAnswered")
    assert (await second.post(event_body(event, event_id="EvAnswered"), headers=retry(1)))[0] == 200
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert (await second.post(event_body(event, event_id="EvAnswered"), headers=retry(2)))[0] == 200
    await second.idle()
    assert second.retriever.asked == []
    assert len(first.slack.of("chat.postMessage", thread_ts="21.0")) == 1


async def test_a_question_whose_claimer_died_is_answered_by_the_retry_after_the_lease(
    replicas: tuple[Bot, Bot], dbs: list[Database], db_url: str, clock: FakeClock
) -> None:
    """A process claimed the event and died before acknowledging it (its claim made, nothing more).
    Slack's retries within the lease get 503, unanswered; the retry after the lease is answered
    once, and a later retry is dropped."""
    first, second = replicas
    dead = await Database.open(db_url, clock=clock)
    assert await OnceOnly(dead.events).claim("EvDied") is Claim.NEW
    await dead.close()
    body = event_body(mention_event("Why did IBM quit?", ts="22.0"), event_id="EvDied")
    assert (await second.post(body, headers=retry(1)))[0] == 503
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert (await first.post(body, headers=retry(2)))[0] == 503
    assert first.retriever.asked == second.retriever.asked == []  # refused before any listener ran
    clock.advance(seconds=2)
    assert (await second.post(body, headers=retry(3)))[0] == 200
    await second.wait_for("chat.postMessage", thread_ts="22.0")
    await wait_done(dbs[0], "EvDied")
    assert (await first.post(body, headers=retry(3)))[0] == 200
    await first.idle()
    await second.idle()
    assert len(second.slack.of("chat.postMessage", thread_ts="22.0")) == 1
    assert len(first.retriever.asked) + len(second.retriever.asked) == 1


async def test_a_replayed_ask_sent_to_both_replicas_is_answered_once(replicas: tuple[Bot, Bot]) -> None:
    """One signed /ask (one trigger id) delivered twice, to each replica: one answer in all."""
    first, second = replicas
    body = command_body("/ask", "Why did IBM quit?", first.slack.response_url("twice"), trigger_id="111.222.abc")
    assert await both(replicas, body, content_type=FORM)
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
        assert await both(replicas, body)
    posts = await replicas[0].wait_for("chat.postMessage", 10)
    for bot in replicas:
        await bot.idle()
    assert sorted(p.payload["thread_ts"] for p in posts) == [f"30.{n}" for n in range(10)]
    assert len(replicas[0].slack.of("chat.postMessage")) == 10


def unknown_click(trigger: str) -> str:
    """A click on a button no listener takes (one an older version drew)."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U0001", "username": "ann", "team_id": TEAM},
        "trigger_id": trigger,
        "team": {"id": TEAM},
        "channel": {"id": "C0001"},
        "actions": [{"type": "button", "action_id": "citebot_gone", "value": "x", "action_ts": "1.0"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


async def test_a_request_no_listener_takes_ends_its_claim(replicas: tuple[Bot, Bot], dbs: list[Database]) -> None:
    """Bolt's 404 for a click nobody listens to ends the claim: marked done, so Slack's retry is
    dropped at once rather than held for the lease, and it no longer keeps a stop waiting."""
    first, second = replicas
    body = unknown_click("9.9.gone")
    assert (await first.post(body, content_type=FORM))[0] == 404
    await wait_done(dbs[0], "trigger:9.9.gone")
    assert first.once.in_hand == 0
    assert (await second.post(body, content_type=FORM))[0] == 200
    assert second.once.in_hand == 0


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

    async def claim(self, platform: str, event_id: str, lease: object) -> Claim:
        raise ConnectionError("database down")

    async def done(self, platform: str, event_id: str) -> None:
        raise ConnectionError("database down")


async def test_when_the_database_fails_this_process_still_answers_once(caplog: pytest.LogCaptureFixture) -> None:
    """A database that fails costs no answer: the claim falls back to this process's memory, with a warning."""
    once = OnceOnly(BrokenEvents())  # type: ignore[arg-type]
    assert await once.claim("Ev1") is Claim.NEW
    assert await once.claim("Ev1") is Claim.DONE
    await once.done("Ev1")
    assert "Could not check a Slack request against the database: ConnectionError" in caplog.text
    assert "Could not mark a Slack request done in the database: ConnectionError" in caplog.text


async def test_an_overlong_key_is_claimed_by_its_hash() -> None:
    """A key longer than the column is hashed, so the database never refuses it."""
    once = OnceOnly()
    assert await once.claim("x" * 500) is Claim.NEW
    assert await once.claim("x" * 500) is Claim.DONE
    assert all(len(key) <= 128 for key in once.memory._seen)


async def test_a_request_ends_once_when_bolt_gave_up_on_its_listener_first() -> None:
    """A listener that did not acknowledge in time is reported unhandled, and later ends too: the
    request is counted out of hand once, so another request still in hand keeps a stop waiting."""
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.request.async_request import AsyncBoltRequest
    from slack_sdk.web.async_client import AsyncWebClient

    once = OnceOnly()
    app = AsyncApp(
        name="t", client=AsyncWebClient(token="xoxb-0"), signing_secret="", request_verification_enabled=False
    )
    answer_each_request_once(app, once)
    once.taken()  # another request, still being answered
    once.taken()
    request = AsyncBoltRequest(body="{}", context={CLAIMED: "trigger:late"})
    await once.unmatched(request.context)
    await app.listener_runner.listener_completion_handler.handle(request, None)
    assert once.in_hand == 1

"""The question log as the pipeline writes it, and the buttons' work, on a real SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import wording
from bot.core.actions import Actions
from bot.core.asker import Asker
from bot.core.pipeline import Pipeline
from bot.core.record import Recorder
from bot.core.reply import MoreReply, Notice, NoticeKind, Reply
from bot.core.service import AnswerService
from bot.db import Database
from tests.fakes import FakeRetriever

ASKER = Asker("discord", "42", "7", "9")
OTHER = Asker("discord", "43", "7", "9")


@pytest.fixture
async def db(sqlite_migrated: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{sqlite_migrated}")
    yield database
    await database.close()


@pytest.fixture
def fake() -> FakeRetriever:
    return FakeRetriever()


@pytest.fixture
async def pipeline(db: Database, fake: FakeRetriever) -> AsyncIterator[Pipeline]:
    """A chat pipeline: 3 passages shown, 3 more asked for, every question logged."""
    service = AnswerService(fake, k=6, batch_window=0.0)
    yield Pipeline(service, recorder=Recorder(db.questions, 3), shown=3)
    await service.aclose()


@pytest.fixture
def actions(pipeline: Pipeline, db: Database) -> Actions:
    return Actions(pipeline.service, db)


async def answered(pipeline: Pipeline, question: str = "Why did IBM quit?") -> Reply:
    reply = await pipeline.handle(ASKER, question)
    assert isinstance(reply, Reply)
    assert reply.answer_id is not None
    return reply


async def test_every_answer_is_logged_with_its_citations_and_carries_its_id(pipeline: Pipeline, db: Database) -> None:
    """The reply carries the log's answer id; the row keeps the outcome, the shown and further passages, the index."""
    reply = await answered(pipeline)
    row = await db.questions.get(reply.answer_id)  # type: ignore[arg-type]
    assert row is not None
    assert (row.question, row.outcome, row.index_version) == ("Why did IBM quit?", "answered", "fakeversion1")
    assert [c["shown"] for c in row.citations] == [True] * 3 + [False] * 3
    assert [c["ref"] for c in row.citations][:2] == [[0, 1], [1, 1]]
    assert row.asker_hash == db.hash_id(ASKER.user) != ASKER.user  # the keyed hash, never the id


async def test_low_confidence_and_rate_limited_questions_are_logged_as_such(db: Database, fake: FakeRetriever) -> None:
    """The log's outcome is what happened: low confidence, abstained, rate limited."""
    from bot.core.ratelimit import RateLimiter

    service = AnswerService(fake, batch_window=0.0)
    pipeline = Pipeline(service, RateLimiter(2, 60), recorder=Recorder(db.questions, 3))
    results = [await pipeline.handle(ASKER, q) for q in ("vaguely why?", "sourdough?", "third")]
    outcomes = [(await db.questions.get(r.answer_id)).outcome for r in results[:2]]  # type: ignore[union-attr,arg-type]
    assert outcomes == ["low_confidence", "abstained"]
    assert isinstance(results[2], Notice) and results[2].kind is NoticeKind.RATE_LIMITED
    await service.aclose()


async def test_an_answer_that_cannot_be_delivered_is_logged_undelivered(pipeline: Pipeline, db: Database) -> None:
    """When sending fails, the row says undelivered, not answered."""
    ids: list[str] = []

    async def refuse(result: Reply | Notice) -> None:
        assert isinstance(result, Reply) and result.answer_id
        ids.append(result.answer_id)
        raise OSError("the platform went away")

    await pipeline.handle(ASKER, "Why did IBM quit?", deliver=refuse)
    row = await db.questions.get(ids[0])
    assert row is not None and row.outcome == "undelivered"


class UnreachableLog:
    """A question log whose database has gone away."""

    async def record(self, **row: object) -> str:
        raise OSError("connection refused")


async def test_a_database_that_fails_never_costs_the_answer(fake: FakeRetriever) -> None:
    """When the log cannot be written, the answer is still given, without an id (so without buttons)."""
    pipeline = Pipeline(AnswerService(fake, batch_window=0.0), recorder=Recorder(UnreachableLog(), 3))  # type: ignore[arg-type]
    reply = await pipeline.handle(ASKER, "Why did IBM quit?")
    assert isinstance(reply, Reply) and reply.passage and reply.answer_id is None


async def test_more_sources_shows_the_next_passages_numbered_on(pipeline: Pipeline, actions: Actions) -> None:
    """More sources gives the passages after the three shown, as [4] [5] [6], each with a bold sentence."""
    reply = await answered(pipeline)
    more = await actions.more(reply.answer_id)  # type: ignore[arg-type]
    assert isinstance(more, MoreReply)
    assert [p.source.citation for p in more.passages] == [
        "[4] IBM quits facial recognition, ¶9",
        "[5] IBM quits facial recognition, ¶10",
        "[6] IBM quits facial recognition, ¶11",
    ]
    assert all(any(span.strong for span in p.spans) for p in more.passages)


async def test_a_button_on_an_answer_from_an_older_index_says_so(
    pipeline: Pipeline, actions: Actions, fake: FakeRetriever
) -> None:
    """After a rebuild the logged passage numbers mean other passages: a polite notice instead."""
    reply = await answered(pipeline)
    fake._info = type(fake.info)(**{**fake.info.__dict__, "version": "newversion22"})
    for result in (await actions.more(reply.answer_id), await actions.share(reply.answer_id, "<@42>")):  # type: ignore[arg-type]
        assert result == Notice(NoticeKind.OUTDATED, wording.OUTDATED)


async def test_a_button_on_an_answer_the_log_no_longer_holds_says_so(actions: Actions, db: Database) -> None:
    """An unknown or pruned answer id: the answer is gone, say so."""
    gone = Notice(NoticeKind.GONE, wording.ANSWER_GONE)
    assert await actions.more("nosuchid123") == gone
    assert await actions.vote("nosuchid123", ASKER, up=True) == gone


async def test_one_vote_per_person_and_a_second_click_changes_it(
    pipeline: Pipeline, actions: Actions, db: Database
) -> None:
    """Each person has one vote per answer; clicking the other button changes it; a reason stays with 👎."""
    reply = await answered(pipeline)
    answer_id = reply.answer_id
    assert (await actions.vote(answer_id, ASKER, up=True)).text == wording.VOTED_UP  # type: ignore[arg-type]
    await actions.vote(answer_id, OTHER, up=True)  # type: ignore[arg-type]
    await actions.vote(answer_id, ASKER, up=False)  # type: ignore[arg-type]
    tally = await db.votes.tally(answer_id)  # type: ignore[arg-type]
    assert (tally.up, tally.down) == (1, 1)
    await actions.explain(answer_id, ASKER, "  it cites the\nwrong paragraph ")  # type: ignore[arg-type]
    (down,) = await db.reports.downvoted(datetime.now(UTC) - timedelta(hours=1))
    assert (down.question, down.reason) == ("Why did IBM quit?", "it cites the wrong paragraph")


async def test_share_posts_the_same_answer_with_who_asked(pipeline: Pipeline, actions: Actions) -> None:
    """Share rebuilds the private answer from the log: same passage and citations, with "asked by"."""
    reply = await answered(pipeline)
    shared = await actions.share(reply.answer_id, "<@42>")  # type: ignore[arg-type]
    assert isinstance(shared, Reply)
    assert (shared.passage, shared.sources, shared.shared_by) == (reply.passage, reply.sources, "<@42>")
    assert shared.answer_id == reply.answer_id


async def test_an_answer_is_shared_once_however_many_clicks_race(pipeline: Pipeline, actions: Actions) -> None:
    """Two clicks on Share at once (a double click, before the button is gone) post the answer once: the other
    is told it is in the channel already."""
    reply = await answered(pipeline)
    first, second = await asyncio.gather(*(actions.share(reply.answer_id, "<@42>") for _ in range(2)))  # type: ignore[arg-type]
    results = sorted([first, second], key=lambda r: isinstance(r, Notice))
    assert isinstance(results[0], Reply)
    assert results[1] == Notice(NoticeKind.DONE, wording.ALREADY_SHARED)

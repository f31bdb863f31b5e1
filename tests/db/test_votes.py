"""Feedback votes: one per person per answer, changeable, with an optional one-line reason."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.db import Database, Outcome, Tally
from bot.db.schema import votes
from bot.db.votes import clean_reason


async def _answer(db: Database) -> str:
    return await db.questions.record(
        platform="discord", asker=1, question="Who founded IBM?", outcome=Outcome.LOW_CONFIDENCE, index_version="v7"
    )


async def _rows(db: Database) -> int:
    async with db.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(votes))).scalar_one()


async def test_a_second_click_changes_the_vote(db: Database) -> None:
    """Up, then down with a reason: one row, now down, with the reason; up again clears it."""
    answer_id = await _answer(db)
    assert await db.votes.cast(answer_id, 42, up=True)
    assert await db.votes.get(answer_id, 42) is True
    assert await db.votes.cast(answer_id, 42, up=False, reason="  cites the wrong\nparagraph ")
    assert await db.votes.get(answer_id, 42) is False
    assert await db.votes.tally(answer_id) == Tally(up=0, down=1)
    assert await _rows(db) == 1
    logged = await db.questions.get(answer_id)
    assert logged is not None
    [down] = await db.reports.downvoted(logged.asked_at)
    assert (down.reason, down.question, down.index_version) == ("cites the wrong paragraph", "Who founded IBM?", "v7")
    assert await db.votes.cast(answer_id, 42, up=True)
    assert await db.reports.downvoted(down.asked_at) == []
    assert await _rows(db) == 1


async def test_votes_of_different_people_count_separately(db: Database) -> None:
    """Three people, three votes on one answer; no vote reads as None."""
    answer_id = await _answer(db)
    for person, up in ((1, True), (2, True), ("U3", False)):
        await db.votes.cast(answer_id, person, up=up)
    assert await db.votes.tally(answer_id) == Tally(up=2, down=1)
    assert await db.votes.get(answer_id, 4) is None
    assert await db.votes.tally("no-such-answer") == Tally(up=0, down=0)


async def test_a_vote_on_an_unknown_answer_is_refused(db: Database) -> None:
    """A button from a pruned answer stores nothing and says so."""
    assert not await db.votes.cast("AAAAAAAAAAA", 42, up=True)
    assert await _rows(db) == 0


async def test_simultaneous_clicks_from_two_processes_leave_one_vote(db: Database, db2: Database) -> None:
    """One person clicking repeatedly through two processes at once still has exactly one vote."""
    answer_id = await _answer(db)
    clicks = [(db if i % 2 else db2).votes.cast(answer_id, 42, up=bool(i % 3)) for i in range(20)]
    assert all(await asyncio.gather(*clicks))
    assert await _rows(db) == 1
    tally = await db.votes.tally(answer_id)
    assert tally.up + tally.down == 1


def test_reasons_are_one_short_line() -> None:
    """Whitespace collapses, 200 characters at most, blank is no reason."""
    assert clean_reason(" a\n\tb  c ") == "a b c"
    assert clean_reason("x" * 500) == "x" * 200
    assert clean_reason(" \n ") is None
    assert clean_reason(None) is None

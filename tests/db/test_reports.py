"""Report queries: what went unanswered, what was voted down, what is asked most."""

from __future__ import annotations

from datetime import timedelta

from bot.db import Database, Outcome
from tests.db.conftest import FakeClock


async def _log(db: Database, question: str, outcome: Outcome, asker: int = 1) -> str:
    return await db.questions.record(platform="discord", asker=asker, question=question, outcome=outcome)


async def test_unanswered_groups_repeats_most_frequent_first(db: Database, clock: FakeClock) -> None:
    """Abstained and low-confidence questions, counted over case, spacing and end punctuation."""
    start = clock.now
    await _log(db, "Who founded IBM?", Outcome.LOW_CONFIDENCE)
    clock.advance(minutes=1)
    await _log(db, "who  founded ibm", Outcome.ABSTAINED, asker=2)
    clock.advance(minutes=1)
    await _log(db, "What is Watson?", Outcome.ABSTAINED)
    await _log(db, "Why did IBM quit?", Outcome.ANSWERED)
    await _log(db, "Who founded IBM?", Outcome.RATE_LIMITED)
    rows = await db.reports.unanswered(start)
    assert [(r.question, r.count) for r in rows] == [("who  founded ibm", 2), ("What is Watson?", 1)]
    assert rows[0].last_asked == start + timedelta(minutes=1)
    assert rows[0].last_asked.tzinfo is not None


async def test_since_leaves_older_questions_out(db: Database, clock: FakeClock) -> None:
    """Only questions asked at or after `since` are reported."""
    await _log(db, "old gap", Outcome.ABSTAINED)
    clock.advance(days=8)
    since = clock.now - timedelta(days=7)
    await _log(db, "new gap", Outcome.ABSTAINED)
    assert [r.question for r in await db.reports.unanswered(since)] == ["new gap"]
    assert [r.question for r in await db.reports.most_asked(since)] == ["new gap"]


async def test_most_asked_counts_every_real_question(db: Database, clock: FakeClock) -> None:
    """Answered, abstained and failed all count; empty and rate-limited do not; ties go to the most recent."""
    start = clock.now
    for outcome in (Outcome.ANSWERED, Outcome.ABSTAINED, Outcome.FAILED, Outcome.RATE_LIMITED, Outcome.EMPTY):
        await _log(db, "Why did IBM quit?", outcome)
    await _log(db, "What did IBM ask Congress?", Outcome.ANSWERED)
    clock.advance(seconds=1)
    await _log(db, "What is Watson?", Outcome.ANSWERED)
    rows = await db.reports.most_asked(start, limit=2)
    assert [(r.question, r.count) for r in rows] == [("Why did IBM quit?", 3), ("What is Watson?", 1)]


async def test_downvoted_lists_each_down_vote_with_its_answer(db: Database, clock: FakeClock) -> None:
    """Every 👎 with its reason, question, citations and index version, newest first; 👍 left out."""
    start = clock.now
    first = await db.questions.record(
        platform="slack",
        asker="U1",
        question="Who founded IBM?",
        outcome=Outcome.LOW_CONFIDENCE,
        citations=[{"source": "seeds/ibm.txt", "paragraph": 2}],
        index_version="abc",
    )
    second = await _log(db, "What is Watson?", Outcome.ANSWERED)
    await db.votes.cast(first, "U2", up=False, reason="not the founder")
    clock.advance(minutes=1)
    await db.votes.cast(second, "U2", up=False)
    await db.votes.cast(first, "U3", up=True)
    rows = await db.reports.downvoted(start)
    assert [(r.answer_id, r.reason) for r in rows] == [(second, None), (first, "not the founder")]
    assert rows[1].citations == [{"source": "seeds/ibm.txt", "paragraph": 2}]
    assert (rows[1].index_version, rows[1].question, rows[1].asked_at) == ("abc", "Who founded IBM?", start)
    assert await db.reports.downvoted(clock.now + timedelta(seconds=1)) == []


async def test_empty_log_gives_empty_reports(db: Database, clock: FakeClock) -> None:
    """A new installation reports nothing, without error."""
    assert await db.reports.unanswered(clock.now) == []
    assert await db.reports.most_asked(clock.now) == []
    assert await db.reports.downvoted(clock.now) == []

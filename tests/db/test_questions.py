"""The question log: recording, reading back by answer id, outcomes and retention."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.db import Database, Outcome
from tests.db.conftest import FakeClock

CITES = [{"source": "seeds/ibm.txt", "paragraph": 3, "score": 0.71}, {"source": "seeds/ibm.txt", "paragraph": 5}]


async def _ask(db: Database, question: str = "Why did IBM quit?", **kw: object) -> str:
    fields: dict = {"platform": "discord", "asker": 1234, "guild": 99, "channel": 7, "outcome": Outcome.ANSWERED}
    fields.update(kw)
    return await db.questions.record(question=question, citations=CITES, index_version="v1", **fields)


async def test_a_recorded_question_reads_back_by_its_answer_id(db: Database, clock: FakeClock) -> None:
    """Every field comes back; the asker only as the installation's keyed hash."""
    answer_id = await _ask(db)
    row = await db.questions.get(answer_id)
    assert row is not None
    assert (row.platform, row.guild, row.channel, row.question) == ("discord", "99", "7", "Why did IBM quit?")
    assert row.outcome is Outcome.ANSWERED
    assert row.citations == CITES
    assert row.index_version == "v1"
    assert row.asked_at == clock.now
    assert row.asker_hash == db.hash_id(1234) == db.hash_id("1234")
    assert "1234" not in row.asker_hash


async def test_answer_ids_are_short_unique_and_fit_a_button(db: Database) -> None:
    """An answer id is URL-safe and short enough for ``vote:<id>:down`` within Discord's 100 characters."""
    ids = {await _ask(db) for _ in range(50)}
    assert len(ids) == 50
    for answer_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{11}", answer_id)
        assert len(f"vote:{answer_id}:down") <= 100


async def test_no_guild_or_channel_is_stored_as_empty(db: Database) -> None:
    """A terminal question (no guild, no channel) is logged with empty ids."""
    row = await db.questions.get(await _ask(db, platform="terminal", guild=None, channel=None))
    assert row is not None and (row.guild, row.channel) == ("", "")


async def test_set_outcome_changes_only_that_row(db: Database) -> None:
    """A reply that could not be sent becomes ``undelivered``; an unknown id changes nothing."""
    first, second = await _ask(db), await _ask(db)
    assert await db.questions.set_outcome(first, Outcome.UNDELIVERED)
    assert not await db.questions.set_outcome("nonexistent", Outcome.FAILED)
    rows = [await db.questions.get(first), await db.questions.get(second)]
    assert [row.outcome if row else None for row in rows] == [Outcome.UNDELIVERED, Outcome.ANSWERED]


async def test_every_outcome_is_accepted(db: Database) -> None:
    """Each outcome fits the table's check constraint, given as the enum or as its word (the pipeline's)."""
    for outcome in Outcome:
        for given in (outcome, outcome.value):
            row = await db.questions.get(await _ask(db, outcome=given))
            assert row is not None and row.outcome is outcome


async def test_an_unknown_answer_id_reads_as_none(db: Database) -> None:
    """A button from a pruned or foreign answer finds nothing."""
    assert await db.questions.get("AAAAAAAAAAA") is None


async def test_prune_deletes_questions_past_retention_with_their_votes(db: Database, clock: FakeClock) -> None:
    """Questions older than RETENTION_DAYS (90) go, with their votes; younger ones stay."""
    old = await _ask(db, question="old one")
    await db.votes.cast(old, 5, up=False, reason="wrong")
    clock.advance(days=60)
    young = await _ask(db, question="young one")
    await db.votes.cast(young, 5, up=True)
    clock.advance(days=31)  # old is 91 days old, young 31
    pruned = await db.prune()
    assert pruned.questions == 1
    assert await db.questions.get(old) is None
    assert await db.questions.get(young) is not None
    assert (await db.votes.tally(young)).up == 1
    assert await db.votes.get(old, 5) is None
    assert await db.reports.downvoted(clock.now.replace(year=2000)) == []


async def test_prune_keeps_a_question_exactly_at_the_retention_edge(db: Database, clock: FakeClock) -> None:
    """A question asked exactly RETENTION_DAYS ago is kept; one second more and it goes."""
    answer_id = await _ask(db)
    clock.advance(days=90)
    assert (await db.prune()).questions == 0
    clock.advance(seconds=1)
    assert (await db.prune()).questions == 1
    assert await db.questions.get(answer_id) is None


async def test_a_long_question_is_cut_and_citations_capped(db: Database) -> None:
    """Questions are stored up to 4000 characters and the first 10 citations."""
    many = [{"source": f"s{i}", "paragraph": i} for i in range(25)]
    answer_id = await db.questions.record(
        platform="slack", asker="T1:U1", question="x" * 5000, outcome=Outcome.ANSWERED, citations=many
    )
    row = await db.questions.get(answer_id)
    assert row is not None and len(row.question) == 4000 and row.citations == many[:10]


async def test_questions_answered_together_are_logged_together_and_each_gets_its_row(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty questions logged at once share transactions (not twenty commits), and every one
    reads back under its own answer id."""
    inserts: list[int] = []
    insert = db.questions._insert

    async def counting(rows: list[dict]) -> None:
        inserts.append(len(rows))
        await insert(rows)

    monkeypatch.setattr(db.questions, "_insert", counting)
    ids = await asyncio.gather(*(_ask(db, f"Question {i}?") for i in range(20)))
    assert len(set(ids)) == 20
    assert sum(inserts) == 20 and len(inserts) < 20
    for i, answer_id in enumerate(ids):
        row = await db.questions.get(answer_id)
        assert row is not None and row.question == f"Question {i}?"


async def test_a_row_the_database_refuses_fails_alone(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a shared transaction fails, its rows are written one by one: only the bad one fails."""
    insert = db.questions._insert

    async def refusing(rows: list[dict]) -> None:
        if any(row["question"] == "bad" for row in rows):
            raise RuntimeError("refused")
        await insert(rows)

    monkeypatch.setattr(db.questions, "_insert", refusing)
    results = await asyncio.gather(_ask(db, "good"), _ask(db, "bad"), _ask(db, "fine"), return_exceptions=True)
    assert isinstance(results[1], RuntimeError)
    for answer_id in (results[0], results[2]):
        assert isinstance(answer_id, str) and await db.questions.get(answer_id) is not None

"""The 👎 dialog's note against the votes in the database, on SQLite and PostgreSQL: a dialog sent after a newer 👍
(another device) leaves the 👍 standing; a note goes with a 👎 that still stands.

Both front ends count the 👎 when it is clicked and open the dialog then; its note is sent later, or never.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core import wording
from bot.core.actions import Actions
from bot.core.asker import Asker
from bot.core.reply import Notice, NoticeKind
from bot.core.service import AnswerService
from bot.db import Database, Outcome, Tally
from tests.db.conftest import FakeClock, clock, db, migrated_url, pg_migrated, pg_server
from tests.fakes import FakeRetriever

__all__ = ["clock", "db", "migrated_url", "pg_migrated", "pg_server"]  # the database tests' fixtures, both backends

VOTER = Asker("slack", "T1:U1", "T1", "C1")
SAVED = Notice(NoticeKind.DONE, wording.REASON_SAVED)


async def _answer(db: Database) -> str:
    return await db.questions.record(
        platform="slack", asker="T1:U9", question="Who founded IBM?", outcome=Outcome.ANSWERED, index_version="v7"
    )


async def _notes(db: Database, clock: FakeClock) -> list[str | None]:
    return [note.reason for note in await db.reports.downvoted(clock.now - timedelta(hours=1))]


def _actions(db: Database) -> Actions:
    return Actions(AnswerService(FakeRetriever(), batch_window=0.0), db)


async def test_a_dialog_sent_after_a_newer_thumbs_up_leaves_the_thumbs_up(db: Database, clock: FakeClock) -> None:
    """👎 (the dialog opens), 👍 on another device, then the dialog is sent with a note: the 👍 stands, the note is
    not kept, and the person is told so."""
    actions, answer_id = _actions(db), await _answer(db)
    await actions.vote(answer_id, VOTER, up=False)
    clock.advance(seconds=30)
    await actions.vote(answer_id, VOTER, up=True)
    clock.advance(seconds=30)
    notice = await actions.explain(answer_id, VOTER, "it quoted the wrong paragraph")
    assert notice == Notice(NoticeKind.DONE, wording.REASON_NOT_KEPT)
    assert await db.votes.get(answer_id, "slack:T1:U1") is True
    assert await db.votes.tally(answer_id) == Tally(up=1, down=0)
    assert await _notes(db, clock) == []


async def test_a_note_goes_with_the_thumbs_down_that_stands_and_a_blank_one_leaves_it(
    db: Database, clock: FakeClock
) -> None:
    """The note is kept with the 👎 the dialog was opened by; a second dialog sent blank (Slack sends one) keeps
    the note as it was, and the 👎 counts once."""
    actions, answer_id = _actions(db), await _answer(db)
    await actions.vote(answer_id, VOTER, up=False)
    assert await actions.explain(answer_id, VOTER, "  it quoted the\nwrong paragraph ") == SAVED
    assert await actions.explain(answer_id, VOTER, "   ") == SAVED
    assert await db.votes.tally(answer_id) == Tally(up=0, down=1)
    assert await _notes(db, clock) == ["it quoted the wrong paragraph"]


async def test_a_dialog_with_no_vote_behind_it_records_the_thumbs_down(db: Database, clock: FakeClock) -> None:
    """When the 👎 that opened the dialog was not counted (Slack opens the dialog first, within its 3 s), the
    dialog records it, with its note; an answer the log no longer holds says so and stores nothing."""
    actions, answer_id = _actions(db), await _answer(db)
    assert await actions.explain(answer_id, VOTER, "not about IBM") == SAVED
    assert await db.votes.get(answer_id, "slack:T1:U1") is False
    assert await _notes(db, clock) == ["not about IBM"]
    gone = await actions.explain("AAAAAAAAAAA", VOTER, "gone")
    assert gone == Notice(NoticeKind.GONE, wording.ANSWER_GONE)

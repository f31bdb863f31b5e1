"""The question log: one row per question asked, with what became of it.

Each row gets a short answer id that the buttons under an answer carry
(``vote:<answer id>:up``), so a click finds the question, its citations and the index
version it was answered from, in any process and after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.hashing import IdHasher, new_answer_id, question_key
from bot.db.schema import Outcome, questions, votes
from bot.db.waits import bounded, within

__all__ = ["LoggedQuestion", "QuestionLog"]

log = logging.getLogger(__name__)

MAX_CITATIONS = 10  # the top ones are enough to say what an answer rested on
MAX_QUESTION_CHARS = 4000  # the front ends cut questions far shorter (MAX_QUESTION_CHARS, 1000)
# The longest a batch of the log's rows is written for on PostgreSQL, as asyncpg bounds a statement
# (COMMAND_SECONDS, engine.py); psycopg has no such bound, and the writer is never cancelled by its
# callers' waits: on a connection gone silent it would hold its connection for minutes otherwise.
WRITE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """A row of the question log, as the buttons and reports read it back."""

    answer_id: str
    asked_at: datetime
    platform: str
    guild: str
    channel: str
    asker_hash: str
    question: str
    outcome: Outcome
    citations: list[Any]
    index_version: str


def _id(value: str | int | None) -> str:
    return "" if value is None else str(value)


def _settle(written: asyncio.Future[None], error: Exception | None) -> None:
    if written.done():  # its loop is closing
        return
    if error is None:
        written.set_result(None)
    else:
        written.set_exception(error)


class QuestionLog:
    """Records questions and reads them back by answer id.

    Args:
        engine: The database's engine.
        hasher: Hashes the asker's id with the installation secret.
        clock: Returns the current time (aware, UTC).
    """

    def __init__(self, engine: AsyncEngine, hasher: IdHasher, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._hash = hasher
        self._clock = clock
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []  # rows for the next write
        self._writer: asyncio.Task[None] | None = None

    async def record(
        self,
        *,
        platform: str,
        asker: str | int,
        question: str,
        outcome: Outcome | str,
        guild: str | int | None = None,
        channel: str | int | None = None,
        citations: Sequence[Mapping[str, Any]] = (),
        index_version: str = "",
    ) -> str:
        """Log one question and return its new answer id (11 characters).

        Args:
            platform: ``discord``, ``slack`` or ``terminal``.
            asker: The asker's chat id; only its keyed hash is stored.
            question: The question as asked (after the front end's length cap).
            outcome: What became of it (an :class:`Outcome` or its value, e.g. the pipeline's
                ``outcome_of(result)``); :meth:`set_outcome` changes it later.
            guild: The Discord guild or Slack team; None for a DM or the terminal.
            channel: The channel; None where there is none.
            citations: The top citations, JSON-serialisable mappings, e.g.
                ``{"source": "seeds/a.txt", "paragraph": 3, "score": 0.71}``; the first 10 are kept.
            index_version: The version of the index that answered (its manifest digest).
        """
        answer_id = new_answer_id()
        row = {
            "answer_id": answer_id,
            "asked_at": self._clock(),
            "platform": platform,
            "guild": _id(guild),
            "channel": _id(channel),
            "asker_hash": self._hash(asker),
            "question": question[:MAX_QUESTION_CHARS],
            "question_key": question_key(question),
            "outcome": Outcome(outcome).value,
            "citations": [dict(c) for c in citations[:MAX_CITATIONS]],
            "index_version": index_version,
        }
        written = asyncio.get_running_loop().create_future()
        # Its error is retrieved even when nobody waits any more (the caller's wait gave up first).
        written.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._waiting.append((row, written))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting(), name="question-log-writes")
        # Written before the answer goes out, so its buttons find the row; a database that hangs is
        # waited for a bounded time (waits.py), then the answer goes without buttons.
        await within(self._engine, asyncio.shield(written), "QuestionLog.record")
        return answer_id

    async def _write_waiting(self) -> None:
        """Write the waiting rows, those that arrive meanwhile in the next transaction: questions
        answered together share one commit, not one each (the log was most of a bot's CPU per
        message). A transaction that fails is retried row by row, so only a bad row fails."""
        batch: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self._insert([row for row, _ in batch])
                except TimeoutError as error:  # the database does not answer: not a bad row, no use trying each
                    for _, written in batch:
                        _settle(written, error)
                except Exception:
                    for row, written in batch:
                        try:
                            await self._insert([row])
                        except Exception as error:
                            _settle(written, error)
                        else:
                            _settle(written, None)
                else:
                    for _, written in batch:
                        _settle(written, None)
        finally:
            self._writer = None
            for _, written in batch:  # cancelled mid-write (the loop is closing): nobody waits forever
                _settle(written, RuntimeError("the question log was closed"))

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        bound = None if self._engine.dialect.name == "sqlite" else WRITE_SECONDS  # SQLite: busy timeout
        async with asyncio.timeout(bound), self._engine.begin() as conn:
            await conn.execute(questions.insert(), rows)

    @bounded
    async def set_outcome(self, answer_id: str, outcome: Outcome | str) -> bool:
        """Change a logged question's outcome (e.g. to ``undelivered`` when sending failed).

        Returns:
            False when no question has that answer id (pruned, or never logged).
        """
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(questions).where(questions.c.answer_id == answer_id).values(outcome=Outcome(outcome).value)
            )
        return result.rowcount == 1

    @bounded
    async def get(self, answer_id: str) -> LoggedQuestion | None:
        """The logged question with that answer id, or None (pruned, or never logged)."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(questions).where(questions.c.answer_id == answer_id))).first()
        return None if row is None else _logged(row._mapping)

    async def prune(self, older_than: datetime) -> int:
        """Delete the questions asked before ``older_than``, and the votes on them.

        Returns:
            How many questions were deleted.
        """
        old = select(questions.c.answer_id).where(questions.c.asked_at < older_than)
        async with self._engine.begin() as conn:
            # Votes go first, explicitly: the foreign key cascades too, but this does
            # not depend on the engine enforcing it.
            await conn.execute(delete(votes).where(votes.c.answer_id.in_(old)))
            result = await conn.execute(delete(questions).where(questions.c.asked_at < older_than))
        if result.rowcount:
            log.info("pruned %d logged questions older than %s", result.rowcount, older_than.isoformat())
        return result.rowcount


def _logged(row: Mapping[str, Any]) -> LoggedQuestion:
    return LoggedQuestion(
        answer_id=row["answer_id"],
        asked_at=row["asked_at"],
        platform=row["platform"],
        guild=row["guild"],
        channel=row["channel"],
        asker_hash=row["asker_hash"],
        question=row["question"],
        outcome=Outcome(row["outcome"]),
        citations=list(row["citations"]),
        index_version=row["index_version"],
    )

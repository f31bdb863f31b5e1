"""Feedback votes: one per person per answer, up or down, with an optional reason.

A vote points at its question-log row by answer id, so it is kept with the question,
the passages cited and the index version; when the row is pruned, its votes go too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import upsert_insert
from bot.db.hashing import IdHasher
from bot.db.schema import REASON_LEN, questions, votes
from bot.db.waits import bounded

__all__ = ["Tally", "Votes", "clean_reason"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes on one answer."""

    up: int
    down: int


def clean_reason(reason: str | None) -> str | None:
    """One line of at most 200 characters; None when blank."""
    if reason is None:
        return None
    line = " ".join(reason.split())
    return line[:REASON_LEN] or None


class Votes:
    """Stores and counts votes on logged answers.

    Args:
        engine: The database's engine.
        hasher: Hashes the voter's id with the installation secret.
        clock: Returns the current time (aware, UTC).
    """

    def __init__(self, engine: AsyncEngine, hasher: IdHasher, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._hash = hasher
        self._clock = clock

    @bounded
    async def cast(self, answer_id: str, voter: str | int, *, up: bool, reason: str | None = None) -> bool:
        """Record ``voter``'s vote on an answer, replacing their earlier vote on it.

        Args:
            answer_id: The answer's id, from :meth:`QuestionLog.record` (via the button).
            voter: The voter's chat id; only its keyed hash is stored.
            up: True for 👍, False for 👎.
            reason: What was wrong, one line (whitespace is collapsed, cut at 200
                characters); None or blank for none. A new vote replaces the reason too.

        Returns:
            False, and nothing stored, when no logged question has that answer id
            (pruned after RETENTION_DAYS, or from another installation).
        """
        written = await self._upsert(
            answer_id,
            voter,
            up=up,
            reason=reason,
            update=lambda new: {"up": new.up, "reason": new.reason, "voted_at": new.voted_at},
        )
        return written is not None

    @bounded
    async def explain(self, answer_id: str, voter: str | int, reason: str | None) -> bool | None:
        """Keep what was wrong with ``voter``'s 👎, sent from the dialog the 👎 opened.

        The 👎 was counted when it was clicked; the dialog may be sent much later, after a 👍 on
        another device. So the note goes with a 👎 that still stands (a blank one leaves its note
        as it was), a 👎 is recorded with it when the voter has no vote on the answer, and a 👍 is
        never turned back into a 👎: it is the newer vote. One statement, so a 👍 clicked at the same
        moment cannot be overwritten between a read and a write.

        Returns:
            True when the note is kept with a 👎; False when the voter's vote is 👍 (it stands, the
            note is not kept); None, and nothing stored, when no logged question has that answer id.
        """
        return await self._upsert(
            answer_id,
            voter,
            up=False,
            reason=reason,
            update=lambda new: {"reason": func.coalesce(new.reason, votes.c.reason)},
            where=votes.c.up == false(),
        )

    async def _upsert(
        self,
        answer_id: str,
        voter: str | int,
        *,
        up: bool,
        reason: str | None,
        update: Callable[[Any], dict[str, Any]],
        where: ColumnElement[bool] | None = None,
    ) -> bool | None:
        """Insert ``voter``'s vote, or on their earlier one set ``update(excluded)`` where ``where``
        holds. True when a row was written; False when ``where`` kept the earlier vote as it was;
        None, and nothing stored, when no logged question has that answer id (pruned after
        RETENTION_DAYS, or from another installation)."""
        row = {
            "answer_id": answer_id,
            "voter_hash": self._hash(voter),
            "up": up,
            "reason": clean_reason(reason),
            "voted_at": self._clock(),
        }
        try:
            async with self._engine.begin() as conn:
                known = await conn.scalar(select(func.count()).where(questions.c.answer_id == answer_id))
                if not known:
                    return None
                stmt = upsert_insert(conn, votes).values(row)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[votes.c.answer_id, votes.c.voter_hash], set_=update(stmt.excluded), where=where
                )
                return (await conn.execute(stmt.returning(votes.c.answer_id))).first() is not None
        except IntegrityError:
            return None  # the question was pruned between the check and the insert (the foreign key said so)

    @bounded
    async def get(self, answer_id: str, voter: str | int) -> bool | None:
        """``voter``'s vote on the answer: True (up), False (down) or None (no vote)."""
        async with self._engine.connect() as conn:
            return await conn.scalar(
                select(votes.c.up).where(votes.c.answer_id == answer_id, votes.c.voter_hash == self._hash(voter))
            )

    @bounded
    async def tally(self, answer_id: str) -> Tally:
        """How many people voted the answer up and down."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(votes.c.up, func.count()).where(votes.c.answer_id == answer_id).group_by(votes.c.up)
                )
            ).all()
        counts = {bool(up): n for up, n in rows}
        return Tally(up=counts.get(True, 0), down=counts.get(False, 0))

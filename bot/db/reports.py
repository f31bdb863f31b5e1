"""What an admin reads in ``/report`` and ``python -m bot report``: the rows, not the wording.

Questions are counted together when they differ only in case, spacing or end
punctuation (``question_key``); grouping by meaning is done above this package, with
the project's embeddings, over the rows returned here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.schema import Outcome, questions, votes

__all__ = ["AskedQuestion", "DownVote", "Reports", "Scope"]

log = logging.getLogger(__name__)

UNANSWERED = (Outcome.ABSTAINED, Outcome.LOW_CONFIDENCE)
# Not questions anyone got an answer to, nor a sign of interest: left out of "most asked".
NOT_ASKED = (Outcome.EMPTY, Outcome.RATE_LIMITED)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where the questions of a report were asked: one Discord server or one Slack workspace."""

    platform: str
    guild: str


def _within(scope: Scope | None) -> Any:
    """The condition on the questions' rows: all of them without a scope (the terminal's report)."""
    if scope is None:
        return true()
    return and_(questions.c.platform == scope.platform, questions.c.guild == scope.guild)


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question asked ``count`` times (counting its case and spacing variants) since the report's start."""

    question: str  # the most recent wording
    count: int
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class DownVote:
    """One 👎, with the answer it was given on."""

    answer_id: str
    question: str
    reason: str | None
    voted_at: datetime
    asked_at: datetime
    citations: list[Any]
    index_version: str


class Reports:
    """Read-only queries over the question log and the votes.

    Args:
        engine: The database's engine.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def unanswered(self, since: datetime, *, limit: int = 200, scope: Scope | None = None) -> list[AskedQuestion]:
        """Questions abstained on or answered with low confidence since ``since``, most frequent first.

        ``scope``: only those asked in one server or workspace (None: everywhere); the same for each query.
        """
        condition = questions.c.outcome.in_([o.value for o in UNANSWERED])
        return await self._grouped(since, and_(condition, _within(scope)), limit)

    async def most_asked(self, since: datetime, *, limit: int = 20, scope: Scope | None = None) -> list[AskedQuestion]:
        """The questions asked most often since ``since`` (empty and rate-limited ones left out)."""
        condition = questions.c.outcome.not_in([o.value for o in NOT_ASKED])
        return await self._grouped(since, and_(condition, _within(scope)), limit)

    async def downvoted(self, since: datetime, *, limit: int = 200, scope: Scope | None = None) -> list[DownVote]:
        """Every 👎 cast since ``since`` (on a question asked within ``scope``), newest first, with its question
        and reason."""
        q, v = questions.c, votes.c
        stmt = (
            select(q.answer_id, q.question, v.reason, v.voted_at, q.asked_at, q.citations, q.index_version)
            .join_from(votes, questions, v.answer_id == q.answer_id)
            .where(v.up.is_(False), v.voted_at >= since, _within(scope))
            .order_by(v.voted_at.desc(), v.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            DownVote(
                answer_id=r.answer_id,
                question=r.question,
                reason=r.reason,
                voted_at=r.voted_at,
                asked_at=r.asked_at,
                citations=list(r.citations),
                index_version=r.index_version,
            )
            for r in rows
        ]

    async def _grouped(self, since: datetime, condition: Any, limit: int) -> list[AskedQuestion]:
        q = questions.c
        groups = (
            select(
                q.question_key,
                func.count().label("n"),
                func.max(q.asked_at).label("last"),
                func.max(q.id).label("newest"),
            )
            .where(q.asked_at >= since, condition)
            .group_by(q.question_key)
            .subquery()
        )
        # The wording shown is the newest row's: one row per group, found by its id.
        stmt = (
            select(q.question, groups.c.n, groups.c.last)
            .join_from(groups, questions, q.id == groups.c.newest)
            .order_by(groups.c.n.desc(), groups.c.last.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [AskedQuestion(question=r.question, count=r.n, last_asked=r.last) for r in rows]

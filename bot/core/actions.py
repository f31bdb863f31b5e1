"""What the buttons under an answer do, for every front end: more sources, votes, sharing.

A button carries only the answer's id (its state lives in the button, not in memory,
so it works after a restart and in any process); everything else is read back from
the question log. A click on an answer the log no longer holds, or one from an
index that has changed since, gets a polite notice instead.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

from bot.core import wording
from bot.core.reply import MoreReply, Notice, NoticeKind, Reply, more_passages, reply_for_answer
from index.types import Answer

if TYPE_CHECKING:
    from bot.core.asker import Asker
    from bot.core.service import AnswerService
    from bot.db import Database, LoggedQuestion
    from index.types import Hit

log = logging.getLogger(__name__)

# The logged outcomes whose answer can be shown again, and how confident it was.
_SHOWN = {"answered": "high", "low_confidence": "low"}


def _person(asker: Asker) -> str:
    # User ids are unique within a platform only.
    return f"{asker.platform}:{asker.user}"


def _refs(row: LoggedQuestion, *, shown: bool) -> list[tuple[int, int]]:
    return [tuple(c["ref"]) for c in row.citations if "ref" in c and bool(c.get("shown")) is shown]  # type: ignore[misc]


class Actions:
    """The buttons' work, answered from the question log and the current index.

    Args:
        service: The answer service (its retriever shows logged passages again).
        db: The project's database (question log and votes).
    """

    def __init__(self, service: AnswerService, db: Database) -> None:
        self.service = service
        self.db = db

    async def _logged(self, answer_id: str) -> LoggedQuestion | Notice:
        row = await self.db.questions.get(answer_id)
        if row is None:
            return Notice(NoticeKind.GONE, wording.ANSWER_GONE)
        return row

    async def _hits(self, row: LoggedQuestion, *, shown: bool) -> tuple[Hit, ...] | Notice:
        hits = await asyncio.to_thread(self.service.retriever.hits_at, _refs(row, shown=shown), row.index_version)
        if hits is None:
            return Notice(NoticeKind.OUTDATED, wording.OUTDATED)
        return hits

    async def more(self, answer_id: str) -> MoreReply | Notice:
        """The passages after those the answer showed, each with its bold sentence and citation."""
        row = await self._logged(answer_id)
        if isinstance(row, Notice):
            return row
        hits = await self._hits(row, shown=False)
        if isinstance(hits, Notice):
            return hits
        if not hits:
            return Notice(NoticeKind.DONE, wording.NO_MORE)
        first = 1 + sum(1 for c in row.citations if c.get("shown"))
        return more_passages(hits, first)

    async def vote(self, answer_id: str, voter: Asker, *, up: bool) -> Notice:
        """Count one person's vote on an answer; a second click changes it."""
        if not await self.db.votes.cast(answer_id, _person(voter), up=up):
            return Notice(NoticeKind.GONE, wording.ANSWER_GONE)
        log.info("vote %s on an answer", "up" if up else "down")
        return Notice(NoticeKind.DONE, wording.VOTED_UP if up else wording.VOTED_DOWN)

    async def explain(self, answer_id: str, voter: Asker, reason: str) -> Notice:
        """Keep the one line a person wrote about what was wrong, with their 👎 if it still stands (a 👍 since,
        from another device, is the newer vote and stands: :meth:`bot.db.votes.Votes.explain`)."""
        kept = await self.db.votes.explain(answer_id, _person(voter), reason)
        if kept is None:
            return Notice(NoticeKind.GONE, wording.ANSWER_GONE)
        return Notice(NoticeKind.DONE, wording.REASON_SAVED if kept else wording.REASON_NOT_KEPT)

    async def share(self, answer_id: str, mention: str) -> Reply | Notice:
        """The answer again, to post in the channel, with who asked it; once an answer (whoever clicks, in any
        process): a second click is told the answer is in the channel already."""
        row = await self._logged(answer_id)
        if isinstance(row, Notice):
            return row
        confidence = _SHOWN.get(str(row.outcome))
        if confidence is None:  # an abstention or a notice: nothing worth sharing
            return Notice(NoticeKind.DONE, wording.ABSTENTION)
        hits = await self._hits(row, shown=True)
        if isinstance(hits, Notice):
            return hits
        if not await self._first_share(answer_id):  # a double click, or Slack's Share clicked again
            return Notice(NoticeKind.DONE, wording.ALREADY_SHARED)
        answer = Answer(row.question, False, hits, confidence=confidence, index_version=row.index_version)
        reply = reply_for_answer(answer, len(hits))
        return dataclasses.replace(reply, answer_id=answer_id, shared_by=mention)

    async def unshare(self, answer_id: str) -> None:
        """The channel refused a shared answer: its one share is given back, so a later click may post it."""
        try:
            await self.db.events.forget("share", answer_id)
        except Exception as error:  # the answer stays marked shared: a later click is told so
            log.warning("Could not give back the sharing of an answer: %s", type(error).__name__)

    async def _first_share(self, answer_id: str) -> bool:
        """Claim the sharing of an answer in the database; when it fails, share (twice beats never)."""
        try:
            return await self.db.events.first_time("share", answer_id)
        except Exception as error:
            log.warning("Could not claim the sharing of an answer: %s", type(error).__name__)
            return True

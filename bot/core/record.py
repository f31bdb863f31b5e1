"""The question log, as the pipeline writes it: one row per question, with what became of it.

A row is written before the answer is delivered, because the buttons under the answer
carry its id; when delivery then fails the row is marked ``undelivered``. The log never
stands in the way of an answer: when the database fails, the answer goes out without
buttons and the failure is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.core.reply import Notice, NoticeKind, Reply

if TYPE_CHECKING:
    from bot.core.asker import Asker
    from bot.db import QuestionLog

log = logging.getLogger(__name__)

# Outcomes of notices that are not questions worth keeping: nothing was asked.
_NOT_LOGGED = frozenset({NoticeKind.EMPTY})


def outcome_of(result: Reply | Notice) -> str:
    """The one word the log line and the question log record for a question's result."""
    if isinstance(result, Notice):
        return result.kind.value
    if result.abstained:
        return "abstained"
    return "low_confidence" if result.confidence == "low" else "answered"


def citations_of(reply: Reply, shown: int) -> list[dict[str, Any]]:
    """What the log keeps of the passages: where each stands, its score, and whether it was shown."""
    if reply.answer is None:
        return []
    out = []
    for rank, hit in enumerate(reply.answer.hits, start=1):
        row: dict[str, Any] = {"source": hit.source, "paragraph": hit.paragraph, "score": round(hit.score, 4)}
        if hit.page is not None:
            row["page"] = hit.page
        if hit.ref is not None:
            row["ref"] = list(hit.ref)
        row["shown"] = rank <= shown
        out.append(row)
    return out


class Recorder:
    """Writes the pipeline's questions to the question log.

    Args:
        questions: The database's question log.
        shown: How many passages an answer shows (the rest are its "more sources").
    """

    def __init__(self, questions: QuestionLog, shown: int) -> None:
        self.questions = questions
        self.shown = shown

    async def record(self, asker: Asker, text: str, result: Reply | Notice) -> str | None:
        """Log one question; returns its answer id, or None when it is not logged or the log failed."""
        if isinstance(result, Notice) and result.kind in _NOT_LOGGED:
            return None
        reply = result if isinstance(result, Reply) else None
        answer = reply.answer if reply is not None else None
        try:
            return await self.questions.record(
                platform=asker.platform,
                asker=asker.user,
                question=answer.question if answer is not None else text.strip(),
                outcome=outcome_of(result),  # type: ignore[arg-type]
                guild=asker.place,
                channel=asker.channel,
                citations=citations_of(reply, self.shown) if reply is not None else [],
                index_version=answer.index_version if answer is not None else "",
            )
        except Exception as error:  # the answer matters more than its log row
            log.warning("Could not log a question: %s", type(error).__name__)
            return None

    async def undelivered(self, answer_id: str) -> None:
        """Mark a logged question whose answer could not be sent."""
        try:
            await self.questions.set_outcome(answer_id, "undelivered")  # type: ignore[arg-type]
        except Exception as error:
            log.warning("Could not mark a question undelivered: %s", type(error).__name__)

"""The one answer flow every front end calls: limit, ask, reply, deliver, log.

Discord, Slack and the terminal only adapt their transport: they build an
:class:`Asker`, call :meth:`Pipeline.handle` (or :meth:`Pipeline.quote`) with a
``deliver`` coroutine that renders and sends, and the pipeline does the rest::

    result = await pipeline.handle(Asker("discord", str(user.id), guild, channel), text, deliver=send)

It never raises for a question: a blank question, a user over the rate limit, a
refusal of the index or a bug each become a :class:`~bot.core.reply.Notice`. Every
question gets exactly one log line, with the outcome that actually happened
(``undelivered`` when sending failed), and never its text or the asker's id.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from bot.core import wording
from bot.core.asker import Asker
from bot.core.record import outcome_of
from bot.core.reply import MAX_SOURCES, Notice, NoticeKind, QuoteReply, Reply, reply_for_answer, reply_for_quotes
from index.errors import CitebotError, EmptyQuestionError

if TYPE_CHECKING:
    from bot.core.ratelimit import Limiter
    from bot.core.record import Recorder
    from bot.core.service import AnswerService

log = logging.getLogger(__name__)

R = TypeVar("R", Reply, QuoteReply)


def _outcome(result: Reply | QuoteReply | Notice) -> str:
    if isinstance(result, QuoteReply):
        return "answered" if result.quotes else "abstained"
    return outcome_of(result)


class Pipeline:
    """Answers questions and quotation searches for every front end.

    Args:
        service: Answers off the event loop.
        limiter: The per-user rate limit; None for none (the terminal).
        log_level: Level of the one line per question. The terminal uses DEBUG: its asker
            sees the answer right there, and scripts piping questions want a quiet stderr.
        recorder: Writes every question to the question log; None logs none (the terminal).
        shown: Passages an answer shows; the service asks for more, which "More sources" shows.
    """

    def __init__(
        self,
        service: AnswerService,
        limiter: Limiter | None = None,
        *,
        log_level: int = logging.INFO,
        recorder: Recorder | None = None,
        shown: int = MAX_SOURCES,
    ) -> None:
        self.service = service
        self.limiter = limiter
        self.log_level = log_level
        self.recorder = recorder
        self.shown = shown
        self._told: dict[str, float] = {}  # rate-limited askers already told, until their window ends
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def handle(
        self,
        asker: Asker,
        text: str,
        history: Sequence[str] = (),
        *,
        via: str = "message",
        accepted: Callable[[], Awaitable[object]] | None = None,
        deliver: Callable[[Reply | Notice], Awaitable[object]] | None = None,
    ) -> Reply | Notice:
        """Answer a question and deliver the answer; never raises for the question's sake.

        Args:
            asker: Who asks, and where.
            text: The question as typed (the front end has removed its own markup).
            history: The earlier questions of the same conversation, oldest first.
            via: How it was asked, for the log (``message``, ``/ask``, ``cli``...).
            accepted: Called once the question passed the rate limit, before it is answered: where
                a front end acknowledges it (Discord defers an interaction there, so a notice can
                still be private).
            deliver: Renders and sends the result; a failure there is logged as ``undelivered``.

        Returns:
            The reply, or a notice for the asker alone.
        """
        return await self._run(asker, via, self._ask(asker, text, history, accepted), deliver, record=text)

    async def quote(
        self,
        asker: Asker,
        topic: str,
        *,
        via: str = "/quote",
        accepted: Callable[[], Awaitable[object]] | None = None,
        deliver: Callable[[QuoteReply | Notice], Awaitable[object]] | None = None,
    ) -> QuoteReply | Notice:
        """Find quotations on a topic and deliver them, as :meth:`handle` answers a question."""
        return await self._run(asker, via, self._quote(asker, topic, accepted), deliver)

    async def idle(self) -> None:
        """Return once no question is being answered or delivered (bound it with ``asyncio.timeout``)."""
        await self._idle.wait()

    async def _run(
        self,
        asker: Asker,
        via: str,
        work: Awaitable[R | Notice],
        deliver: Callable[[R | Notice], Awaitable[object]] | None,
        *,
        record: str | None = None,
    ) -> R | Notice:
        started = time.perf_counter()
        self._running += 1
        self._idle.clear()
        try:
            result = await work
            outcome = _outcome(result)
            answer_id = None
            if record is not None and self.recorder is not None and not isinstance(result, QuoteReply):
                answer_id = await self.recorder.record(asker, record, result)
                if answer_id is not None and isinstance(result, Reply):
                    result = dataclasses.replace(result, answer_id=answer_id)  # its buttons carry the id
            if deliver is not None:
                try:
                    await deliver(result)
                except Exception as error:  # the platform refused or failed: say so, once, in the log
                    outcome = "undelivered"
                    log.warning("Could not deliver a %s answer: %s", asker.platform, _describe(error))
                    if answer_id is not None and self.recorder is not None:
                        await self.recorder.undelivered(answer_id)
            log.log(
                self.log_level,
                "question platform=%s via=%s guild=%s channel=%s outcome=%s latency_ms=%.0f",
                asker.platform,
                via,
                asker.place,
                asker.channel,
                outcome,
                1000 * (time.perf_counter() - started),
            )
            return result
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def _ask(
        self, asker: Asker, text: str, history: Sequence[str], accepted: Callable[[], Awaitable[object]] | None
    ) -> Reply | Notice:
        notice = await self._admit(asker, text, accepted)
        if notice is not None:
            return notice
        try:
            return reply_for_answer(await self.service.ask(text, history), self.shown)
        except Exception as error:
            return _notice_for(error)

    async def _quote(
        self, asker: Asker, topic: str, accepted: Callable[[], Awaitable[object]] | None
    ) -> QuoteReply | Notice:
        notice = await self._admit(asker, topic, accepted, empty=wording.EMPTY_TOPIC)
        if notice is not None:
            return notice
        try:
            return reply_for_quotes(await self.service.quotes(topic))
        except Exception as error:
            return _notice_for(error, empty=wording.EMPTY_TOPIC)

    async def _admit(
        self,
        asker: Asker,
        text: str,
        accepted: Callable[[], Awaitable[object]] | None,
        empty: str = wording.EMPTY_QUESTION,
    ) -> Notice | None:
        """A notice when the question (or quotation topic: ``empty`` says which) is not to be
        answered (blank, over the limit), else None."""
        if not text.strip():
            return Notice(NoticeKind.EMPTY, empty)
        notice = await self._limit(asker)
        if notice is None and accepted is not None:
            try:
                await accepted()
            except Exception as error:  # e.g. an interaction that expired before it was acknowledged
                log.warning("Could not acknowledge a %s question: %s", asker.platform, _describe(error))
                return Notice(NoticeKind.FAILED, wording.APOLOGY)
        return notice

    async def _limit(self, asker: Asker) -> Notice | None:
        """A notice for an asker over the rate limit (``repeated`` once already told), else None."""
        if self.limiter is None:
            return None
        key = f"{asker.platform}:{asker.user}"
        wait = await self.limiter.hit(key)
        if not wait:
            return None
        now = time.monotonic()
        repeated = self._told.get(key, 0.0) > now
        self._told = {k: until for k, until in self._told.items() if until > now}
        self._told[key] = now + wait
        return Notice(NoticeKind.RATE_LIMITED, wording.rate_limited(wait), retry_after=wait, repeated=repeated)


def _notice_for(error: BaseException, empty: str = wording.EMPTY_QUESTION) -> Notice:
    if isinstance(error, EmptyQuestionError):
        return Notice(NoticeKind.EMPTY, empty)
    if isinstance(error, CitebotError):
        log.info("Question refused: %s", type(error).__name__)
        return Notice(NoticeKind.CANNOT_ANSWER, wording.cannot_answer(str(error)))
    log.error("Question failed unexpectedly", exc_info=error)
    return Notice(NoticeKind.FAILED, wording.APOLOGY)


def _describe(error: BaseException) -> str:
    status = getattr(error, "status", None)
    return f"{type(error).__name__} {status}" if status is not None else type(error).__name__

"""Async answers for the front ends, without blocking their event loop.

:class:`AnswerService` wraps a blocking retriever (anything that satisfies
:class:`Retrieving`, as :class:`index.query.Retriever` does). Every call runs in a
worker thread; questions that arrive together are answered with one ``ask_many``
call (one batched embedding), up to ``workers`` batches run at once (the bots run one:
its embedding already runs on every core, and the questions arriving meanwhile form the
next batch), and at most ``max_in_flight`` questions are queued or running at once. A question over the cap waits for a slot; it is never dropped::

    service = AnswerService.from_settings(retriever, settings)
    answer = await service.ask("Why did IBM quit facial recognition?")
    found = await service.quotes("racial profiling")
    ...
    await service.aclose()

Errors come back per question: a question the retriever refuses raises from its own
``ask`` only, and when a whole batch fails unexpectedly its questions are asked again
one by one, so one bad question never costs the others their answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from index.errors import EmptyQuestionError

if TYPE_CHECKING:
    from bot.core.settings import Settings
    from index.errors import CitebotError
    from index.types import Answer, Hit, IndexInfo, QuoteAnswer

log = logging.getLogger(__name__)

__all__ = ["AnswerService", "Retrieving", "check_question"]


@runtime_checkable
class Retrieving(Protocol):
    """What the front ends need of a retriever; :class:`index.query.Retriever` is one."""

    @property
    def info(self) -> IndexInfo: ...

    def ask_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        *,
        max_chars: int = 1000,
        histories: Sequence[Sequence[str]] | None = None,
    ) -> list[Answer | CitebotError]: ...

    def quotes(self, topic: str, k: int = 3) -> QuoteAnswer: ...

    def quote_topics(self, prefix: str, limit: int = 25) -> list[str]: ...

    def hits_at(self, refs: Sequence[tuple[int, int]], version: str) -> tuple[Hit, ...] | None: ...


def check_question(text: str) -> str:
    """The question to send to the retriever, stripped.

    Long questions are not cut here: the retriever shortens them to ``MAX_QUESTION_CHARS``
    and adds a note the front end shows.

    Raises:
        EmptyQuestionError: the question is empty or only whitespace.
    """
    question = text.strip()
    if not question:
        raise EmptyQuestionError
    return question


@dataclass
class _Pending:
    question: str
    history: tuple[str, ...]
    future: asyncio.Future[Answer] = field(repr=False)


class AnswerService:
    """Answers questions and finds quotations off the event loop, batching questions.

    Args:
        retriever: An opened retriever.
        k: Passages per answer. Defaults to 3.
        max_chars: Longest question passed on; longer ones are shortened by the retriever. Defaults to 1000.
        max_in_flight: Most questions queued or being answered at once; more wait. Defaults to 32.
        max_batch: Most questions in one ``ask_many`` call. Defaults to 32.
        batch_window: Seconds to wait for more questions before starting a batch. Defaults to 0.002.
        workers: Most batches answered at once, each in its own thread. Defaults to 1.
    """

    def __init__(
        self,
        retriever: Retrieving,
        *,
        k: int = 3,
        max_chars: int = 1000,
        max_in_flight: int = 32,
        max_batch: int = 32,
        batch_window: float = 0.002,
        workers: int = 1,
    ) -> None:
        if max_in_flight < 1 or max_batch < 1 or workers < 1:
            raise ValueError("max_in_flight, max_batch and workers must be at least 1")
        self.retriever = retriever
        self.k = k
        self.max_chars = max_chars
        self.max_in_flight = max_in_flight
        self.max_batch = max_batch
        self.batch_window = batch_window
        self._slots = asyncio.Semaphore(max_in_flight)
        self._pending: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._free_workers = asyncio.Semaphore(workers)
        self._batch_tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._closed = False
        self.batches = 0  # number of ask_many calls made, for tests and the benchmark

    @classmethod
    def from_settings(cls, retriever: Retrieving, settings: Settings, **options: Any) -> AnswerService:
        """The chat bots' service: ``TOP_K`` passages and the "More sources" after them,
        ``MAX_QUESTION_CHARS`` and ``MAX_IN_FLIGHT`` from the settings, and one answering worker:
        the retriever's one model session embeds each batch on every core (EMBED_THREADS a core),
        and one batch at a time lets the questions arriving meanwhile form larger batches, less
        CPU a question (docs/retrieval.md, "Latency, sixth pass")."""
        from bot.core.reply import MORE_PASSAGES

        return cls(
            retriever,
            k=settings.top_k + MORE_PASSAGES,
            max_chars=settings.max_question_chars,
            max_in_flight=settings.max_in_flight,
            max_batch=min(settings.max_in_flight, 64),
            **options,  # workers: 1, the default
        )

    @property
    def info(self) -> IndexInfo:
        """What the index holds (documents, paragraphs, chunks, model, build time)."""
        return self.retriever.info

    def swap(self, retriever: Retrieving) -> Retrieving:
        """Answer from ``retriever`` from now on; returns the one it replaces (hot reload, bot/core/reload.py).

        Call it on the event loop. Each batch takes the retriever of the moment it starts, so the
        batches already running finish on the old one and every later batch uses the new one.
        """
        old, self.retriever = self.retriever, retriever
        return old

    @property
    def in_flight(self) -> int:
        """Questions holding a slot now (queued for a batch or being answered)."""
        return self._in_flight

    async def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer one question (with the earlier questions of its conversation, oldest first).

        Waits for a slot when ``max_in_flight`` are already in flight.

        Raises:
            EmptyQuestionError: the question is blank (checked before taking a slot).
            CitebotError: whatever the retriever raised for this question.
            RuntimeError: the service is closed.
        """
        question = check_question(question)
        if self._closed:
            raise RuntimeError("the answer service is closed")
        async with self._slots:
            self._in_flight += 1
            try:
                pending = _Pending(question, tuple(history), asyncio.get_running_loop().create_future())
                self._pending.append(pending)
                if self._worker is None:
                    self._worker = asyncio.create_task(self._drain(), name="answer-service-batches")
                return await pending.future
            finally:
                self._in_flight -= 1

    async def quotes(self, topic: str, k: int | None = None) -> QuoteAnswer:
        """Verbatim quotations on a topic, found in a worker thread.

        Raises:
            EmptyQuestionError: the topic is blank.
        """
        topic = check_question(topic)
        async with self._slots:
            return await asyncio.to_thread(self.retriever.quotes, topic, k or self.k)

    async def quote_topics(self, prefix: str, limit: int = 25) -> list[str]:
        """Topic suggestions for autocomplete: ``[]`` for a blank prefix, at most ``limit``."""
        if not prefix.strip():
            return []
        topics = await asyncio.to_thread(self.retriever.quote_topics, prefix.strip(), limit)
        return list(topics)[:limit]

    async def _drain(self) -> None:
        """Hand pending questions, batch by batch, to free workers until none are left."""
        try:
            while self._pending:
                if self.batch_window > 0:
                    await asyncio.sleep(self.batch_window)  # let questions arriving together join
                await self._free_workers.acquire()  # questions arriving meanwhile join this batch
                batch = [p for p in self._pending[: self.max_batch] if not p.future.done()]
                del self._pending[: self.max_batch]
                if not batch:
                    self._free_workers.release()
                    continue
                # The retriever of this moment: a hot reload swapping it later leaves this batch on it.
                task = asyncio.create_task(self._answer(batch, self.retriever), name="answer-service-batch")
                self._batch_tasks.add(task)
                task.add_done_callback(functools.partial(self._batch_done, batch))
        finally:
            self._worker = None
            # Only reached with work left when the task was cancelled (aclose): nobody waits forever.
            _fail_all(self._pending)
            if self._closed:
                self._pending.clear()

    def _batch_done(self, batch: list[_Pending], task: asyncio.Task[None]) -> None:
        self._batch_tasks.discard(task)
        if task.cancelled():  # by aclose, perhaps before it even started: nobody waits forever
            _fail_all(batch)

    async def _answer(self, batch: list[_Pending], retriever: Retrieving) -> None:
        """Answer one batch in a worker thread and settle its futures; frees the worker after."""
        started = time.perf_counter()
        try:
            try:
                results = await self._ask_many(batch, retriever)
            except Exception as error:
                # One question can break a whole batch (a tokenizer error, say): ask each alone,
                # so only the question at fault fails.
                log.warning(
                    "A batch of %d question(s) failed (%s); asking them one by one", len(batch), type(error).__name__
                )
                results = [await self._ask_alone(pending, retriever) for pending in batch]
            log.debug("Answered a batch of %d in %.0f ms", len(batch), 1000 * (time.perf_counter() - started))
            for pending, result in zip(batch, results, strict=True):
                if pending.future.done():  # the asker gave up (cancelled)
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)
        finally:
            self._free_workers.release()

    async def _ask_many(self, batch: Sequence[_Pending], retriever: Retrieving) -> list[Any]:
        self.batches += 1
        results: list[Any] = await asyncio.to_thread(
            retriever.ask_many,
            [p.question for p in batch],
            self.k,
            max_chars=self.max_chars,
            histories=[p.history for p in batch],
        )
        if len(results) != len(batch):
            raise RuntimeError(f"ask_many returned {len(results)} results for {len(batch)} questions")
        return results

    async def _ask_alone(self, pending: _Pending, retriever: Retrieving) -> Any:
        try:
            return (await self._ask_many([pending], retriever))[0]
        except Exception as error:
            return error

    async def aclose(self) -> None:
        """Stop taking questions; questions still waiting get a ``RuntimeError``."""
        self._closed = True
        tasks = [t for t in (self._worker, *self._batch_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _fail_all(pending: list[_Pending]) -> None:
    for item in pending:
        if not item.future.done():
            item.future.set_exception(RuntimeError("the answer service is closed"))

"""Async answers for the chat front ends, without blocking their event loop.

:class:`AnswerService` wraps the blocking :class:`~index.retriever.Retriever`. Every
call runs in a worker thread; questions that arrive together are answered with one
``retriever.ask_many`` call (one batched embedding), up to ``workers`` batches run at
once (one per core: the embedding releases the GIL), and at most ``max_in_flight``
questions are queued or running at once. A question over the cap waits for a slot;
it is never dropped. Discord and Slack share it::

    service = AnswerService.from_settings(retriever, settings)
    answer = await service.ask("Why did IBM quit facial recognition?")
    found = await service.quotes("racial profiling")
    ...
    await service.aclose()

Errors come back per question: a blank question raises ``EmptyQuestionError`` from
its own ``ask`` call only, and the other questions of its batch are still answered.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from typing import TYPE_CHECKING, Any

from index.errors import EmptyQuestionError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.types import Answer, IndexInfo, QuoteAnswer

log = logging.getLogger(__name__)

__all__ = ["AnswerService", "check_question"]


def check_question(text: str) -> str:
    """The question to send to the retriever, checked the same way on every path.

    Strips surrounding whitespace. Long questions are not cut here: the retriever
    shortens them to ``MAX_QUESTION_CHARS`` and adds a note the front end shows.

    Args:
        text: The question as typed (mentions already removed by the front end).

    Returns:
        The stripped question.

    Raises:
        EmptyQuestionError: the question is empty or only whitespace.
    """
    question = text.strip()
    if not question:
        raise EmptyQuestionError
    return question


class AnswerService:
    """Answers questions and finds quotations off the event loop, batching questions.

    Args:
        retriever: An opened retriever (anything with ``ask_many``, ``quotes``,
            ``quote_topics`` and ``info`` as in :class:`index.retriever.Retriever`).
        k: Passages per answer. Defaults to 3.
        max_chars: Longest question passed on; longer ones are shortened by the retriever. Defaults to 1000.
        max_in_flight: Most questions queued or being answered at once; more wait. Defaults to 32.
        max_batch: Most questions in one ``ask_many`` call. Defaults to 32.
        batch_window: Seconds to wait for more questions before starting a batch. Defaults to 0.002.
        workers: Most batches answered at once, each in its own thread. Defaults to 1.
    """

    def __init__(
        self,
        retriever: Any,
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
        self._pending: list[tuple[str, asyncio.Future[Answer]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._free_workers = asyncio.Semaphore(workers)
        self._batch_tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._closed = False
        self.batches = 0  # number of ask_many calls made, for tests and the benchmark

    @classmethod
    def from_settings(cls, retriever: Any, settings: Settings) -> AnswerService:
        """A service with ``TOP_K``, ``MAX_QUESTION_CHARS`` and ``MAX_IN_FLIGHT`` from the settings,
        and one answering worker per core (each embedding with ``EMBED_THREADS`` threads)."""
        return cls(
            retriever,
            k=settings.top_k,
            max_chars=settings.max_question_chars,
            max_in_flight=settings.max_in_flight,
            max_batch=min(settings.max_in_flight, 64),
            workers=os.cpu_count() or 1,
        )

    @property
    def info(self) -> IndexInfo:
        """What the index holds (documents, paragraphs, chunks, model, build time)."""
        return self.retriever.info

    @property
    def in_flight(self) -> int:
        """Questions holding a slot now (queued for a batch or being answered)."""
        return self._in_flight

    async def ask(self, question: str) -> Answer:
        """Answer one question; waits for a slot when ``max_in_flight`` are already in flight.

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
                future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
                self._pending.append((question, future))
                if self._worker is None:
                    self._worker = asyncio.create_task(self._drain(), name="answer-service-batches")
                return await future
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
                batch = [(q, f) for q, f in self._pending[: self.max_batch] if not f.done()]
                del self._pending[: self.max_batch]
                if not batch:
                    self._free_workers.release()
                    continue
                task = asyncio.create_task(self._answer(batch), name="answer-service-batch")
                self._batch_tasks.add(task)
                task.add_done_callback(functools.partial(self._batch_done, batch))
        finally:
            self._worker = None
            # Only reached with work left when the task was cancelled (aclose): nobody waits forever.
            for _, future in self._pending:
                if not future.done():
                    future.set_exception(RuntimeError("the answer service is closed"))
            if self._closed:
                self._pending.clear()

    def _batch_done(self, batch: list[tuple[str, asyncio.Future[Answer]]], task: asyncio.Task[None]) -> None:
        self._batch_tasks.discard(task)
        if task.cancelled():  # by aclose, perhaps before it even started: nobody waits forever
            for _, future in batch:
                if not future.done():
                    future.set_exception(RuntimeError("the answer service is closed"))

    async def _answer(self, batch: list[tuple[str, asyncio.Future[Answer]]]) -> None:
        """Answer one batch in a worker thread and settle its futures; frees the worker after."""
        started = time.perf_counter()
        try:
            questions = [q for q, _ in batch]
            try:
                results: list[Any] = await asyncio.to_thread(
                    self.retriever.ask_many, questions, self.k, max_chars=self.max_chars
                )
                if len(results) != len(batch):
                    raise RuntimeError(f"ask_many returned {len(results)} results for {len(batch)} questions")
            except Exception as error:
                log.warning("Batch of %d question(s) failed: %s", len(batch), type(error).__name__)
                results = [error] * len(batch)
            self.batches += 1
            log.debug("Answered a batch of %d in %.0f ms", len(batch), 1000 * (time.perf_counter() - started))
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the asker gave up (cancelled)
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        finally:
            self._free_workers.release()

    async def aclose(self) -> None:
        """Stop taking questions; questions still waiting get a ``RuntimeError``."""
        self._closed = True
        tasks = [t for t in (self._worker, *self._batch_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

"""A fake :class:`index.retriever.Retriever`: instant, deterministic, and it records its calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from index.errors import CitebotError, EmptyQuestionError
from index.types import Answer, Hit, IndexInfo, Quote, QuoteAnswer

PASSAGE = (
    "IBM quits the facial recognition business. "
    "Krishna said IBM opposes mass surveillance and racial profiling. "
    "He wrote to Congress on Monday."
)
SENTENCE = "Krishna said IBM opposes mass surveillance and racial profiling."


class FailingQuestion(CitebotError):
    """What the fake raises for a question containing ``boom``."""


class FakeRetriever:
    """Answers every question with the same passage, abstaining on ``sourdough``.

    ``boom`` in a question returns an error in its place; ``explode`` anywhere in a
    batch makes the whole ``ask_many`` call raise. ``delay`` seconds are slept (in
    the worker thread) per call, so tests can pile questions up.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.active = 0
        self.max_active_questions = 0
        self._lock = threading.Lock()
        self.info = IndexInfo(
            documents=("IBM quits facial recognition",),
            paragraphs=21,
            chunks=9,
            quotes=4,
            model="all-MiniLM-L6-v2",
            dimension=384,
            built_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            sources=("seeds/000_a7265f2ac828b9b1.txt",),
        )

    def _answer(self, question: str, k: int, max_chars: int) -> Answer:
        if not question.strip():
            raise EmptyQuestionError
        if "boom" in question:
            raise FailingQuestion("the fake failed on purpose")
        notes: tuple[str, ...] = ()
        if len(question) > max_chars:
            question = question[:max_chars]
            notes = (f"Your question was shortened to its first {max_chars} characters.",)
        hits = tuple(
            Hit(
                text=PASSAGE,
                source="seeds/000_a7265f2ac828b9b1.txt",
                document="IBM quits facial recognition",
                paragraph=6 + rank,
                score=0.7 - rank / 10,
                sentence=SENTENCE,
                sentence_start=PASSAGE.index(SENTENCE),
            )
            for rank in range(k)
        )
        return Answer(question=question, abstained="sourdough" in question, hits=hits, notes=notes)

    def ask(self, question: str, k: int = 3, *, max_chars: int = 1000) -> Answer:
        result = self.ask_many([question], k, max_chars=max_chars)[0]
        if isinstance(result, Exception):
            raise result
        return result

    def ask_many(self, questions: Sequence[str], k: int = 3, *, max_chars: int = 1000) -> list[Answer | Exception]:
        with self._lock:
            self.batches.append(list(questions))
            self.threads.add(threading.current_thread().name)
            self.active += len(questions)
            self.max_active_questions = max(self.max_active_questions, self.active)
        try:
            if self.delay:
                time.sleep(self.delay)
            if any("explode" in q for q in questions):
                raise RuntimeError("the whole batch failed")
            out: list[Answer | Exception] = []
            for q in questions:
                try:
                    out.append(self._answer(q, k, max_chars))
                except Exception as error:
                    out.append(error)
            return out
        finally:
            with self._lock:
                self.active -= len(questions)

    def quotes(self, topic: str, k: int = 3) -> QuoteAnswer:
        if not topic.strip():
            raise EmptyQuestionError
        if "nothing" in topic:
            return QuoteAnswer(topic=topic, quotes=())
        quote = Quote(
            text="IBM no longer offers general purpose IBM facial recognition or analysis software",
            speaker="Arvind Krishna",
            source="seeds/000_a7265f2ac828b9b1.txt",
            document="IBM quits facial recognition",
            paragraph=6,
            score=0.6,
        )
        return QuoteAnswer(topic=topic, quotes=(quote,))

    def quote_topics(self, prefix: str, limit: int = 25) -> list[str]:
        if not prefix.strip():
            return []
        topics = [f"{prefix} topic {i}" for i in range(40)]
        return topics[:limit]

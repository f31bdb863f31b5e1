"""The one fake retriever of the test suite: instant, deterministic, and it records its calls.

It satisfies :class:`bot.core.service.Retrieving`, as the real
:class:`index.query.Retriever` does (tests/core/test_service.py checks both against it).
Words in a question steer it:

- ``sourdough``: the sources don't answer (abstained; no quotation for a topic);
- ``boom``: that question alone fails with a :class:`FailingQuestion` (a known refusal);
- ``explode``: the whole ``ask_many`` call raises ``RuntimeError`` (an unexpected failure);
- ``vaguely``: answered with low confidence;
- ``nothing`` in a topic: no quotation.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.core.pipeline import Pipeline
from bot.core.service import AnswerService
from index.errors import CitebotError, EmptyQuestionError
from index.types import Answer, Hit, IndexInfo, Quote, QuoteAnswer

SOURCE = "seeds/000_a7265f2ac828b9b1.txt"
DOCUMENT = "IBM quits facial recognition"
PASSAGE = (
    "IBM quits the facial recognition business. "
    "Krishna said IBM opposes mass surveillance and racial profiling. "
    "He wrote to Congress on Monday."
)
SENTENCE = "Krishna said IBM opposes mass surveillance and racial profiling."
QUOTE = "IBM no longer offers general purpose IBM facial recognition or analysis software"
CITATION = f"[1] {DOCUMENT}, ¶6"
GATE_TIMEOUT = 10.0  # seconds a gated ask_many waits before failing, so a forgotten gate cannot hang a test


class FailingQuestion(CitebotError):
    """What the fake raises for a question containing ``boom``."""


class FakeRetriever:
    """A retriever with one passage about IBM; see the module docstring for its steering words.

    Args:
        delay: Seconds slept (in the worker thread) per ``ask_many`` call, so tests can pile questions up.
        gate: When given, every ``ask_many`` call waits (in its worker thread) until the gate is set,
            so a test decides when a batch ends instead of guessing how long it takes. A gate left
            closed for 10 s fails the call with ``TimeoutError``.

    Attributes:
        entered: Set once an ``ask_many`` call has started: the batch is running now.
    """

    def __init__(self, delay: float = 0.0, *, gate: threading.Event | None = None) -> None:
        self.delay = delay
        self.gate = gate
        self.entered = threading.Event()
        self.asked: list[str] = []  # every question and topic, in order
        self.histories: list[tuple[str, ...]] = []  # the history each question came with
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.active = 0
        self.max_active_questions = 0
        self._lock = threading.Lock()
        self._info = IndexInfo(
            documents=(DOCUMENT,),
            paragraphs=21,
            chunks=9,
            quotes=4,
            model="all-MiniLM-L6-v2",
            dimension=384,
            built_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            sources=(SOURCE,),
            version="fakeversion1",
        )

    @property
    def info(self) -> IndexInfo:
        return self._info

    def _answer(self, question: str, k: int, max_chars: int) -> Answer:
        if not question.strip():
            raise EmptyQuestionError
        if "boom" in question:
            raise FailingQuestion("the fake failed on purpose")
        notes: tuple[str, ...] = ()
        if len(question) > max_chars:
            question = question[:max_chars]
            notes = (f"Your question was shortened to its first {max_chars} characters.",)
        hits = tuple(self._hit(rank, 0.7 - rank / 10) for rank in range(k))
        abstained = "sourdough" in question.lower()
        confidence = "low" if abstained or "vaguely" in question else "high"
        return Answer(question, abstained, hits, notes, confidence=confidence, index_version=self.info.version)

    def _hit(self, chunk: int, score: float) -> Hit:
        return Hit(
            text=PASSAGE,
            source=SOURCE,
            document=DOCUMENT,
            paragraph=6 + chunk,
            score=score,
            sentence=SENTENCE,
            sentence_start=PASSAGE.index(SENTENCE),
            ref=(chunk, 1),
        )

    def ask(self, question: str, k: int = 3, *, max_chars: int = 1000, history: Sequence[str] = ()) -> Answer:
        result = self.ask_many([question], k, max_chars=max_chars, histories=[history])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def ask_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        *,
        max_chars: int = 1000,
        histories: Sequence[Sequence[str]] | None = None,
    ) -> list[Answer | CitebotError]:
        with self._lock:
            self.asked.extend(questions)
            self.histories.extend(tuple(h) for h in (histories or [()] * len(questions)))
            self.batches.append(list(questions))
            self.threads.add(threading.current_thread().name)
            self.active += len(questions)
            self.max_active_questions = max(self.max_active_questions, self.active)
        self.entered.set()
        try:
            if self.gate is not None and not self.gate.wait(GATE_TIMEOUT):
                raise TimeoutError("the test never opened the fake retriever's gate")
            if self.delay:
                time.sleep(self.delay)
            if any("explode" in q for q in questions):
                raise RuntimeError("the whole batch failed")
            out: list[Answer | CitebotError] = []
            for q in questions:
                try:
                    out.append(self._answer(q, k, max_chars))
                except CitebotError as error:
                    out.append(error)
            return out
        finally:
            with self._lock:
                self.active -= len(questions)

    def quotes(self, topic: str, k: int = 3) -> QuoteAnswer:
        self.asked.append(topic)
        if not topic.strip():
            raise EmptyQuestionError
        if "nothing" in topic or "sourdough" in topic.lower():
            return QuoteAnswer(topic=topic, quotes=())
        quote = Quote(text=QUOTE, speaker="Arvind Krishna", source=SOURCE, document=DOCUMENT, paragraph=6, score=0.6)
        return QuoteAnswer(topic=topic, quotes=(quote,))

    def quote_topics(self, prefix: str, limit: int = 25) -> list[str]:
        if not prefix.strip():
            return []
        return [f"{prefix} topic {i}" for i in range(40)][:limit]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A bag of words, hashed to 64 dimensions: texts sharing words are alike (the report's grouping)."""
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().strip(" ?!.").split():
                vectors[row, sum(map(ord, word)) % 64] += 1.0
        return vectors

    def hits_at(self, refs: Sequence[tuple[int, int]], version: str) -> tuple[Hit, ...] | None:
        """The passages at ``refs`` of index ``version``: the fake's one passage, at paragraph 6 + chunk."""
        if version != self.info.version:
            return None
        return tuple(self._hit(chunk, 0.0) for chunk, _ in refs)


def fake_pipeline(retriever: FakeRetriever | None = None, **options: object) -> Pipeline:
    """A pipeline over the fake retriever with no batching wait; ``limiter=`` and ``log_level=`` pass through."""
    return Pipeline(AnswerService(retriever or FakeRetriever(), batch_window=0.0), **options)  # type: ignore[arg-type]


class FakeLibrary:
    """The sources library (bot.core.library) without an index: it keeps a list and records each call.

    ``add_sources`` of an item containing ``refuse`` raises a one-line :class:`FailingQuestion`-like
    :class:`CitebotError` and changes nothing. With ``calls_file``, every call is also appended
    there as a JSON line (``{"call": "add", "items": [...], "contents": [...]}``), so a test
    can see what a bot process did. With ``locking``, adding and removing take the index's build lock
    (``settings.index_dir``), as the real library does: a test holding it makes a change wait.
    """

    def __init__(self, calls_file: Path | None = None, *, locking: bool = False) -> None:
        from bot.core.library import SourceInfo

        self._info = SourceInfo
        self.calls_file = calls_file
        self.locking = locking
        self.calls: list[tuple[str, list[str]]] = []
        self.sources = [SourceInfo("000_a7265f2ac828b9b1.txt", DOCUMENT, None, datetime(2024, 1, 2, tzinfo=UTC), 9)]

    def _record(self, call: str, items: list[str], contents: list[str] | None = None) -> None:
        self.calls.append((call, items))
        if self.calls_file is not None:
            line = json.dumps({"call": call, "items": items, "contents": contents or []})
            with self.calls_file.open("a", encoding="utf-8") as out:
                out.write(line + "\n")

    def _lock(self, settings: object) -> contextlib.AbstractContextManager[None]:
        from index.store import build_lock

        return build_lock(settings.index_dir) if self.locking else contextlib.nullcontext()  # type: ignore[attr-defined]

    def add_sources(self, settings: object, items: Sequence[str], *, say: object = None) -> list[object]:
        with self._lock(settings):
            return self._add_sources(list(items))

    def _add_sources(self, items: list[str]) -> list[object]:
        contents = [Path(i).read_text(encoding="utf-8") if Path(i).is_file() else "" for i in items]
        self._record("add", items, contents)
        if any("refuse" in item for item in items):
            raise CitebotError("cannot fetch http://refuse.example/: the fake refused it")
        added = [
            self._info(Path(i).name, f"Added {Path(i).name}", i if "://" in i else None, datetime.now(UTC), 3)
            for i in items
        ]
        self.sources.extend(added)
        return added

    def remove_source(self, settings: object, name: str) -> object:
        with self._lock(settings):
            return self._remove_source(name)

    def _remove_source(self, name: str) -> object:
        self._record("remove", [name])
        found = [s for s in self.sources if s.name == name]
        if not found:
            from bot.core.library import unknown_source

            raise unknown_source(name)  # the library's own refusal
        self.sources.remove(found[0])
        return found[0]

    def list_sources(self, settings: object) -> list[object]:
        return list(self.sources)

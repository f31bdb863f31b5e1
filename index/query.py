"""The retrieval library's front door: open an index, answer questions, find quotations.

:meth:`Retriever.open` loads the index named by two folders, building it first when
it is missing or stale (under a lock, so two processes never build at once); the
opened :class:`Retriever` answers with :meth:`~Retriever.ask`, :meth:`~Retriever.ask_many`,
:meth:`~Retriever.quotes` and :meth:`~Retriever.quote_topics`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from index import blas, confidence, followup, search
from index.build import chunk_input
from index.corpus import Corpus
from index.embed import Embedder
from index.errors import CitebotError, IndexMissingError, IndexStaleError
from index.late import SentenceTokens
from index.location import check_location
from index.model import model_name
from index.sources import SourceWatch, read_sources, snapshot
from index.staleness import Build, RebuildReason, current_index
from index.store import load_index, settings_digest
from index.text import clean_question
from index.types import Answer, Hit, Quote, QuoteAnswer

if TYPE_CHECKING:
    from pathlib import Path

    from index.types import IndexInfo


def _quiet(_: str) -> None:
    pass


class Retriever:
    """An opened index with its embedding model, ready to answer.

    Thread-safe: front ends call :meth:`ask`, :meth:`ask_many` and :meth:`quotes`
    from worker threads.

    Attributes:
        corpus: The loaded index (records, vectors, lexical indexes, its sentences' token rows).
        index_dir: Where it lives.
        mix: The ranking weights; the benchmark's ablation changes them.
        folding: How a follow-up is read with its thread; the benchmark's sweeps change it.
        confidence_rule: Which checks mark an answer low; the benchmark's ablation changes it.
        rebuilt: Whether :meth:`open` had to build the index.
    """

    def __init__(self, corpus: Corpus, embedder: Embedder, index_dir: Path) -> None:
        self.corpus = replace(corpus, sentence_tokens=SentenceTokens(corpus.chunks, chunk_input, embedder.offsets))
        self.index_dir = index_dir
        self.mix = search.Mix()
        self.folding = followup.Folding()
        self.confidence_rule = confidence.Rule()
        self.rebuilt = False
        self.batch_workers = os.cpu_count() or 1  # embedding batches of one ask_many run at once
        self.watch: SourceWatch | None = None  # whether the sources changed since (set by open)
        self._embedder = embedder

    @property
    def info(self) -> IndexInfo:
        """What the index holds."""
        return self.corpus.info

    @classmethod
    def open(
        cls,
        seeds_dir: Path,
        index_dir: Path,
        *,
        model_path: Path | None = None,
        embed_backend: str = "onnx",
        embed_threads: int = 1,
        workers: int | None = None,
        chunk_tokens: int = 254,
        build: bool = True,
        repair: bool = False,
        say: Callable[[str], None] | None = None,
        progress: bool = False,
    ) -> Retriever:
        """Load the index, building or refreshing it first when missing or stale.

        Args:
            seeds_dir: Folder of source documents (.txt, .md, .html, .htm, .pdf).
            index_dir: Folder of the index.
            model_path: A local sentence-transformers model; None uses the bundled all-MiniLM-L6-v2.
            embed_backend: ``onnx`` (default) or ``sentence-transformers`` (see :class:`Embedder`).
            embed_threads: Intra-op threads each answering worker brings (and ranking's BLAS threads). Defaults to 1.
            workers: The cores to answer on: one ONNX Runtime session of ``embed_threads`` × ``workers``
                threads, and an ``ask_many``'s batches run that many at once. None (the default): every core.
            chunk_tokens: Largest chunk, in model tokens. Defaults to 254, all the bundled model reads.
            build: When False, a missing or stale index raises instead of being built.
            repair: Rebuild over a damaged index instead of raising (``python -m bot index``).
            say: Receives one-line progress messages; None is silent.
            progress: Show a progress bar while embedding.

        Raises:
            CitebotError: a subclass naming the fix (no sources, damaged index, model not loadable...).
        """
        check_location(seeds_dir, index_dir)  # before anything is read, written or loaded
        say = say or _quiet
        sources = read_sources(seeds_dir)
        for reason in sources.skipped:
            say(f"skipping {reason}")
        digest = settings_digest(sources.digest, model_name(model_path), chunk_tokens)
        # A whole, current index is read before the model loads, so damage is reported at once.
        why, stored = current_index(index_dir, digest, repair=repair)
        if why is not None and not build:
            if why.reason is RebuildReason.MISSING:
                raise IndexMissingError(index_dir)
            raise IndexStaleError(index_dir, str(why))
        workers = workers or os.cpu_count() or 1
        embedder = Embedder(model_path, backend=embed_backend, threads=embed_threads, workers=workers, say=say)
        blas.limit_threads(embed_threads)  # ranking's products run on the answering worker's threads too
        if why is not None:
            build = Build(sources, embedder, index_dir, digest, chunk_tokens)
            stored = build.under_lock(why, say=say, progress=progress, repair=repair)
        assert stored is not None  # current, or built just now
        opened = cls(Corpus.load(stored), embedder, index_dir)
        opened.batch_workers = workers
        opened.rebuilt = why is not None
        opened.watch = SourceWatch(seeds_dir, sources.stats, index_dir)
        return opened

    def reopened(self) -> Retriever:
        """The index now in :attr:`index_dir` read back whole, with this one's model and settings (hot
        reload). Raises CitebotError: missing, damaged, or of another model (that needs a restart)."""
        stored = load_index(self.index_dir)
        if stored.manifest.get("model") != self._embedder.name:
            raise IndexStaleError(
                self.index_dir, f"built with {stored.manifest.get('model')}, not {self._embedder.name}"
            )
        fresh = type(self)(Corpus.load(stored), self._embedder, self.index_dir)
        fresh.mix, fresh.folding, fresh.confidence_rule = self.mix, self.folding, self.confidence_rule
        fresh.batch_workers = self.batch_workers
        if self.watch is not None:
            fresh.watch = SourceWatch(self.watch.seeds_dir, snapshot(self.watch.seeds_dir), self.index_dir)
        return fresh

    # No lock: the Embedder is thread-safe, and on ONNX Runtime concurrent batches run in parallel.
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts`` from the index's model, shape ``(len(texts), d)``."""
        return self._embedder.encode(list(texts), batch_size=32)

    def _encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        # More questions than one batch of 32 (`ask -`): the batches run on every core at once.
        return self._embedder.encode_with_tokens(list(texts), batch_size=32, workers=self.batch_workers)

    def ask(self, question: str, k: int = 3, *, max_chars: int = 1000, history: Sequence[str] = ()) -> Answer:
        """Answer one question, with the earlier questions of its conversation (oldest first).

        Raises:
            EmptyQuestionError: the question is empty or blank.
        """
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
        """Answer several questions with one batched embedding call; a bad question gets its error in place.

        Args:
            questions: The questions, as asked.
            k: Passages per answer. Defaults to 3.
            max_chars: Longer questions are shortened to this many characters, with a note. Defaults to 1000.
            histories: For each question, the earlier questions of its conversation, oldest first.
                A follow-up that needs them is read with them (:mod:`index.followup`); a
                question that stands on its own is answered exactly as without them.
        """
        cleaned: list[tuple[str, tuple[str, ...]] | CitebotError] = []
        for question in questions:
            try:
                cleaned.append(clean_question(question, max_chars))
            except CitebotError as error:
                cleaned.append(error)
        threads = [followup.earlier_questions(h, max_chars, self.folding.turns) for h in histories or ()]
        threads += [()] * (len(cleaned) - len(threads))
        queries = self._queries([c[0] for c in cleaned if not isinstance(c, CitebotError)])
        # The threads in a batch of their own: a question's vector then does not depend on
        # its history (a batch's padding moves the last digits).
        queries |= self._queries([t for t in dict.fromkeys(t for h in threads for t in h) if t not in queries])
        out: list[Answer | CitebotError] = []
        stale = self._stale()  # once a batch: it looks at every source file
        for item, thread in zip(cleaned, threads, strict=True):
            if isinstance(item, CitebotError):
                out.append(item)
                continue
            text, notes = item
            notes += stale
            query, context = followup.threaded(
                self.corpus, queries[text], [queries[t] for t in thread], self.mix, self.folding, self._one_query
            )
            out.append(self._answer(query, k, notes, context))
        return out

    def _queries(self, texts: Sequence[str]) -> dict[str, search.Query]:
        if not texts:
            return {}
        vectors, tokens = self._encode_with_tokens(texts)
        return {t: self._query(t, v, tok) for t, v, tok in zip(texts, vectors, tokens, strict=True)}

    def _one_query(self, text: str) -> search.Query:
        """One text embedded alone (a follow-up rewritten with what its pronouns point to)."""
        return self._queries([text])[text]

    def _query(self, text: str, vector: np.ndarray, tokens: np.ndarray) -> search.Query:
        return search.Query(text, vector, tokens, tuple(self.corpus.lexicon.query_terms(text)))

    def _answer(
        self, query: search.Query, k: int, notes: tuple[str, ...], context: followup.Context | None = None
    ) -> Answer:
        top = followup.rank(self.corpus, query, k, self.mix, context, self.folding)
        abstained = not top or not search.on_topic(self.corpus, query)
        hits = tuple(self._hit(scored.chunk, scored.sentence, scored.score) for scored in top)
        level = "low" if abstained else confidence.of_answer(self.corpus, query, top[0], self.confidence_rule)
        return Answer(query.text, abstained, hits, notes, confidence=level, index_version=self.info.version)

    def _hit(self, chunk_number: int, sentence: int, score: float) -> Hit:
        chunk = self.corpus.chunks[chunk_number]
        a, _ = chunk.sentences[sentence]
        return Hit(
            text=chunk.text,
            source=chunk.source,
            document=chunk.document,
            paragraph=chunk.paragraph,
            score=float(score),
            sentence=chunk.sentence(sentence),
            sentence_start=a,
            page=chunk.page,
            url=chunk.url,
            ref=(chunk_number, sentence),
        )

    def hits_at(self, refs: Sequence[tuple[int, int]], version: str) -> tuple[Hit, ...] | None:
        """The passages at ``refs`` (:attr:`Hit.ref`) of index ``version``, shown again (score 0).

        Returns:
            The passages, or None when this index is not ``version`` any more (its numbers
            would point at other passages).
        """
        if version != self.info.version:
            return None
        chunks = self.corpus.chunks
        return tuple(
            self._hit(c, s, 0.0) for c, s in refs if 0 <= c < len(chunks) and 0 <= s < len(chunks[c].sentences)
        )

    def _stale(self) -> tuple[str, ...]:
        """The note an answer carries once the sources changed since the index was built."""
        return self.watch.notes() if self.watch is not None else ()

    def quotes(self, topic: str, k: int = 3) -> QuoteAnswer:
        """Verbatim quotations on a topic, best first; none for a topic the sources are not about.

        Raises:
            EmptyQuestionError: the topic is empty or blank.
        """
        text, notes = clean_question(topic, 1000)
        notes += self._stale()
        corpus = self.corpus
        if not corpus.quotes:
            return QuoteAnswer(topic=text, quotes=(), notes=notes)
        query = self._query(text, self.encode([text])[0], np.zeros((0, corpus.chunk_vectors.shape[1])))
        if not search.on_topic(corpus, query):
            return QuoteAnswer(topic=text, quotes=(), notes=notes)
        bm25 = corpus.quote_lexicon.scores(corpus.quote_lexicon.query_terms(text))
        found = tuple(
            Quote(
                text=corpus.quotes[i].text,
                speaker=corpus.quotes[i].speaker,
                source=corpus.quotes[i].source,
                document=corpus.quotes[i].document,
                paragraph=corpus.quotes[i].paragraph,
                score=float(score),
                page=corpus.quotes[i].page,
                url=corpus.quotes[i].url,
            )
            for i, score in search.rank_quotes(query.vector, corpus.quote_vectors, bm25)[:k]
        )
        return QuoteAnswer(topic=text, quotes=found, notes=notes)

    def quote_topics(self, prefix: str, limit: int = 25) -> list[str]:
        """Short topic suggestions for autocomplete: noun phrases from the quotations."""
        return search.matching_topics((q.text for q in self.corpus.quotes), prefix, limit)

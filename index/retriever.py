"""The retrieval library's front door: open an index, answer questions, find quotes."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index import search
from index.batches import embed_chunks, embed_texts
from index.chunk import chunk_document
from index.dedup import duplicate_of, repeats
from index.embed import Embedder, model_name
from index.errors import (
    CitebotError,
    EmptyQuestionError,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    IndexWriteError,
)
from index.lexical import Lexicon
from index.location import check_location
from index.quotes import extract_quotes
from index.sources import SourceWatch
from index.spans import speakers_by_span
from index.store import (
    StoredIndex,
    build_lock,
    load_index,
    read_manifest,
    read_sources,
    settings_digest,
    write_index,
)
from index.text import plain, strip_controls
from index.types import Answer, Hit, IndexInfo, Quote, QuoteAnswer

log = logging.getLogger(__name__)


def _quiet(_: str) -> None:
    pass


def clean_question(text: str, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """A question as the retriever reads it: controls removed, white space folded, long ones cut.

    Raises:
        EmptyQuestionError: nothing but white space (or controls) is left.
    """
    question = plain(strip_controls(text))
    if not question:
        raise EmptyQuestionError
    if len(question) > max_chars:
        cut = question[:max_chars].rsplit(" ", 1)[0] or question[:max_chars]
        return cut, (f"the question was {len(question):,} characters; only the first {len(cut):,} were read",)
    return question, ()


class Retriever:
    """An opened index with its embedding model, ready to answer.

    Thread-safe: front ends call :meth:`ask`, :meth:`ask_many` and :meth:`quotes`
    from worker threads.
    """

    def __init__(self, stored: StoredIndex, embedder: Embedder, index_dir: Path) -> None:
        self._embedder = embedder
        self._lock = threading.Lock()
        self.index_dir = index_dir
        self.mix = search.Mix()
        self.rebuilt = False  # whether open() had to build the index
        manifest = stored.manifest
        self._chunks = stored.chunks
        self._quotes = stored.quotes
        self._chunk_vectors = stored.chunk_vectors
        self._sentence_vectors = stored.sentence_vectors
        self._quote_vectors = stored.quote_vectors
        self._token_vectors = stored.token_vectors
        self._token_spans = np.asarray(
            [[c["token_start"], c["token_end"]] for c in self._chunks], dtype=np.int64
        ).reshape(-1, 2)
        # Sentence i belongs to chunk _sentence_owner[i].
        self._sentence_owner = np.asarray(
            [ci for ci, chunk in enumerate(self._chunks) for _ in chunk["sentences"]], dtype=np.int64
        )
        # Lexical matching also sees who speaks in a passage ("he explained" -> Arvind Krishna),
        # so a question naming the speaker finds the quotation that only says "he".
        speakers = speakers_by_span(self._chunks, self._quotes)  # hardening: linear (index/spans.py)
        self._lexicon = Lexicon(
            [
                f"{c['document']} {' '.join(speakers.get((ci, None), ()))} {c['text']}"
                for ci, c in enumerate(self._chunks)
            ]
        )
        self._sentence_lexicon = Lexicon(
            [
                f"{' '.join(speakers.get((ci, si), ()))} {c['text'][a:b]}"
                for ci, c in enumerate(self._chunks)
                for si, (a, b) in enumerate(c["sentences"])
            ]
        )
        self._quote_lexicon = Lexicon([f"{q['text']} {q['context']}" for q in self._quotes])
        # hardening: identical passages are answered once; sources are watched for changes.
        self._duplicate_of = duplicate_of([c["text"] for c in self._chunks])
        self.watch: SourceWatch | None = None
        self._calibration = search.Calibration(**manifest["calibration"])
        self.info = IndexInfo(
            documents=tuple(s["title"] for s in manifest["sources"]),
            paragraphs=sum(s["paragraphs"] for s in manifest["sources"]),
            chunks=len(self._chunks),
            quotes=len(self._quotes),
            model=manifest["model"],
            dimension=manifest["dimension"],
            built_at=datetime.fromisoformat(manifest["built_at"]),
            sources=tuple(s["source"] for s in manifest["sources"]),
            skipped=tuple(manifest.get("skipped", ())),
            duplicates=repeats(self._duplicate_of),
        )

    # ----- opening and building

    @classmethod
    def open(
        cls,
        seeds_dir: Path,
        index_dir: Path,
        *,
        model_path: Path | None = None,
        chunk_tokens: int = 254,
        build: bool = True,
        repair: bool = False,
        say: Callable[[str], None] | None = None,
        progress: bool = False,
    ) -> Retriever:
        """Load the index, building or refreshing it first when missing or stale.

        Args:
            seeds_dir: Folder of source documents (.txt and .md).
            index_dir: Folder of the index.
            model_path: A local sentence-transformers model; None uses the bundled all-MiniLM-L6-v2.
            chunk_tokens: Largest chunk, in model tokens. Defaults to 254, all the bundled model reads.
            build: When False, a missing or stale index raises instead of being built.
            repair: Rebuild over a damaged index instead of raising (``python -m bot index``).
            say: Receives one-line progress messages; None is silent.
            progress: Show a progress bar while embedding.

        Raises:
            CitebotError: a subclass naming the fix (no sources, damaged index, model not loadable...).
        """
        say = say or _quiet
        check_location(seeds_dir, index_dir)  # hardening: refuse an INDEX_DIR building would harm
        sources = read_sources(seeds_dir)
        for reason in sources.skipped:
            say(f"skipping {reason}")
        digest = settings_digest(sources.digest, model_name(model_path), chunk_tokens)
        # A whole, current index is read before the model loads, so damage is reported at once.
        reason, stored = cls._current(index_dir, digest, repair=repair)
        if reason is not None and not build:
            if reason == "missing":
                raise IndexMissingError(index_dir)
            raise IndexStaleError(index_dir, reason)
        embedder = Embedder(model_path)
        if reason is not None:
            try:
                with build_lock(index_dir):
                    # Another process may have built it while this one waited for the lock.
                    again, stored = cls._current(index_dir, digest, repair=repair)
                    if again is not None:
                        say(f"index {'not built yet' if reason == 'missing' else reason}: building {index_dir} ...")
                        started = time.perf_counter()
                        _build(sources, embedder, index_dir, digest, chunk_tokens, progress=progress)
                        say(f"index built in {time.perf_counter() - started:.1f} s")
            except OSError as error:
                raise IndexWriteError(index_dir, error.strerror or type(error).__name__) from None
            stored = stored or load_index(index_dir)
        opened = cls(stored, embedder, index_dir)
        opened.rebuilt = reason is not None
        opened.watch = SourceWatch(seeds_dir, sources.stats)  # hardening: note sources changed since
        return opened

    @staticmethod
    def _current(index_dir: Path, digest: str, *, repair: bool) -> tuple[str | None, StoredIndex | None]:
        """Why the index must be built (None when it is current) and, when current, the index read back.

        Raises:
            IndexCorruptError: the index is damaged and ``repair`` is off.
        """
        try:
            if read_manifest(index_dir).get("content_hash") != digest:
                return "out of date (sources or settings changed)", None
            return None, load_index(index_dir)
        except IndexMissingError:
            return "missing", None
        except IndexCorruptError as error:
            if repair:
                return f"damaged ({error.reason})", None
            raise

    # ----- answering

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._embedder.encode(list(texts), batch_size=32)

    def _encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        with self._lock:
            return self._embedder.encode_with_tokens(list(texts), batch_size=32)

    def ask(self, question: str, k: int = 3, *, max_chars: int = 1000) -> Answer:
        """Answer one question.

        Raises:
            EmptyQuestionError: the question is empty or blank.
        """
        result = self.ask_many([question], k, max_chars=max_chars)[0]
        if isinstance(result, Exception):
            raise result
        return result

    def ask_many(self, questions: Sequence[str], k: int = 3, *, max_chars: int = 1000) -> list[Answer | CitebotError]:
        """Answer several questions with one batched embedding call; a bad question gets its error in place."""
        cleaned: list[tuple[str, tuple[str, ...]] | CitebotError] = []
        for question in questions:
            try:
                cleaned.append(clean_question(question, max_chars))
            except CitebotError as error:
                cleaned.append(error)
        texts = [c[0] for c in cleaned if not isinstance(c, CitebotError)]
        vectors, tokens = self._encode_with_tokens(texts) if texts else (np.zeros((0, 0)), [])
        encoded = iter(zip(vectors, tokens, strict=True))
        stale = self.watch.notes() if self.watch is not None else ()  # hardening: sources changed
        out: list[Answer | CitebotError] = []
        for item in cleaned:
            if isinstance(item, CitebotError):
                out.append(item)
                continue
            text, notes = item
            vector, query_tokens = next(encoded)
            out.append(self._answer(text, vector, query_tokens, k, notes + stale))
        return out

    def _answer(
        self, question: str, vector: np.ndarray, query_tokens: np.ndarray, k: int, notes: tuple[str, ...]
    ) -> Answer:
        terms = self._lexicon.query_terms(question)
        ranked = search.rank_chunks(
            query_vector=vector,
            chunk_vectors=self._chunk_vectors,
            sentence_vectors=self._sentence_vectors,
            sentence_owner=self._sentence_owner,
            chunk_bm25=self._lexicon.scores(terms),
            sentence_bm25=self._sentence_lexicon.scores(self._sentence_lexicon.query_terms(question)),
            query_tokens=query_tokens,
            token_vectors=self._token_vectors,
            token_spans=self._token_spans,
            k=k,
            mix=self.mix,
            duplicate_of=self._duplicate_of,
        )
        abstained = not ranked.top or search.off_topic(
            ranked.best_dense, self._calibration, self._lexicon.support(terms)
        )
        hits = tuple(self._hit(r) for r in ranked.top)
        return Answer(question=question, abstained=abstained, hits=hits, notes=notes)

    def _hit(self, scored: search.Scored) -> Hit:
        chunk = self._chunks[scored.chunk]
        a, b = chunk["sentences"][scored.sentence]
        return Hit(
            text=chunk["text"],
            source=chunk["source"],
            document=chunk["document"],
            paragraph=chunk["paragraph"],
            score=float(scored.score),
            sentence=chunk["text"][a:b],
            sentence_start=a,
        )

    @functools.cached_property
    def _flat_index(self) -> faiss.IndexFlatIP:
        flat = faiss.IndexFlatIP(self._chunk_vectors.shape[1])
        flat.add(self._chunk_vectors)
        return flat

    def dense_search(self, question: str, k: int = 3) -> list[tuple[int, float]]:
        """Plain dense search (question vector against chunk vectors in FAISS): the baseline the
        benchmark compares latency with. Returns ``(chunk number, cosine)`` pairs."""
        vector = self._encode([question])
        scores, ids = self._flat_index.search(vector, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def quotes(self, topic: str, k: int = 3) -> QuoteAnswer:
        """Verbatim quotations on a topic, best first.

        Raises:
            EmptyQuestionError: the topic is empty or blank.
        """
        text, notes = clean_question(topic, 1000)
        notes += self.watch.notes() if self.watch is not None else ()  # hardening: sources changed
        if not self._quotes:
            return QuoteAnswer(topic=text, quotes=(), notes=notes)
        vector = self._encode([text])[0]
        # A topic the sources are not about has no quotation, however near the nearest is.
        similarity = search.best_similarity(vector, self._chunk_vectors, self._sentence_vectors)
        if search.off_topic(similarity, self._calibration, self._lexicon.support(self._lexicon.query_terms(text))):
            return QuoteAnswer(topic=text, quotes=(), notes=notes)
        order = search.rank_quotes(
            vector, self._quote_vectors, self._quote_lexicon.scores(self._quote_lexicon.query_terms(text))
        )
        found = tuple(
            Quote(
                text=self._quotes[i]["text"],
                speaker=self._quotes[i]["speaker"],
                source=self._quotes[i]["source"],
                document=self._quotes[i]["document"],
                paragraph=self._quotes[i]["paragraph"],
                score=float(score),
            )
            for i, score in order[:k]
        )
        return QuoteAnswer(topic=text, quotes=found, notes=notes)

    def quote_topics(self, prefix: str, limit: int = 25) -> list[str]:
        """Short topic suggestions for autocomplete: noun phrases from the quotations."""
        wanted = plain(prefix).casefold()
        if not wanted:
            return []
        seen: dict[str, None] = {}
        for q in self._quotes:
            for phrase in search.topic_phrases(q["text"]):
                if wanted in phrase.casefold():
                    seen.setdefault(phrase, None)
        return list(seen)[:limit]


def _build(
    sources: Any, embedder: Embedder, index_dir: Path, digest: str, chunk_tokens: int, *, progress: bool
) -> None:
    """Chunk, embed and write every source; calibrate abstention on this corpus."""
    chunk_records: list[dict[str, Any]] = []
    quote_records: list[dict[str, Any]] = []
    for doc in sources.documents:
        reserve = embedder.count_tokens(search.chunk_input(doc.title, ""))
        for chunk in chunk_document(doc, embedder.count_tokens, chunk_tokens, reserve):
            chunk_records.append(
                {
                    "source": chunk.source,
                    "document": doc.title,
                    "paragraph": chunk.paragraph,
                    "start": chunk.start,
                    "end": chunk.end,
                    "tokens": chunk.tokens,
                    "text": doc.text[chunk.start : chunk.end],
                    "sentences": [[a - chunk.start, b - chunk.start] for a, b in chunk.sentences],
                }
            )
        for quote in extract_quotes(doc):
            quote_records.append(
                {
                    "source": quote.source,
                    "document": doc.title,
                    "paragraph": quote.paragraph,
                    "start": quote.start,
                    "end": quote.end,
                    "text": doc.text[quote.start : quote.end],
                    "speaker": quote.speaker,
                    "context": doc.text[quote.context_start : quote.context_end],
                }
            )
    chunk_texts = [search.chunk_input(c["document"], c["text"]) for c in chunk_records]
    # hardening: embedded in slices, token vectors compressed as they come (index/batches.py).
    embedded = embed_chunks(embedder, chunk_texts, [c["tokens"] for c in chunk_records], progress=progress)
    offset = 0
    for record, count in zip(chunk_records, embedded.token_counts, strict=True):
        record["token_start"], record["token_end"] = offset, offset + count
        offset += count
    sentence_texts = [
        search.sentence_input(c["document"], c["text"][:a], c["text"][a:b])
        for c in chunk_records
        for a, b in c["sentences"]
    ]
    quote_texts = [q["text"] for q in quote_records]
    others = embed_texts(embedder, [*sentence_texts, *quote_texts], progress=progress)
    n_chunks, n_sentences = len(chunk_texts), len(sentence_texts)
    vectors = {
        "index.faiss": embedded.vectors,
        "sentences.faiss": others[:n_sentences],
        "quotes.faiss": others[n_sentences:],
        "tokens.codes.npy": embedded.token_codes,
        "tokens.codebook.npy": embedded.codebook,
    }
    calibration = search.calibrate(embedder, vectors["index.faiss"], vectors["sentences.faiss"])
    manifest = {
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunk_tokens": chunk_tokens,
        "content_hash": digest,
        "chunks": n_chunks,
        "sentences": n_sentences,
        "quotes": len(quote_records),
        "sources": [{"source": d.source, "title": d.title, "paragraphs": len(d.paragraphs)} for d in sources.documents],
        "skipped": list(sources.skipped),
        "calibration": calibration.as_dict(),
        "tokens": {"codec": embedded.codec},
    }
    write_index(index_dir, manifest, vectors, {"chunks.jsonl": chunk_records, "quotes.jsonl": quote_records})

"""The loaded index as one bundle: records, vectors and the lexical indexes ranking reads.

:func:`Corpus.load` turns what :func:`index.store.load_index` read back into typed
records and the derived arrays ranking needs (which chunk owns each sentence, where
each chunk's token vectors lie), and builds the three BM25 indexes in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from index import dedup
from index.lexical import Lexicon
from index.records import StoredChunk, StoredQuote
from index.similarity import Calibration
from index.spans import speakers_by_span
from index.types import IndexInfo

if TYPE_CHECKING:
    from index.late import SentenceTokens
    from index.store import StoredIndex
    from index.tokens import TokenStore


@dataclass(frozen=True)
class Corpus:
    """Everything ranking and quoting read, for one index.

    Attributes:
        chunks: The chunk records; row i of every chunk array is chunk i.
        quotes: The quotation records; row i of ``quote_vectors`` is quotation i.
        chunk_vectors: Unit vectors of the chunks, shape ``(n_chunks, d)``.
        sentence_vectors: Unit vectors of every chunk's sentences in order, shape ``(n_sentences, d)``.
        quote_vectors: Unit vectors of the quotations, shape ``(n_quotes, d)``.
        token_vectors: Every chunk's contextual token vectors, stacked, shape ``(n_tokens, d)``.
        token_spans: For each chunk, its ``(start, end)`` rows of ``token_vectors``, shape ``(n_chunks, 2)``.
        sentence_owner: For each sentence, the index of its chunk, shape ``(n_sentences,)``.
        sentence_starts: Chunk i's sentences are rows ``sentence_starts[i]`` to
            ``sentence_starts[i + 1]`` of the sentence arrays, shape ``(n_chunks + 1,)``.
        filled_chunks: The chunks with at least one sentence, ascending.
        lexicon: BM25 over the chunks (with their document title and quotation speakers).
        sentence_lexicon: BM25 over the sentences (with the speakers quoted in them).
        quote_lexicon: BM25 over the quotations and their context.
        calibration: The off-topic background of this corpus.
        info: What the index holds, for ``/sources`` and ``python -m bot index``.
        sentence_tokens: Where each sentence lies among its chunk's token vectors, found with the
            model's tokenizer (set by :class:`index.query.Retriever`); None: not known, and
            ranking reads no sentence window (``search.Mix.late_windows``).
    """

    chunks: tuple[StoredChunk, ...]
    quotes: tuple[StoredQuote, ...]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    quote_vectors: np.ndarray
    token_vectors: TokenStore
    duplicate_of: np.ndarray
    token_spans: np.ndarray
    sentence_owner: np.ndarray
    sentence_starts: np.ndarray
    filled_chunks: np.ndarray
    lexicon: Lexicon
    sentence_lexicon: Lexicon
    quote_lexicon: Lexicon
    calibration: Calibration
    info: IndexInfo
    sentence_tokens: SentenceTokens | None = None

    @classmethod
    def load(cls, stored: StoredIndex) -> Corpus:
        """The bundle for an index read back from disk."""
        chunks = tuple(StoredChunk.from_json(row) for row in stored.chunks)
        quotes = tuple(StoredQuote.from_json(row) for row in stored.quotes)
        # Lexical matching also sees who speaks in a passage ("he explained" -> Arvind Krishna),
        # so a question naming the speaker finds the quotation that only says "he".
        speakers = speakers_by_span(stored.chunks, stored.quotes)
        duplicate_of = dedup.duplicate_of([c.text for c in chunks])
        manifest = stored.manifest
        # Derived once here, not on every question: which rows belong to which chunk.
        sentence_owner = np.asarray([ci for ci, c in enumerate(chunks) for _ in c.sentences], dtype=np.int64)
        sentence_starts = np.searchsorted(sentence_owner, np.arange(len(chunks) + 1))
        return cls(
            chunks=chunks,
            quotes=quotes,
            chunk_vectors=stored.chunk_vectors,
            sentence_vectors=stored.sentence_vectors,
            quote_vectors=stored.quote_vectors,
            token_vectors=stored.token_vectors,
            duplicate_of=duplicate_of,
            token_spans=np.asarray([[c.token_start, c.token_end] for c in chunks], dtype=np.int64).reshape(-1, 2),
            sentence_owner=sentence_owner,
            sentence_starts=sentence_starts,
            filled_chunks=np.flatnonzero(sentence_starts[1:] > sentence_starts[:-1]),
            lexicon=Lexicon(
                [f"{c.document} {' '.join(speakers.get((ci, None), ()))} {c.text}" for ci, c in enumerate(chunks)]
            ),
            sentence_lexicon=Lexicon(
                [
                    f"{' '.join(speakers.get((ci, si), ()))} {c.text[a:b]}"
                    for ci, c in enumerate(chunks)
                    for si, (a, b) in enumerate(c.sentences)
                ]
            ),
            quote_lexicon=Lexicon([f"{q.text} {q.context}" for q in quotes]),
            calibration=Calibration(**manifest["calibration"]),
            info=IndexInfo(
                documents=tuple(s["title"] for s in manifest["sources"]),
                paragraphs=sum(s["paragraphs"] for s in manifest["sources"]),
                chunks=len(chunks),
                quotes=len(quotes),
                model=manifest["model"],
                dimension=manifest["dimension"],
                built_at=datetime.fromisoformat(manifest["built_at"]),
                sources=tuple(s["source"] for s in manifest["sources"]),
                version=str(manifest.get("content_hash", ""))[:12],
                skipped=tuple(manifest.get("skipped", ())),
                duplicates=dedup.repeats(duplicate_of),
            ),
        )

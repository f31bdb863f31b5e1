"""Late interaction on sentence windows: where each sentence lies among its chunk's token
vectors, and how well a question's tokens align with each passage's best window of two
sentences (docs/retrieval.md, "Ninth pass: retrieval for follow-ups").

A chunk's token vectors come from one forward pass over its title and text, so each sentence's
tokens already carry the context of the whole passage ("It" knows what it stands for). The
chunk's MaxSim (:func:`index.search.maxsim_spans`) lets each question token take its best match
anywhere in the passage; a window's MaxSim asks them to be matched *together*, inside one
sentence and the one before it, which is where a paraphrased answer is said. The shipped ranking
gives it to questions searched alone (``search.Mix.late_windows``), where it gains; a follow-up
read with its thread has too few tokens of its own for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.records import StoredChunk
    from index.tokens import TokenStore

# The text embedded for a chunk, from its document's title and its text (index.build.chunk_input).
Embedded = Callable[[str, str], str]
# Character offsets of a text's tokens, without special tokens (index.embed.Embedder.offsets).
Offsets = Callable[[str], list[tuple[int, int]]]


class SentenceTokens:
    """The rows of the token store each sentence of the corpus covers, found for a chunk the
    first time it is asked for (a chunk is tokenised once: about 0.2 ms of CPU).

    A token belongs to the sentence in whose characters it starts. A chunk whose stored rows
    do not match its tokens one for one (a text longer than the model's window, embedded as
    overlapping windows) gives each of its sentences all its rows: its windows then score as
    the whole chunk does.

    Args:
        chunks: The corpus's chunks, in order (their ``token_start``, ``token_end`` and
            ``sentences``).
        embedded: The text embedded for a chunk, from its document's title and its text.
        offsets: The tokenizer's character offsets of a text.
    """

    def __init__(self, chunks: Sequence[StoredChunk], embedded: Embedded, offsets: Offsets) -> None:
        self._chunks = chunks
        self._embedded = embedded
        self._offsets = offsets
        counts = [len(c.sentences) for c in chunks]
        self._first = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._rows = np.zeros((int(self._first[-1]), 2), dtype=np.int64)
        self._known = np.zeros(len(chunks), dtype=bool)
        self._lock = threading.Lock()

    def rows(self, chunks: np.ndarray) -> np.ndarray:
        """``(start, end)`` rows of the token store of every sentence of ``chunks``, chunk after
        chunk and each chunk's sentences in order, shape ``(n, 2)``."""
        missing = [int(c) for c in chunks if not self._known[c]]
        if missing:
            found = {c: self._find(c) for c in missing}
            with self._lock:
                for c, rows in found.items():
                    self._rows[self._first[c] : self._first[c + 1]] = rows
                    self._known[c] = True
        if not len(chunks):
            return np.zeros((0, 2), dtype=np.int64)
        picked = np.concatenate([np.arange(self._first[c], self._first[c + 1]) for c in chunks])
        return self._rows[picked]

    def _find(self, chunk: int) -> np.ndarray:
        record = self._chunks[chunk]
        n_rows = record.token_end - record.token_start
        spans = np.asarray(record.sentences, dtype=np.int64).reshape(-1, 2)
        shift = len(self._embedded(record.document, ""))
        starts = np.asarray([a for a, _ in self._offsets(self._embedded(record.document, record.text))], dtype=np.int64)
        if len(starts) != n_rows:
            relative = np.tile([0, n_rows], (len(spans), 1))
        else:
            relative = np.searchsorted(starts, spans + shift)
        return relative + record.token_start


def sentence_maxima(
    similarities: np.ndarray, spans: np.ndarray, sentence_rows: np.ndarray, sentence_counts: np.ndarray
) -> np.ndarray:
    """Each question token's best cosine in each sentence of the chunks, -1 in a sentence with no token
    of its own: ``(q, s)``; no column for an empty question. Its mean over the tokens is each sentence's
    own MaxSim (index/bold.py); :func:`windows_of` reads its windows.

    Args:
        similarities: The question's tokens against every row of the chunks, the chunks' rows one
            after the other (:func:`span_similarities`), ``(q, r)``.
        spans: The chunks' ``(start, end)`` rows of the token store, ``(n, 2)``.
        sentence_rows: Their sentences' ``(start, end)`` rows, chunk after chunk
            (:meth:`SentenceTokens.rows`), ``(s, 2)``.
        sentence_counts: How many sentences each chunk has, ``(n,)``.
    """
    if not similarities.size or not len(sentence_rows):
        return np.zeros((len(similarities), 0), dtype=np.float32)
    lengths = spans[:, 1] - spans[:, 0]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    # One column more, so a sentence ending at the last row still has an end to reduce to.
    padded = np.concatenate([similarities, np.full((len(similarities), 1), -1.0, similarities.dtype)], axis=1)
    owner = np.repeat(np.arange(len(spans)), sentence_counts)
    local = sentence_rows - (spans[owner, 0] - starts[owner])[:, None]
    # Each sentence's maxima: reduceat over its start and end, one after the other (the
    # segments from an end to the next start are dropped).
    maxima = np.maximum.reduceat(padded, local.reshape(-1), axis=1)[:, ::2]
    maxima[:, local[:, 1] <= local[:, 0]] = -1.0  # a sentence with no token of its own matches nothing
    return maxima


def windows_of(maxima: np.ndarray, sentence_counts: np.ndarray, window: int = 2) -> np.ndarray:
    """For each chunk, the best MaxSim of the question's tokens over ``window`` consecutive sentences
    of it (each token's best match in those sentences, averaged over the question's tokens), from
    the chunks' :func:`sentence_maxima`; 0 for a chunk with no sentence or an empty question.
    ``window``: sentences a window holds (1: each sentence alone). float32 ``(n,)``."""
    scores = np.zeros(len(sentence_counts), dtype=np.float32)
    if not maxima.size:
        return scores
    first = np.concatenate(([0], np.cumsum(sentence_counts)[:-1]))
    owner = np.repeat(np.arange(len(sentence_counts)), sentence_counts)
    position = np.arange(len(owner)) - first[owner]
    best = maxima
    for back in range(1, window):
        # The sentence `back` before, in the same chunk (none before a chunk's first sentences).
        shifted = np.full_like(maxima, -1.0)
        shifted[:, back:] = maxima[:, :-back]
        shifted[:, position < back] = -1.0
        best = np.maximum(best, shifted)
    per_sentence = best.mean(axis=0)
    filled = sentence_counts > 0
    scores[filled] = np.maximum.reduceat(per_sentence, first[filled])
    return scores


def span_similarities(query_tokens: np.ndarray, store: TokenStore, spans: np.ndarray) -> np.ndarray:
    """The question's tokens against every row of the ``(start, end)`` spans of ``store``, the spans'
    rows one after the other: shape ``(question tokens, rows of every span)``; no column for an
    empty question or spans. One decode and one matrix product for every span: per span, that is 48
    small decodes and products a question fewer (about 5x less CPU on a SQuAD-sized index)."""
    lengths = spans[:, 1] - spans[:, 0] if len(spans) else np.zeros(0, dtype=np.int64)
    filled = lengths > 0
    if len(query_tokens) == 0 or not filled.any():
        return np.zeros((len(query_tokens), 0), dtype=np.float32)
    kept = lengths[filled]
    starts = np.concatenate(([0], np.cumsum(kept)[:-1]))
    # Every span's rows, one after the other: each row's offset in its span plus the span's start.
    rows = np.arange(int(kept.sum())) + np.repeat(spans[filled, 0] - starts, kept)
    return query_tokens @ store[rows].T


def span_maxsim(similarities: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Each span's MaxSim from :func:`span_similarities`: the mean over the question's tokens of their
    best cosine in the span; 0 for an empty span or question."""
    scores = np.zeros(len(spans), dtype=np.float32)
    if not similarities.size:
        return scores
    lengths = spans[:, 1] - spans[:, 0]
    filled = lengths > 0
    starts = np.concatenate(([0], np.cumsum(lengths[filled])[:-1]))
    scores[filled] = np.maximum.reduceat(similarities, starts, axis=1).mean(axis=0)
    return scores

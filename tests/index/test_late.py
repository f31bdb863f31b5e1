"""Late interaction on sentence windows (index/late.py): where each sentence's tokens lie, and the
best window's MaxSim against the plain computation."""

from __future__ import annotations

import re

import numpy as np
import pytest

from index import search
from index.late import SentenceTokens, sentence_maxima, span_similarities, windows_of
from index.records import StoredChunk
from index.tokens import TokenStore

DIM = 16


def words(text: str) -> list[tuple[int, int]]:
    """A stand-in tokenizer: every word and every punctuation mark is one token."""
    return [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]


def chunk(text: str, sentences: list[tuple[int, int]], token_start: int, extra: int = 0) -> StoredChunk:
    """A chunk titled "Doc" whose token rows follow :func:`words` over "Doc: text" (``extra`` rows more)."""
    n = len(words(f"Doc: {text}")) + extra
    return StoredChunk("doc.txt", "Doc", 1, 0, len(text), n, text, tuple(sentences), token_start, token_start + n)


def embedded(document: str, text: str) -> str:
    return f"{document}: {text}"


def test_each_sentence_gets_the_rows_of_the_tokens_that_start_in_it() -> None:
    """'Doc: It rains. So what?' is tokens Doc : It rains . So what ?: the title's two rows are no
    sentence's, then 3 and 3 rows; a second chunk's rows follow on from its first row."""
    first = chunk("It rains. So what?", [(0, 9), (10, 18)], 0)
    second = chunk("Yes.", [(0, 4)], first.token_end)
    calls: list[str] = []

    def offsets(text: str) -> list[tuple[int, int]]:
        calls.append(text)
        return words(text)

    tokens = SentenceTokens([first, second], embedded, offsets)
    assert tokens.rows(np.array([0, 1])).tolist() == [[2, 5], [5, 8], [10, 12]]
    assert tokens.rows(np.array([1])).tolist() == [[10, 12]]
    assert tokens.rows(np.array([], dtype=np.int64)).shape == (0, 2)
    assert len(calls) == 2  # each chunk tokenised once


def test_a_chunk_whose_rows_are_not_its_tokens_gives_every_sentence_all_its_rows() -> None:
    """Rows from overlapping windows (more rows than tokens) cannot be cut by sentence: each sentence
    then reads the whole chunk, as the chunk's own MaxSim does."""
    record = chunk("It rains. So what?", [(0, 9), (10, 18)], 100, extra=3)
    tokens = SentenceTokens([record], embedded, words)
    assert tokens.rows(np.array([0])).tolist() == [[100, 111], [100, 111]]


def plain_window_maxsim(
    question: np.ndarray, store: TokenStore, spans: np.ndarray, rows: np.ndarray, counts: np.ndarray, window: int
) -> np.ndarray:
    """The windows' MaxSim (:func:`windows_of` over :func:`sentence_maxima`) written out: each chunk, each window of its sentences, each question token."""
    out = np.zeros(len(spans), dtype=np.float32)
    if len(question) == 0:
        return out
    first = 0
    for i, count in enumerate(counts):
        sentences = rows[first : first + count]
        first += count
        best = []
        for j in range(count):
            covered = [np.arange(a, b) for a, b in sentences[max(0, j - window + 1) : j + 1] if b > a]
            if not covered:
                best.append(-1.0)
                continue
            similarities = question @ store[np.concatenate(covered)].T
            best.append(float(similarities.max(axis=1).mean()))
        out[i] = max(best) if best else 0.0
    return out


@pytest.mark.parametrize("window", [1, 2, 3])
def test_window_maxsim_equals_the_plain_computation(window: int) -> None:
    """Random token vectors; chunks with one to five sentences, a sentence with no token of its own, a
    chunk with no sentence, a chunk whose sentences all read its whole span."""
    rng = np.random.default_rng(window)
    rows = rng.normal(size=(400, DIM)).astype(np.float16)
    store = TokenStore(rows, np.zeros((0,), dtype=np.float16))
    question = rng.normal(size=(7, DIM)).astype(np.float32)
    spans = np.array([[0, 40], [100, 130], [200, 203], [250, 290], [300, 330]], dtype=np.int64)
    sentences = [
        [(3, 10), (10, 25), (25, 40)],
        [(101, 110), (110, 110), (110, 130)],  # the middle one has no token
        [],
        [(250, 290), (250, 290)],  # a chunk of windowed rows: each sentence reads it whole
        [(302, 306), (306, 312), (312, 318), (318, 322), (322, 330)],
    ]
    counts = np.array([len(s) for s in sentences])
    flat = np.array([p for s in sentences for p in s], dtype=np.int64)
    similarities = span_similarities(question, store, spans)
    got = windows_of(sentence_maxima(similarities, spans, flat, counts), counts, window)
    assert got == pytest.approx(plain_window_maxsim(question, store, spans, flat, counts, window), abs=1e-5)
    assert got[2] == 0.0
    # A window of one sentence over a whole chunk is the chunk's own MaxSim.
    assert got[3] == pytest.approx(search.maxsim_spans(question, store, spans[3:4])[0], abs=1e-5)
    empty = span_similarities(question[:0], store, spans)
    assert windows_of(sentence_maxima(empty, spans, flat, counts), counts, window).tolist() == [0.0] * len(spans)


def test_span_similarities_read_per_span_are_maxsim_spans() -> None:
    """The product shared by the chunk's MaxSim and the windows gives the chunk's MaxSim unchanged."""
    rng = np.random.default_rng(5)
    store = TokenStore(rng.normal(size=(300, DIM)).astype(np.float16), np.zeros((0,), dtype=np.float16))
    question = rng.normal(size=(5, DIM)).astype(np.float32)
    spans = np.array([[0, 30], [30, 30], [100, 180], [290, 300]], dtype=np.int64)
    one_by_one = [search.maxsim(question, store[a:b]) for a, b in spans]
    assert search.maxsim_spans(question, store, spans) == pytest.approx(one_by_one, abs=1e-6)
    assert span_similarities(question, store, spans).shape == (5, 120)

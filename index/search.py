"""Ranking and abstention: pure functions over score arrays (no model, no disk).

A passage is scored from three signals, each a different view of a match:

* dense similarity of the question to the whole chunk (topic),
* dense similarity and BM25 of the chunk's best sentence (the precise answer, not
  diluted by its neighbours),
* BM25 over the chunk's words (names, numbers and rare terms the embedding blurs).

Each signal is turned into a z-score over the corpus for this question, so no
signal's scale dominates, then summed with equal weight (docs/retrieval.md
has the measurements behind this choice). Whether the sources answer at all is one
rule, :func:`on_topic`, for questions and quotation topics alike: the best dense
similarity against what off-topic questions reach on this same corpus (measured at
build time, :func:`index.build.calibrate`; the rule is :mod:`index.similarity`), plus
whether the question's words occur in the corpus at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from index import bold, dedup
from index.late import sentence_maxima, span_maxsim, span_similarities, windows_of
from index.similarity import best_similarity, off_topic
from index.text import plain

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from index.asked import AnswerType
    from index.corpus import Corpus
    from index.tokens import TokenStore


@dataclass(frozen=True)
class Mix:
    """Weights of the z-scored signals. The defaults are the shipped method; the benchmark's
    ablation rows zero some of them (docs/retrieval.md)."""

    sentence_dense: float = 1.0
    # Lexical evidence inside one sentence is sparse: it only breaks ties between close sentences.
    sentence_bm25: float = 0.5
    chunk_dense: float = 1.0
    chunk_bm25: float = 1.0
    late_interaction: float = 1.0
    # Late interaction on each candidate's best window of sentences, for a question searched alone
    # (not a follow-up read with its thread): the question's tokens matched together, where one
    # passage says them (index/late.py). 2.0: SQuAD v1 asked alone 0.883 -> 0.903, both halves of its
    # articles; 404 answerable questions never tuned on 364 -> 370 (docs/retrieval.md, "Ninth pass:
    # retrieval for follow-ups", "Turned on").
    late_windows: float = 2.0
    # Sentences in such a window: one and the sentence(s) before it in its chunk.
    window_sentences: int = 2
    # Whether a follow-up read with its thread gets the windows too (measured, not kept).
    windows_in_threads: bool = False

    def sentence_view(self, z_dense: np.ndarray, z_bm25: np.ndarray) -> np.ndarray:
        """Every sentence's score on the sentence view, from :func:`sentence_signals`."""
        return self.sentence_dense * z_dense + self.sentence_bm25 * z_bm25


# Chunks rescored by late interaction; the rest keep their place below them.
RERANK_CANDIDATES = 48


@dataclass(frozen=True)
class Scored:
    chunk: int
    sentence: int  # index of the bold sentence inside the chunk (index/bold.py)
    score: float


@dataclass(frozen=True)
class Query:
    """A question (or quotation topic) as ranking reads it.

    Attributes:
        text: The cleaned question.
        vector: Its unit vector, shape ``(d,)``.
        tokens: Its contextual token vectors, shape ``(n_tokens, d)``; empty when not needed.
        terms: Its stemmed, spell-corrected content words against the chunk vocabulary.
        chunk_weights: For a follow-up read with its thread (:mod:`index.followup`), the
            weighted words chunk BM25 scores instead of ``terms``; None otherwise.
        sentence_weights: Likewise for sentence BM25 (None: the words of ``text``).
        resolved: For a follow-up whose pronouns were resolved (:mod:`index.reference`), the
            rewritten text its vector and words come from; None otherwise.

    A query with no ``chunk_weights`` is searched alone, so ``Mix.late_windows`` applies to it
    (to a follow-up read with its thread only with ``Mix.windows_in_threads``).
    """

    text: str
    vector: np.ndarray
    tokens: np.ndarray
    terms: tuple[str, ...]
    chunk_weights: Mapping[str, float] | None = None
    sentence_weights: Mapping[str, float] | None = None
    resolved: str | None = None

    @cached_property
    def kind(self) -> AnswerType | None:
        """What it asks for as the shipped rule reads it (:func:`bold.asked_kind`): read once, for the bold
        sentence and the confidence check alike."""
        return bold.asked_kind(self.text)


def _z(values: np.ndarray) -> np.ndarray:
    """``values`` as z-scores (0 where they do not vary): ``(values - mean) / std``, computed as numpy's
    ``mean`` and ``std`` compute them (the same bytes) without their Python layers, a quarter of the time."""
    if values.size == 0:
        return values
    if values.dtype.kind != "f":  # numpy reduces integers in float64 chunk by chunk: its own way then
        spread = values.std()
        return np.zeros(values.shape) if spread < 1e-6 else (values - values.mean()) / spread
    centred = values - np.add.reduce(values) / values.size
    spread = np.sqrt(np.add.reduce(centred * centred) / values.size)
    if spread < 1e-6:
        return np.zeros_like(values)
    return centred / spread


def rank_chunks(corpus: Corpus, query: Query, k: int, mix: Mix = Mix()) -> tuple[Scored, ...]:
    """Rank the corpus's chunks for one question.

    Args:
        corpus: The loaded index.
        query: The question with its vectors.
        k: How many chunks to return.
        mix: Weights of the signals. Defaults to the shipped method.

    Returns:
        The best ``k`` chunks, best first, each with its bold sentence (:func:`bold.choose`).
    """
    score, z_dense, z_bm25, z_late = _scored(corpus, query, mix)
    # A passage repeated word for word (a document added twice) is shown once.
    order = dedup.distinct(np.argsort(-score, kind="stable"), corpus.duplicate_of, k)
    # The bold sentence always reads the shipped sentence view, whatever the mix ranks by, with each
    # sentence's own late interaction when the mix has it (index/bold.py).
    highlight = Mix().sentence_view(z_dense, z_bm25)
    starts, kind = corpus.sentence_starts, query.kind
    top = []
    for ci in order:
        lo, hi = starts[ci], starts[ci + 1]
        sentence = corpus.chunks[ci].sentence
        best = bold.choose(highlight[lo:hi], z_late[lo:hi], query.text, kind, sentence) if hi > lo else 0
        top.append(Scored(int(ci), best, float(score[ci])))
    return tuple(top)


def chunk_scores(corpus: Corpus, query: Query, mix: Mix = Mix()) -> np.ndarray:
    """Every chunk's score as :func:`rank_chunks` ranks them (-inf for a chunk outside the
    candidates late interaction rescored), shape ``(n_chunks,)``."""
    return _scored(corpus, query, mix)[0]


def _scored(corpus: Corpus, query: Query, mix: Mix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if query.chunk_weights is None:
        chunk_bm25 = corpus.lexicon.scores(query.terms)
    else:
        chunk_bm25 = corpus.lexicon.weighted_scores(query.chunk_weights)
    n_chunks = len(corpus.chunk_vectors)
    # The sentence view: the one sentence that answers, not diluted by its neighbours.
    z_dense, z_bm25 = sentence_signals(corpus, query)
    best_sentence_score = _best_of_each_chunk(mix.sentence_view(z_dense, z_bm25), corpus)
    # The passage view: the whole chunk, dense and lexical.
    dense_chunk = corpus.chunk_vectors @ query.vector
    first = best_sentence_score + mix.chunk_dense * _z(dense_chunk) + mix.chunk_bm25 * _z(chunk_bm25)
    # Late interaction on the leading candidates: each question token meets its best match
    # in the passage (MaxSim), a soft word-by-word alignment that one pooled vector loses.
    candidates = np.argsort(-first, kind="stable")[: RERANK_CANDIDATES if mix.late_interaction else n_chunks]
    score = np.full(n_chunks, -np.inf)
    spans = corpus.token_spans[candidates]
    similarities = span_similarities(query.tokens, corpus.token_vectors, spans)
    score[candidates] = first[candidates] + mix.late_interaction * _z(span_maxsim(similarities, spans))
    # The best window of sentences of each candidate, for a question searched alone (on as shipped: Mix.late_windows).
    windows = mix.late_interaction and mix.late_windows and (query.chunk_weights is None or mix.windows_in_threads)
    z_late = np.zeros(len(corpus.sentence_vectors))
    if mix.late_interaction and corpus.sentence_tokens is not None and similarities.size:
        counts = corpus.sentence_starts[candidates + 1] - corpus.sentence_starts[candidates]
        maxima = sentence_maxima(similarities, spans, corpus.sentence_tokens.rows(candidates), counts)
        if windows:
            score[candidates] += mix.late_windows * _z(windows_of(maxima, counts, mix.window_sentences))
        # Each candidate sentence's own MaxSim, for the bold sentence (index/bold.py).
        sentences = np.repeat(corpus.sentence_starts[candidates] - np.cumsum(counts) + counts, counts)
        z_late[sentences + np.arange(len(sentences))] = _z(maxima.mean(axis=0))
    return score, z_dense, z_bm25, z_late


def sentence_signals(corpus: Corpus, query: Query) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence's dense and BM25 similarity to the question, each z-scored over the sentences."""
    dense = corpus.sentence_vectors @ query.vector
    lexicon = corpus.sentence_lexicon
    if query.sentence_weights is None:
        bm25 = lexicon.scores(lexicon.query_terms(query.text))
    else:
        bm25 = lexicon.weighted_scores(query.sentence_weights)
    return _z(dense), _z(bm25)


def _best_of_each_chunk(sentence_score: np.ndarray, corpus: Corpus) -> np.ndarray:
    """Each chunk's best sentence score (float64, as ranking adds it up), 0 for a chunk with no
    sentence: one reduction over the sentences, which lie in chunk order."""
    best = np.zeros(len(corpus.chunk_vectors), dtype=np.float64)
    filled = corpus.filled_chunks
    if len(filled):
        best[filled] = np.maximum.reduceat(sentence_score, corpus.sentence_starts[filled])
    return best


def maxsim(query_tokens: np.ndarray, passage_tokens: np.ndarray) -> float:
    """Mean over the question's tokens of their best cosine with any passage token."""
    if len(query_tokens) == 0 or len(passage_tokens) == 0:
        return 0.0
    return float((query_tokens @ passage_tokens.T).max(axis=1).mean())


def maxsim_spans(query_tokens: np.ndarray, store: TokenStore, spans: np.ndarray) -> np.ndarray:
    """:func:`maxsim` of the question with each ``(start, end)`` span of ``store``, computed as one
    decode and one matrix product over all the spans' tokens (:func:`late.span_similarities`)."""
    return span_maxsim(span_similarities(query_tokens, store, spans), spans)


def on_topic(corpus: Corpus, query: Query) -> bool:
    """Whether the sources are about the question at all: the one rule for questions and
    quotation topics alike (:func:`off_topic` of its best similarity and lexical support)."""
    similarity = best_similarity(query.vector, corpus.chunk_vectors, corpus.sentence_vectors)
    return not off_topic(similarity, corpus.calibration, corpus.lexicon.support(query.terms))


def rank_quotes(query_vector: np.ndarray, quote_vectors: np.ndarray, bm25: np.ndarray) -> list[tuple[int, float]]:
    """Quotations ranked by the mix of dense similarity and BM25, best first, keeping those
    at or above the average quotation's score for this topic (the rest are about something else)."""
    if len(quote_vectors) == 0:
        return []
    score = _z(quote_vectors @ query_vector) + _z(bm25)
    order = np.argsort(-score, kind="stable")
    return [(int(i), float(score[i])) for i in order if score[i] >= 0 or i == order[0]]


_PHRASE = re.compile(r"[A-Za-z][A-Za-z'\-]+(?:\s+[A-Za-z][A-Za-z'\-]+){1,2}")
_WEAK = {
    "the",
    "a",
    "an",
    "of",
    "and",
    "or",
    "to",
    "in",
    "is",
    "be",
    "that",
    "this",
    "with",
    "for",
    "on",
    "by",
    "are",
    "will",
    "not",
    "no",
}


def topic_phrases(text: str) -> list[str]:
    """Two- and three-word phrases of a quotation that make plausible topics."""
    phrases = []
    for match in _PHRASE.finditer(text):
        words = match.group(0).split()
        if words[0].casefold() in _WEAK or words[-1].casefold() in _WEAK:
            continue
        phrases.append(match.group(0).casefold())
    return phrases


def matching_topics(texts: Iterable[str], prefix: str, limit: int) -> list[str]:
    """The first ``limit`` distinct topic phrases of ``texts`` containing ``prefix`` (autocomplete)."""
    wanted = plain(prefix).casefold()
    if not wanted:
        return []
    seen: dict[str, None] = {}
    for text in texts:
        for phrase in topic_phrases(text):
            if wanted in phrase.casefold():
                seen.setdefault(phrase, None)
    return list(seen)[:limit]

"""Ranking and abstention: pure functions over score arrays (no model, no disk).

A passage is scored from three signals, each a different view of a match:

* dense similarity of the question to the whole chunk (topic),
* dense similarity and BM25 of the chunk's best sentence (the precise answer, not
  diluted by its neighbours),
* BM25 over the chunk's words (names, numbers and rare terms the embedding blurs).

Each signal is turned into a z-score over the corpus for this question, so no
signal's scale dominates, then summed with equal weight (docs/retrieval.md
has the measurements behind this choice). Abstention compares the best dense
similarity with what off-topic questions reach on this same corpus
(:func:`calibrate`), plus whether the question's words occur in the corpus at all.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from index import dedup

if TYPE_CHECKING:
    from index.embed import Embedder


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


# Chunks rescored by late interaction; the rest keep their place below them.
RERANK_CANDIDATES = 48


@dataclass(frozen=True)
class Scored:
    chunk: int
    sentence: int  # index of the best sentence inside the chunk
    score: float


@dataclass(frozen=True)
class Ranked:
    top: tuple[Scored, ...]
    best_dense: float  # best sentence-or-chunk cosine over the corpus


def chunk_input(document: str, text: str) -> str:
    """What is embedded for a chunk: its document's title gives the passage its subject."""
    return f"{document}: {text}"


def sentence_input(document: str, previous: str, text: str) -> str:
    """What is embedded for a sentence: the sentence alone (variants measured in docs/retrieval.md)."""
    return text


def _z(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    spread = values.std()
    if spread < 1e-6:
        return np.zeros_like(values)
    return (values - values.mean()) / spread


def rank_chunks(
    *,
    query_vector: np.ndarray,
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_owner: np.ndarray,
    chunk_bm25: np.ndarray,
    sentence_bm25: np.ndarray,
    query_tokens: np.ndarray,
    token_vectors: np.ndarray,
    token_spans: np.ndarray,
    k: int,
    mix: Mix = Mix(),
    duplicate_of: np.ndarray | None = None,
) -> Ranked:
    """Rank chunks for one question.

    Args:
        query_vector: The question's unit vector, shape ``(d,)``.
        chunk_vectors: Unit vectors of the chunks, shape ``(n_chunks, d)``.
        sentence_vectors: Unit vectors of the sentences, shape ``(n_sentences, d)``.
        sentence_owner: For each sentence, the index of its chunk, shape ``(n_sentences,)``.
        chunk_bm25: BM25 score of each chunk, shape ``(n_chunks,)``.
        sentence_bm25: BM25 score of each sentence, shape ``(n_sentences,)``.
        query_tokens: The question's contextual token vectors, shape ``(n_query_tokens, d)``.
        token_vectors: Every chunk's token vectors, stacked, shape ``(n_tokens, d)``.
        token_spans: For each chunk, ``(start, end)`` rows of ``token_vectors``, shape ``(n_chunks, 2)``.
        k: How many chunks to return.
        mix: Weights of the signals. Defaults to the shipped method.
        duplicate_of: For each chunk, the first chunk of identical text (:func:`index.dedup.duplicate_of`);
            each such text is returned once. Defaults to None: every chunk is distinct.

    Returns:
        The best ``k`` chunks with their best sentence, and the raw signals abstention needs.
    """
    dense_chunk = chunk_vectors @ query_vector
    dense_sentence = sentence_vectors @ query_vector
    n_chunks = len(chunk_vectors)
    # The sentence view: the one sentence that answers, not diluted by its neighbours.
    sentence_score = mix.sentence_dense * _z(dense_sentence) + mix.sentence_bm25 * _z(sentence_bm25)
    best_sentence_score = np.full(n_chunks, -np.inf)
    np.maximum.at(best_sentence_score, sentence_owner, sentence_score)
    best_sentence_score[~np.isfinite(best_sentence_score)] = 0.0
    # The passage view: the whole chunk, dense and lexical.
    first = best_sentence_score + mix.chunk_dense * _z(dense_chunk) + mix.chunk_bm25 * _z(chunk_bm25)
    # Late interaction on the leading candidates: each question token meets its best match
    # in the passage (MaxSim), a soft word-by-word alignment that one pooled vector loses.
    candidates = np.argsort(-first, kind="stable")[: RERANK_CANDIDATES if mix.late_interaction else n_chunks]
    score = np.full(n_chunks, -np.inf)
    score[candidates] = first[candidates] + mix.late_interaction * _z(
        np.asarray([maxsim(query_tokens, token_vectors[a:b]) for a, b in token_spans[candidates]])
    )
    order = dedup.distinct(np.argsort(-score, kind="stable"), duplicate_of, k)
    # The highlighted sentence always uses the shipped sentence view, whatever the mix ranks by.
    highlight = _z(dense_sentence) + Mix().sentence_bm25 * _z(sentence_bm25)
    starts = np.searchsorted(sentence_owner, np.arange(n_chunks + 1))
    top = []
    for ci in order:
        lo, hi = starts[ci], starts[ci + 1]
        best = int(np.argmax(highlight[lo:hi])) if hi > lo else 0
        top.append(Scored(int(ci), best, float(score[ci])))
    return Ranked(
        top=tuple(top),
        best_dense=best_similarity(query_vector, chunk_vectors, sentence_vectors),
    )


def maxsim(query_tokens: np.ndarray, passage_tokens: np.ndarray) -> float:
    """Mean over the question's tokens of their best cosine with any passage token."""
    if len(query_tokens) == 0 or len(passage_tokens) == 0:
        return 0.0
    return float((query_tokens @ passage_tokens.T).max(axis=1).mean())


@dataclass(frozen=True)
class Calibration:
    """What off-topic questions score on this corpus: the background an answer must stand out from."""

    null_mean: float
    null_std: float

    def z(self, similarity: float) -> float:
        """How many standard deviations above the off-topic background a similarity stands."""
        return (similarity - self.null_mean) / max(self.null_std, 1e-6)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# Evidence = z + LEXICAL_WEIGHT * support: a passage holding every word of the question
# (support 1) is worth as much as a similarity three standard deviations above the
# background. An answer needs EVIDENCE_NEEDED; with no word of the question anywhere
# in the sources (a paraphrase, or noise), the semantic match alone must reach
# SEMANTIC_ALONE_NEEDED.
LEXICAL_WEIGHT = 3.0
EVIDENCE_NEEDED = 3.0
SEMANTIC_ALONE_NEEDED = 4.0


# Questions about everyday subjects no corpus of ours is meant to answer; they only
# measure how high unrelated questions score against a given corpus.
NULL_QUESTIONS = (
    "What is the weather forecast for tomorrow?",
    "How many calories are in a banana?",
    "Who won the football match last night?",
    "What is a good recipe for pancakes?",
    "How do I reset my router password?",
    "What is the capital city of Australia?",
    "When does the next train leave?",
    "How tall is the tallest mountain in the world?",
    "What is the best way to learn the guitar?",
    "Which planet has the most moons?",
    "How do you say thank you in Japanese?",
    "What songs are popular this summer?",
    "How long should I boil an egg?",
    "What is photosynthesis?",
    "Can you recommend a good novel?",
    "How do I fix a flat bicycle tyre?",
    "What are the symptoms of the flu?",
    "Where can I buy cheap flights?",
    "What is the price of gold today?",
    "How do cats purr?",
    "What is the plot of the latest superhero movie?",
    "How do I install a printer driver?",
    "What is two plus two?",
    "Who painted the Mona Lisa?",
    "hello there",
    "thanks, that's all",
    "lorem ipsum dolor sit amet",
    "asdf qwerty",
    "How do I knit a scarf?",
    "Which dog breeds are good with children?",
    "What is the speed of light?",
    "How do I make my houseplants grow faster?",
)


def calibrate(embedder: Embedder, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> Calibration:
    """Measure how high off-topic questions score on this corpus."""
    probes = embedder.encode(list(NULL_QUESTIONS))
    values = np.asarray([best_similarity(v, chunk_vectors, sentence_vectors) for v in probes], dtype=np.float64)
    return Calibration(null_mean=float(values.mean()), null_std=float(values.std()))


def off_topic(best_similarity: float, calibration: Calibration, support: float) -> bool:
    """Whether the sources do not answer: the best match does not stand out from what
    off-topic questions reach on this corpus.

    Args:
        best_similarity: The question's best cosine with any chunk or sentence (:func:`best_similarity`).
        calibration: This corpus's off-topic background.
        support: The lexical support of the question, from :meth:`Lexicon.support` (0 to 1).
    """
    z = calibration.z(best_similarity)
    if support <= 0.0:
        return z < SEMANTIC_ALONE_NEEDED
    return z + LEXICAL_WEIGHT * support < EVIDENCE_NEEDED


def best_similarity(vector: np.ndarray, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> float:
    """The best cosine of a unit vector with any chunk or sentence."""
    return float(max((chunk_vectors @ vector).max(initial=-1.0), (sentence_vectors @ vector).max(initial=-1.0)))


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

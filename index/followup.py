"""Follow-up questions: whether a question needs its thread's earlier questions, and how
they are folded into its search (pure functions; docs/retrieval.md has the measurements).

A thread is read oldest first. Each earlier question leaves a *context*: its own search
(vector and weighted words, itself folded with the context before it when it was a
follow-up) plus the names and figures of the sentence that answered it, because "When was
he president?" refers to the person the previous answer named, not to the words of the
previous question. A question that stands on its own resets nothing and uses nothing: it
is searched exactly as if it had no history.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from index.lexical import STOPWORDS

log = logging.getLogger(__name__)

# Earlier questions read back (the newest ones); older turns rarely matter and each costs
# one more search.
HISTORY_TURNS = 4
# A question whose best semantic match stands less than this many background spreads
# above the off-topic background (search.Calibration) is too vague to search alone
# ("What was the final score?"); standalone questions sit well above it.
VAGUE_Z = 3.0
# Weight of the context's vector beside the question's own (unit) vector.
VECTOR_WEIGHT = 0.5
# Weight of the context's words in BM25 beside the question's own (weight 1).
TERM_WEIGHT = 0.5
# Weight of the names and figures of the previous answer's sentence in BM25.
NAME_WEIGHT = 0.25

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019\-]*")
_ANAPHORS = frozenset(
    ["he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their", "theirs"]
    + ["this", "that", "these", "those"]
)
# "And in 2010?", "What about Paris?": a fragment that only makes sense after another question.
_ELLIPSIS_LEADS = ("and", "or", "also", "what about", "how about")
# "there" is a reference except in "is there", "are there" ...
_EXISTENTIAL = frozenset(["is", "are", "was", "were", "be", "been"])
_NAME_OR_FIGURE = re.compile(r"[A-Z][A-Za-z\-]*|\d[\d,.\u2013\-]*")


@dataclass(frozen=True)
class Context:
    """What the earlier questions of a thread leave for the next one.

    Attributes:
        vector: Unit vector of the earlier question's (folded) search, shape ``(d,)``.
        chunk_terms: BM25 weights of its words over chunks.
        sentence_terms: BM25 weights of its words over sentences.
    """

    vector: np.ndarray
    chunk_terms: Mapping[str, float]
    sentence_terms: Mapping[str, float]


def refers_back(question: str) -> bool:
    """Whether the question's words point outside it: a pronoun or demonstrative ("When did
    he die?", "Does that include ..."), "there" as a place, "which one", or a fragment that
    continues another question ("And in 2010?", "What about Paris?")."""
    words = [w.casefold().replace("\u2019", "'") for w in _WORD.findall(question)]
    if not words:
        return False
    lead = " ".join(words[:2])
    if words[0] in _ELLIPSIS_LEADS or lead in _ELLIPSIS_LEADS:
        return True
    for i, word in enumerate(words):
        if word in _ANAPHORS:
            return True
        if word == "there" and (i == 0 or words[i - 1] not in _EXISTENTIAL):
            return True
        if word == "one" and i and words[i - 1] in ("which", "that", "this", "the"):
            return True
    return False


def needs_history(question: str, z_alone: float) -> bool:
    """Whether a question must be read with its thread.

    Args:
        question: The question as asked.
        z_alone: Its best semantic match on its own, in background spreads above the
            off-topic background (:meth:`search.Calibration.z`).
    """
    return refers_back(question) or z_alone < VAGUE_Z


def fold(
    vector: np.ndarray, chunk_terms: Counter[str], sentence_terms: Counter[str], context: Context
) -> tuple[np.ndarray, dict[str, float], dict[str, float]]:
    """The search of a follow-up: its own vector and words, plus the context's at lower weight.

    Args:
        vector: The question's unit vector.
        chunk_terms: The question's words for chunk BM25, with their counts.
        sentence_terms: The question's words for sentence BM25, with their counts.
        context: What the earlier questions leave (:func:`carry`).

    Returns:
        ``(vector, chunk weights, sentence weights)``: a unit vector, and BM25 weights where the
        question's own words keep their full weight.
    """
    mixed = vector + VECTOR_WEIGHT * context.vector
    mixed = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
    return mixed, _merge(chunk_terms, context.chunk_terms), _merge(sentence_terms, context.sentence_terms)


def _merge(own: Counter[str], context: Mapping[str, float]) -> dict[str, float]:
    weights = {term: TERM_WEIGHT * weight for term, weight in context.items()}
    weights.update({term: float(count) for term, count in own.items()})
    return weights


def carry(
    vector: np.ndarray,
    chunk_terms: Mapping[str, float],
    sentence_terms: Mapping[str, float],
    names_chunk_terms: list[str],
    names_sentence_terms: list[str],
) -> Context:
    """The context a question leaves: its search, plus the names of the sentence that answered it.

    Args:
        vector: The question's (folded) unit vector.
        chunk_terms: Its (folded) chunk BM25 weights.
        sentence_terms: Its (folded) sentence BM25 weights.
        names_chunk_terms: Chunk-lexicon terms of :func:`answer_names`.
        names_sentence_terms: Sentence-lexicon terms of :func:`answer_names`.
    """
    chunks = dict(chunk_terms)
    sentences = dict(sentence_terms)
    for term in names_chunk_terms:
        chunks.setdefault(term, NAME_WEIGHT)
    for term in names_sentence_terms:
        sentences.setdefault(term, NAME_WEIGHT)
    return Context(vector=vector, chunk_terms=chunks, sentence_terms=sentences)


def answer_names(sentence: str, question: str) -> str:
    """Capitalised words and figures of an answer's sentence that its question did not use:
    who or what the answer named ("James Bryant Conant"), for a follow-up's "he"."""
    asked = {w.casefold() for w in re.findall(r"[A-Za-z0-9]+", question)}
    found = [t for t in _NAME_OR_FIGURE.findall(sentence) if t.casefold() not in asked and t.casefold() not in STOPWORDS]
    return " ".join(found)

"""Lexical matching: BM25 (index/bm25.py, bm25s's scores) over stemmed words, with query words
spell-corrected against the corpus vocabulary ("Khrisna" finds "Krishna")."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import Stemmer

from index.bm25 import BM25
from index.text import normalize, within_edits

_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")
# A small closed-class list: these words carry no topic.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "tell",
        "say",
        "says",
        "said",
        "know",
        "article",
    ]
)

_stemmer = Stemmer.Stemmer("english")
# Unknown question words whose correction each lexicon remembers.
CORRECTIONS_KEPT = 4096


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


# "Al" is how a capital-I acronym often reaches print (AI, the letters I and l look alike
# in most fonts): such a word is indexed under both spellings.
_CAPITAL_THEN_L = re.compile(r"\b([A-Z])l\b")


def words(text: str) -> list[str]:
    """Normalised words of ``text``, possessives dropped (``IBM's`` -> ``ibm``)."""
    out: list[str] = []
    text = _CAPITAL_THEN_L.sub(lambda m: f"{m.group(0)} {m.group(1)}I", text)
    for word in _WORD.findall(normalize(text)):
        if "'" in word:  # a match holds no white space: only an apostrophe splits it
            out.extend(word.removesuffix("'s").replace("'", " ").split())
        else:
            out.append(word)
    return out


def terms(text: str) -> list[str]:
    """Stemmed content words: what BM25 indexes."""
    return [_stem(w) for w in words(text) if w not in STOPWORDS]


def _letter_counts(word: str) -> np.ndarray:
    """How often each letter a-z occurs in ``word``, and (last) every other character."""
    counts = np.zeros(27, dtype=np.int16)
    for char in word:
        counts[ord(char) - 97 if "a" <= char <= "z" else 26] += 1
    return counts


class Lexicon:
    """BM25 over a list of texts, built in memory from the index's records (fast: no file of its own)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._docs = [terms(t) for t in texts]
        self.vocabulary = frozenset(t for doc in self._docs for t in doc)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self._docs):
            for term in set(doc):
                postings[term].append(i)
        self._postings = {t: np.asarray(ids, dtype=np.int64) for t, ids in postings.items()}
        self.size = len(texts)
        # Spelling correction compares an unknown word only with the words sharing its first
        # letter and a length within the edit limit: each (first letter, length) bucket, once.
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for term in sorted(self.vocabulary):
            buckets[term[0], len(term)].append(term)
        self._buckets = dict(buckets)
        self._bucket_counts: dict[tuple[str, int], np.ndarray] = {}
        # Questions repeat their words: each unknown one is corrected once (thread-safe cache).
        self._nearest = lru_cache(maxsize=CORRECTIONS_KEPT)(self._find_nearest)
        # An empty text counts as one placeholder token nobody queries, as it did with bm25s (which
        # wanted one token a text): the mean length, and so every score, stays what it was.
        self._bm25 = BM25([doc or ["\u0000"] for doc in self._docs])

    def correct(self, query_terms: Sequence[str]) -> list[str]:
        """Map each unknown query term to a corpus term within a small edit distance."""
        return [term if term in self.vocabulary or len(term) < 5 else self._nearest(term) for term in query_terms]

    def _find_nearest(self, term: str) -> str:
        """The corpus term nearest ``term`` within its edit limit (shortest length change, then
        alphabetical), or ``term`` itself when none is that near."""
        limit = 1 if len(term) < 7 else 2
        wanted = _letter_counts(term)
        near = []
        for length in range(len(term) - limit, len(term) + limit + 1):
            bucket = self._buckets.get((term[0], length))
            if bucket is None:
                continue
            # An edit changes the letter counts by at most 2 in all (a swap by none): only the
            # words whose counts are that close can be within the limit.
            close = np.flatnonzero(np.abs(self._counts_of(term[0], length) - wanted).sum(axis=1) <= 2 * limit)
            near += [bucket[i] for i in close if within_edits(term, bucket[i], limit)]
        return min(near, key=lambda v: (abs(len(v) - len(term)), v)) if near else term

    def _counts_of(self, first: str, length: int) -> np.ndarray:
        """Letter counts of a bucket's words, shape ``(n, 27)``, computed when first needed."""
        counts = self._bucket_counts.get((first, length))
        if counts is None:
            counts = np.stack([_letter_counts(v) for v in self._buckets[first, length]])
            self._bucket_counts[first, length] = counts
        return counts

    def query_terms(self, text: str) -> list[str]:
        return self.correct(terms(text))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every text for the query terms (zeros for no known term)."""
        known = [t for t in query_terms if t in self.vocabulary]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.scores(known)

    def weighted_scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every text for weighted query terms: each term's scores times its
        weight, summed (a follow-up's own words at full weight, its thread's lower)."""
        out = np.zeros(self.size, dtype=np.float32)
        for term, weight in weights.items():
            if weight and term in self.vocabulary:
                out += np.float32(weight) * self._bm25.scores([term])
        return out

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term the corpus lacks weighs twice the rarest known one,
        because a question's unknown word is strong evidence it is about something else."""
        ids = self._postings.get(term)
        if ids is None:
            return 2 * math.log(1 + self.size)
        return math.log(1 + self.size / len(ids))

    def support(self, query_terms: Sequence[str]) -> float:
        """How much of the question one text holds: the best text's share of the
        question's IDF weight (0 when no question word occurs in the corpus, 1 when one text has them all)."""
        unique = list(dict.fromkeys(query_terms))
        total = sum(self.idf(t) for t in unique)
        if not unique or not self.size or total <= 0:
            return 0.0
        held = np.zeros(self.size, dtype=np.float64)
        for term in unique:
            ids = self._postings.get(term)
            if ids is not None:
                held[ids] += self.idf(term)
        return float(held.max() / total)

"""The verb a question turns on, and whether a passage says it (measured, off in the shipped
rule: docs/retrieval.md, "Fourth pass: confidence").

"Who *founded* IBM?" against an article that never says who founded IBM finds passages about
IBM, and nothing in them founds anything. Two checks read the question's predicate:

* **predicate held**: the predicate, or a word close to it, must be in the passage: the same
  stem, the same lemma (``lemminflect``: "won" / "win"), or, when a similarity is given, a word
  whose MiniLM vector is at least that close ("kicked" / "forced");
* **roles**: "Who did King Charles swear fealty to?" against "Rollo swore fealty to King
  Charles": the question's subject stands after the predicate in the sentence, as its object.

Both need ``lemminflect`` (a development pin: the benchmark and its sweep use them), imported
on first use only, so the shipped rule never loads it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import numpy as np

from index.asked import AUXILIARIES
from index.lexical import STOPWORDS, _stem, words

log = logging.getLogger(__name__)

# Verbs too common to say what a question is about ("Who *made* ...", "When did it *begin*?"),
# and verbs of place that a passage rarely repeats ("Where was Dyrrachium *located*?").
LIGHT_VERBS = frozenset(
    [
        "be",
        "have",
        "do",
        "go",
        "get",
        "make",
        "take",
        "become",
        "come",
        "give",
        "begin",
        "start",
        "use",
        "locate",
        "situate",
        "call",
        "name",
        "know",
    ]
)
_BE = frozenset(["is", "was", "are", "were", "be", "been", "being"])
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@lru_cache(maxsize=8192)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Every part of speech ``word`` can be, with its lemmas ({} for a word lemminflect lacks)."""
    import lemminflect  # a development pin: only the measured, unshipped checks use it

    return dict(lemminflect.getAllLemmas(word))


def _light(word: str) -> bool:
    return word in LIGHT_VERBS or _lemmas(word).get("VERB", (word,))[0] in LIGHT_VERBS


def _after_who(lowered: Sequence[str]) -> str | None:
    """The first word after "who" that is not an adverb ("Who *allegedly* coined ...")."""
    for word in lowered:
        kinds = set(_lemmas(word))
        if kinds and "VERB" not in kinds:
            if kinds <= {"ADV", "ADJ"}:
                continue
            return None
        return None if _light(word) else word
    return None


def _after_subject(tokens: Sequence[str], start: int) -> int | None:
    """Index of the verb after an auxiliary's subject ("When did *the plague* reach ..."): the
    first word that can be a verb and follows a name or a noun."""
    for i in range(max(start, 1), len(tokens)):
        word, previous = tokens[i].lower(), tokens[i - 1]
        if tokens[i][0].isupper() or word in STOPWORDS or "VERB" not in _lemmas(word):
            continue
        kinds = set(_lemmas(previous.lower()))
        if previous[0].isupper() or (previous.lower() not in STOPWORDS and ("NOUN" in kinds or kinds == {"ADV"})):
            return i
    return None


def predicate(question: str) -> str | None:
    """The verb a who / when / where question turns on, lower-cased, or None.

    The word after "who" ("Who *founded* IBM?"), the verb after the subject of "did" / "does"
    ("When did John Harvard *die*?"), or a final participle after "is" / "was" ("Where is IBM
    *headquartered*?"); None for any other shape, or for a light verb ("Who *made* ...").
    """
    tokens = _WORD.findall(question)
    lowered = [t.lower() for t in tokens]
    if len(lowered) < 2 or lowered[0] not in ("who", "when", "where"):
        return None
    if lowered[0] == "who" and lowered[1] not in AUXILIARIES:
        return _after_who(lowered[1:])
    if lowered[1] in ("did", "does", "do"):
        at = _after_subject(tokens, 3)
        return None if at is None or _light(lowered[at]) else lowered[at]
    if lowered[1] in ("is", "was", "are", "were") and lowered[-1].endswith("ed"):
        last = lowered[-1]
        return None if "VERB" not in _lemmas(last) or _light(last) else last
    return None


def content_words(text: str) -> list[str]:
    """The text's distinct lower-case words of three letters or more, stopwords apart."""
    return list(dict.fromkeys(w for w in words(text) if len(w) > 2 and w not in STOPWORDS))


def said(verb: str, text_words: Sequence[str], similarity: Callable[[str, Sequence[str]], float] | None = None) -> bool:
    """Whether the text says the verb: a word of the same stem or lemma, or (with
    ``similarity``, a word's closeness to the verb; see :class:`WordSimilarity`) a close one."""
    stem = _stem(verb)
    if any(_stem(w) == stem for w in text_words):
        return True
    wanted = set(_lemmas(verb).get("VERB", (verb,)))
    if any(wanted & {lemma for found in _lemmas(w).values() for lemma in found} for w in text_words):
        return True
    return similarity is not None and similarity(verb, text_words) > 0


class WordSimilarity:
    """Whether a text holds a word whose vector is at least ``threshold`` close to a given
    word's, each word embedded alone once (one batched call for the words not yet seen).

    Args:
        encode: Unit vectors of texts (:meth:`Retriever.encode`).
        threshold: The least cosine that counts as saying the same.
    """

    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], threshold: float) -> None:
        self.encode = encode
        self.threshold = threshold
        self._vectors: dict[str, np.ndarray] = {}

    def vectors(self, texts: Iterable[str]) -> np.ndarray:
        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, self.encode(new), strict=True))
        return np.stack([self._vectors[t] for t in texts])

    def __call__(self, word: str, candidates: Sequence[str]) -> float:
        """1.0 when a candidate is close enough, else 0.0 (so ``said`` reads it as a truth value)."""
        if not candidates:
            return 0.0
        vectors = self.vectors([word, *candidates])
        return float(np.max(vectors[1:] @ vectors[0]) >= self.threshold)


def _parse_roles(tokens: Sequence[str]) -> tuple[int, list[str]] | None:
    """The predicate's index and the words on the side the answer does not take: the subject of
    "Who did S V ...?" or the object of "What V O?"."""
    lowered = [t.lower() for t in tokens]
    if len(lowered) < 3 or lowered[0] not in ("who", "whom", "what", "which"):
        return None
    if lowered[1] in ("did", "does", "do"):
        at = _after_subject(tokens, 3)
        return None if at is None or _light(lowered[at]) else (at, lowered[2:at])
    kinds = set(_lemmas(lowered[1]))
    if lowered[0] in ("who", "what") and "VERB" in kinds and "NOUN" not in kinds and not _light(lowered[1]):
        return 1, lowered[2:]
    return None


def roles_swapped(question: str, sentence: str) -> bool:
    """Whether the sentence puts the question's own subject (or object) on the other side of
    its predicate, which it says once and in the active voice: "Who did King Charles swear
    fealty to?" against "... agreed to swear fealty to King Charles III"."""
    tokens = _WORD.findall(question)
    parsed = _parse_roles(tokens)
    if parsed is None:
        return False
    at, side = parsed
    verb = _stem(tokens[at].lower())
    side_stems = {_stem(w) for w in side if w not in STOPWORDS and len(w) > 2} - {verb}
    said_words = words(sentence)
    stems = [_stem(w) for w in said_words]
    places = [i for i, s in enumerate(stems) if s == verb]
    if not side_stems or len(places) != 1:
        return False
    place = places[0]
    if (place and said_words[place - 1] in _BE) or "by" in said_words[place + 1 : place + 4]:
        return False  # the passive voice turns the roles round by itself
    before = any(s in side_stems for s in stems[:place])
    after = any(s in side_stems for s in stems[place + 1 :])
    subject_side = _asks_subject(tokens)
    return (after and not before) if subject_side else (before and not after)


def _asks_subject(tokens: Sequence[str]) -> bool:
    """Whether the question is of the "Who did S V?" shape (its side words are the subject)."""
    return len(tokens) > 1 and tokens[1].lower() in ("did", "does", "do")

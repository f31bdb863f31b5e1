"""A question's content words softly aligned with the passages an answer shows, from the model's
contextual token vectors (measured, off in the shipped rule: docs/retrieval.md, "Eleventh pass:
confidence").

Each content word of the question meets every token of a text; its score is its best cosine
there (a word of several model tokens: the mean of its tokens' best cosines), as BERTScore's
recall aligns a candidate with a reference. Two readings of those scores, each a different way an
answer on the subject can miss what was asked:

* **soft recall** (:func:`soft_recall`): the IDF-weighted mean of the words' scores in the bold
  sentence (or the first passage). A paraphrase ("payroll" for "employs") still finds a close
  token, where a word match finds none; a question about something the sentence does not say
  finds none close.
* **said elsewhere** (:func:`elsewhere_gap`): how much better some word of the question is met by
  another passage the answer shows than by the first one. "Who is the CEO of Red Hat?" against a
  first passage about Red Hat that says nothing of a CEO, while the second says "IBM CEO Arvind
  Krishna": the question turns on a word the sources give next to, not in, the first passage.

Pure functions over arrays: the vectors come from the caller (the question's from its forward
pass, :attr:`index.search.Query.tokens`; the passages' from the index's token store).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.asked import word_set
from index.lexical import STOPWORDS, _stem

# A word: letters and digits, with inner apostrophes and hyphens ("IBM's", "Saint-Clair-sur-Epte").
_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")
# Words that say what is asked, not what about: a question's own wh-words and quantifiers.
_ASKING = word_set("what which who whom whose where when why how many much")


@dataclass(frozen=True)
class TokenText:
    """A text as the model read it: its token vectors (unit rows, in order) and each token's
    character ``(start, end)``; ``focus`` is the characters of the part that counts most (the
    bold sentence inside its passage), or None for the whole text."""

    rows: np.ndarray
    offsets: Sequence[tuple[int, int]]
    focus: tuple[int, int] | None = None

    def focus_rows(self) -> np.ndarray:
        """The rows of the tokens that start inside ``focus`` (every row when it has none, or when
        the rows and offsets do not match one for one: a text embedded as several windows)."""
        if self.focus is None or len(self.rows) != len(self.offsets):
            return self.rows
        a, b = self.focus
        kept = [i for i, (start, _) in enumerate(self.offsets) if a <= start < b]
        return self.rows[kept] if kept else self.rows


@dataclass(frozen=True)
class Aligned:
    """Each content word of a question (``stems``) with its best cosine in the bold sentence
    (``sentence``), in the first passage (``passage``) and in the best of the other passages shown
    (``others``; equal to ``passage`` when there is none); ``named``: whether the word is written
    with a capital (a name, which the names check reads), for each word."""

    stems: tuple[str, ...]
    sentence: np.ndarray
    passage: np.ndarray
    others: np.ndarray
    named: tuple[bool, ...] = ()


def content_words(question: str) -> list[tuple[int, int, str]]:
    """The question's content words: ``(start, end, stem)``, stopwords, wh-words and "many" /
    "much" apart, a possessive's "'s" dropped from the stem."""
    out = []
    for match in _WORD.finditer(question):
        word = match.group(0).replace("\u2019", "'").casefold().removesuffix("'s")
        if word in STOPWORDS or word in _ASKING:
            continue
        out.append((match.start(), match.end(), _stem(word)))
    return out


def word_scores(
    tokens: np.ndarray, offsets: Sequence[tuple[int, int]], words: Sequence[tuple[int, int, str]], rows: np.ndarray
) -> np.ndarray:
    """Each word's best cosine with ``rows``: the mean over the word's tokens of each token's best
    cosine (1.0 for a word with no token of its own, 0.0 against no rows)."""
    out = np.ones(len(words), dtype=np.float32)
    if len(rows) == 0:
        return np.zeros(len(words), dtype=np.float32)
    best = (tokens @ rows.T).max(axis=1) if len(tokens) else np.zeros(0, dtype=np.float32)
    starts = np.asarray([a for a, _ in offsets], dtype=np.int64)
    for k, (a, b, _) in enumerate(words):
        mine = best[(starts >= a) & (starts < b)] if len(best) == len(starts) else best[:0]
        if len(mine):
            out[k] = float(mine.mean())
    return out


def align(
    question: str,
    tokens: np.ndarray,
    offsets: Sequence[tuple[int, int]],
    first: TokenText,
    others: Sequence[TokenText] = (),
) -> Aligned:
    """The question's content words aligned with the first passage (its bold sentence as
    ``first.focus``) and with the other passages shown.

    Args:
        question: The question as asked.
        tokens: Its contextual token vectors, unit rows, without special tokens.
        offsets: Each token's characters in ``question``.
        first: The first passage's tokens.
        others: The other passages'.
    """
    words = content_words(question)
    passage = word_scores(tokens, offsets, words, first.rows)
    sentence = word_scores(tokens, offsets, words, first.focus_rows())
    rest = np.max([word_scores(tokens, offsets, words, o.rows) for o in others], axis=0) if others else passage
    named = tuple(question[a].isupper() for a, _, _ in words)
    return Aligned(tuple(s for *_, s in words), sentence, passage, rest, named)


def soft_recall(aligned: Aligned, idf: Callable[[str], float], where: str = "sentence") -> float:
    """The IDF-weighted mean of the content words' best cosines in the bold sentence (``where`` =
    "sentence") or the first passage ("passage"); 1.0 for a question with no content word."""
    if not aligned.stems:
        return 1.0
    weights = np.asarray([idf(s) for s in aligned.stems], dtype=np.float64)
    scores = aligned.sentence if where == "sentence" else aligned.passage
    total = float(weights.sum())
    return float((weights * scores).sum() / total) if total > 0 else 1.0


def elsewhere_gap(aligned: Aligned, names: bool = True) -> float:
    """How much better the question's best-served word is met by another shown passage than by the
    first: the largest ``others - passage`` over its content words (0.0 for none); with ``names``
    False, over its words written in lower case only (a name is the names check's)."""
    gaps = aligned.others - aligned.passage
    if not names and len(aligned.named) == len(gaps):
        gaps = gaps[~np.asarray(aligned.named, dtype=bool)]
    return float(np.max(gaps)) if len(gaps) else 0.0


def misaligned(
    aligned: Aligned,
    idf: Callable[[str], float],
    recall_below: float,
    where: str = "sentence",
    gap_at_least: float = 0.0,
    names: bool = True,
) -> bool:
    """Whether the question's soft recall (:func:`soft_recall`, in ``where``) is below
    ``recall_below``, or a word of it is said elsewhere (:func:`elsewhere_gap`) by at least
    ``gap_at_least``; a setting of 0 leaves its check out (``confidence.Rule``'s switches)."""
    if recall_below and soft_recall(aligned, idf, where) < recall_below:
        return True
    return bool(gap_at_least) and elsewhere_gap(aligned, names) >= gap_at_least

"""BM25 scores of a list of tokenised texts: the scores bm25s 0.3 gives, computed with numpy alone.

bm25s imports scipy.sparse when it is installed (even though its default matrices are
numpy's), and scipy's array-API layer then imports every lazy submodule of numpy: about
0.15 s of CPU in every process that opens an index, most of a ``python -m bot ask`` start's
avoidable part. What citebot used of bm25s is small: ``BM25()`` with its defaults (the
Lucene variant, k1 1.5, b 0.75, float32 scores), ``index`` and ``get_scores``. This module
does the same arithmetic in the same order and dtypes, so the scores are the same bytes
(tests/index/test_bm25.py checks them against bm25s itself):

- idf of a term in ``df`` of ``n`` texts: ``log(1 + (n - df + 0.5) / (df + 0.5))``, in
  Python floats, stored as float32;
- a term occurring ``tf`` times in a text of ``l`` tokens, the mean length being ``avg``
  (float64): ``idf * tf / (k1 * ((1 - b) + b * l / avg) + tf)``, in float64, stored as float32;
- a query's score: the stored scores of its terms added into a float32 array, term by term
  in the query's order (a repeated term counts again).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

K1 = 1.5
B = 0.75


class BM25:
    """BM25 (Lucene's variant) of ``texts``, each a list of tokens.

    Args:
        texts: The tokenised texts, in order; score ``i`` is text ``i``'s. None may be
            empty (as with bm25s, give an empty text a placeholder token nobody queries).
        k1: Term-frequency saturation. Defaults to 1.5.
        b: Length normalisation. Defaults to 0.75.
    """

    def __init__(self, texts: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> None:
        self.size = len(texts)
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        text_ids: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            for term, count in Counter(text).items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                text_ids.append(i)
                counts.append(count)
        terms = np.asarray(term_ids, dtype=np.int64)
        frequencies = np.bincount(terms, minlength=len(vocabulary)).tolist()
        idf = np.array([math.log(1 + (self.size - df + 0.5) / (df + 0.5)) for df in frequencies], dtype=np.float32)
        lengths = np.array([len(text) for text in texts])
        average = lengths.mean() if self.size else np.float64(1.0)  # float64, as bm25s has it
        # Per text, as bm25s computes it for each: k1 * ((1 - b) + b * l / avg), in float64.
        normaliser = k1 * ((1 - b) + b * lengths / average)
        tf = np.asarray(counts, dtype=np.float32).astype(np.float64)
        rows = np.asarray(text_ids, dtype=np.int64)
        values = (idf[terms].astype(np.float64) * (tf / (normaliser[rows] + tf))).astype(np.float32)
        # Postings grouped by term (each text once in a term's postings, in text order).
        order = np.argsort(terms, kind="stable")
        self._texts = rows[order]
        self._values = values[order]
        ends = np.cumsum(np.bincount(terms, minlength=len(vocabulary))).tolist()
        self._spans = {term: (ends[i - 1] if i else 0, ends[i]) for term, i in vocabulary.items()}

    def __contains__(self, term: str) -> bool:
        return term in self._spans

    def scores(self, query: Iterable[str]) -> np.ndarray:
        """Score of every text for ``query``'s tokens, float32 of shape ``(size,)``; tokens no
        text holds add nothing."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in query:
            span = self._spans.get(term)
            if span is not None:
                start, end = span
                out[self._texts[start:end]] += self._values[start:end]
        return out

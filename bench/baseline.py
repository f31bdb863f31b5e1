"""The reference the benchmark compares latency with: plain dense search in FAISS.

The question's vector against every chunk's vector (inner product of unit vectors,
that is cosine), nothing else: what a minimal retrieval bot does.
"""

from __future__ import annotations

import faiss

from index.query import Retriever


class DenseBaseline:
    """Plain dense search over an opened index's chunk vectors, with its own model calls."""

    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever
        vectors = retriever.corpus.chunk_vectors
        self._flat = faiss.IndexFlatIP(vectors.shape[1])
        self._flat.add(vectors)

    def search(self, question: str, k: int = 3) -> list[tuple[int, float]]:
        """``(chunk number, cosine)`` pairs, best first."""
        scores, ids = self._flat.search(self._retriever.encode([question]), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

"""The chunks' contextual token vectors for late-interaction scoring, stored compressed.

Stored whole at float16 they took about 160 times the source text (768 bytes a token, a
token every 4 to 5 characters). Product quantization cuts each 384-d vector into
:data:`SUBVECTORS` pieces and stores, for each piece, the number of the nearest of 256
centroids learnt on this corpus: one byte a piece. A corpus too small to learn centroids
from (fewer than :data:`MIN_TOKENS` tokens) keeps float16. The sweep behind the numbers,
with what each choice costs in recall, is in docs/retrieval.md.

Files: ``tokens.codes.npy`` (uint8 codes of shape ``(n, SUBVECTORS)``, or float16 vectors
of shape ``(n, d)``) and ``tokens.codebook.npy`` (float16 centroids of shape
``(SUBVECTORS, 256, d / SUBVECTORS)``, empty for float16).
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

SUBVECTORS = 32
MIN_TOKENS = 4096
# Learning centroids costs sample x 256 x d x iterations multiply-adds: 16,384 tokens (64 a
# centroid) and 10 k-means rounds take seconds, where 65,536 and 25 rounds took minutes;
# the recall they give is measured in docs/retrieval.md.
TRAIN_TOKENS = 16384
TRAIN_ROUNDS = 10
CENTROIDS = 256
FLOAT32_ROWS = 8192


class TokenStore:
    """Token vectors addressed by row, decoded to float32 only for the rows asked for.

    Args:
        codes: uint8 codes ``(n, m)`` with ``codebook`` ``(m, 256, d / m)``; or float16
            vectors ``(n, d)`` with an empty codebook.
        codebook: The centroids, float16 or float32.
    """

    def __init__(self, codes: np.ndarray, codebook: np.ndarray) -> None:
        self.codes = codes
        self.codebook = codebook
        self.quantized = codes.dtype == np.uint8
        if self.quantized:
            if codebook.ndim != 3 or codebook.shape[0] != codes.shape[1] or codebook.shape[1] != CENTROIDS:
                raise ValueError(f"codebook of shape {codebook.shape} does not fit codes of shape {codes.shape}")
            self._centroids = codebook.astype(np.float32)
            # Decoding is one take from the centroids laid end to end (piece j's centroid c at
            # row 256 j + c): five times faster than indexing by piece and code, same values.
            self._flat = self._centroids.reshape(-1, codebook.shape[2])
            self._offsets = np.arange(codes.shape[1], dtype=np.intp) * CENTROIDS
            self.dimension = codebook.shape[0] * codebook.shape[2]
        else:
            self.dimension = codes.shape[1] if codes.ndim == 2 else 0
            # A small float16 store is kept as float32 too (at most 12 MB): converting its rows on
            # every question cost more than the product with them.
            self._float32 = codes.astype(np.float32) if len(codes) <= FLOAT32_ROWS else None
            if self._float32 is not None:
                self._float32.flags.writeable = False  # a slice of it is a view: nobody writes through it

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows: slice | np.ndarray) -> np.ndarray:
        """Rows ``rows`` (a slice or an array of row numbers) as float32 vectors of shape ``(n, d)``."""
        if not self.quantized:
            return self.codes[rows].astype(np.float32) if self._float32 is None else self._float32[rows]
        codes = self.codes[rows]
        return np.take(self._flat, codes + self._offsets, axis=0).reshape(len(codes), self.dimension)

    @property
    def codec(self) -> str:
        return f"pq{self.codes.shape[1]}x8" if self.quantized else "float16"


class TokenCodec:
    """How token vectors are written: product-quantized, or float16 for a small corpus.

    Build one with :meth:`learn` from a sample, then :meth:`encode` every chunk's vectors.

    Args:
        centroids: For each of the ``m`` pieces, its 256 centroids, float32 ``(m, 256, d / m)``;
            None keeps float16.
        dimension: The vectors' dimension.
    """

    def __init__(self, centroids: np.ndarray | None, dimension: int) -> None:
        self._centroids = centroids
        self.dimension = dimension
        if centroids is not None:
            self._norms = (centroids**2).sum(axis=2)

    @classmethod
    def learn(cls, sample: np.ndarray, total_tokens: int, subvectors: int = SUBVECTORS) -> TokenCodec:
        """Learn the centroids from ``sample`` (float32 ``(n, d)``, at most about :data:`TRAIN_TOKENS`
        rows drawn from the whole corpus); a corpus of fewer than :data:`MIN_TOKENS` tokens in all
        (``total_tokens``) keeps float16."""
        dimension = sample.shape[1]
        if total_tokens < MIN_TOKENS or len(sample) < CENTROIDS or subvectors == 0:
            return cls(None, dimension)
        pieces = np.ascontiguousarray(sample, dtype=np.float32).reshape(len(sample), subvectors, -1)
        centroids = np.stack([_kmeans(pieces[:, j, :], CENTROIDS, TRAIN_ROUNDS, seed=j) for j in range(subvectors)])
        # Rounded as stored: codes are chosen among the centroids a reader decodes with, and an
        # incremental build encoding with the stored codebook picks what this build would.
        return cls(centroids.astype(np.float16).astype(np.float32), dimension)

    @classmethod
    def from_codebook(cls, codebook: np.ndarray, dimension: int) -> TokenCodec:
        """The codec an index was written with, from its ``tokens.codebook.npy`` (empty: float16)."""
        if codebook.size == 0:
            return cls(None, dimension)
        return cls(np.asarray(codebook, dtype=np.float32), dimension)

    def encode(self, rows: np.ndarray) -> np.ndarray:
        """The stored form of float32 vectors ``(n, d)``: uint8 codes ``(n, m)`` or float16 ``(n, d)``."""
        if self._centroids is None:
            return rows.astype(np.float16)
        m = len(self._centroids)
        # The nearest centroid of each piece, by one matrix product a piece (not one small
        # distance computation a vector: 2.5x less CPU).
        pieces = np.ascontiguousarray(rows, dtype=np.float32).reshape(len(rows), m, self.dimension // m)
        codes = np.empty((len(rows), m), dtype=np.uint8)
        for j in range(m):
            centroids = self._centroids[j]
            distances = self._norms[j][None, :] - 2 * pieces[:, j, :] @ centroids.T
            codes[:, j] = distances.argmin(axis=1)
        return codes

    def codebook(self) -> np.ndarray:
        """The centroids to store beside the codes (empty for float16)."""
        if self._centroids is None:
            return np.zeros((0,), dtype=np.float16)
        return self._centroids.astype(np.float16)

    @property
    def name(self) -> str:
        """``pq32x8`` (32 one-byte codes a token) or ``float16``."""
        return "float16" if self._centroids is None else f"pq{len(self._centroids)}x8"

    def empty(self) -> np.ndarray:
        """The stored form of no vectors."""
        return self.encode(np.zeros((0, self.dimension), dtype=np.float32))


def sample_chunks(token_counts: list[int], budget: int = TRAIN_TOKENS, seed: int = 0) -> list[int]:
    """Chunks drawn at random (seeded: builds repeat) until their tokens reach ``budget``, in
    corpus order: the centroids then see every part of the corpus, not its first documents."""
    order = np.random.default_rng(seed).permutation(len(token_counts))
    chosen, total = [], 0
    for i in order:
        if total >= budget:
            break
        chosen.append(int(i))
        total += token_counts[i]
    return sorted(chosen)


def _kmeans(points: np.ndarray, k: int, rounds: int, *, seed: int) -> np.ndarray:
    """``k`` centroids of ``points`` (float32 ``(n, d)``, n >= k) by Lloyd's k-means.

    Seeded from ``k`` distinct points drawn at random (seeded: builds repeat); a centroid
    left with no point is moved to the point farthest from its own centroid, so none is wasted.
    """
    rng = np.random.default_rng(seed)
    centroids = points[rng.choice(len(points), size=k, replace=False)].copy()
    point_norms = (points**2).sum(axis=1)
    for _ in range(rounds):
        distances = point_norms[:, None] - 2 * points @ centroids.T + (centroids**2).sum(axis=1)[None, :]
        nearest = distances.argmin(axis=1)
        counts = np.bincount(nearest, minlength=k)
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, points)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]
        if not filled.all():
            farthest = np.argsort(-distances[np.arange(len(points)), nearest])[: int((~filled).sum())]
            centroids[~filled] = points[farthest]
    return centroids

"""Embedding a whole corpus in bounded memory (a helper of the build).

The embedding model hands back every token's vector with each text's embedding; asked for
all of a 20 MB corpus at once, that is gigabytes held until the end. These helpers embed
in slices and keep only what the index stores: the pooled vectors, and each chunk's token
vectors already compressed (index/tokens.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from index.tokens import TokenCodec, sample_chunks

if TYPE_CHECKING:
    from index.embed import Embedder

log = logging.getLogger(__name__)

# Texts a slice: the model's outputs for one slice are at most about 100 MB.
SENTENCE_SLICE = 1024
CHUNK_SLICE = 256


@dataclass(frozen=True)
class EmbeddedChunks:
    """Chunk vectors ``(n, d)``, their token vectors' stored form, and each chunk's token count."""

    vectors: np.ndarray
    token_codes: np.ndarray
    codebook: np.ndarray
    token_counts: list[int]
    codec: str


def embed_texts(embedder: Embedder, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
    """Unit vectors of ``texts``, shape ``(len(texts), d)``, embedded a slice at a time."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    with tqdm(total=len(texts), disable=not progress, unit="text", desc="sentences") as bar:
        for a in range(0, len(texts), SENTENCE_SLICE):
            part = texts[a : a + SENTENCE_SLICE]
            out[a : a + len(part)] = embedder.encode(list(part))
            bar.update(len(part))
    return out


def embed_chunks(
    embedder: Embedder,
    texts: Sequence[str],
    token_estimates: Sequence[int],
    *,
    progress: bool = False,
    codec: TokenCodec | None = None,
) -> EmbeddedChunks:
    """Embed the chunks and compress their token vectors as they come.

    Without a ``codec``, a random sample of chunks is embedded first and the token codec learnt
    from it (:meth:`TokenCodec.learn`); then the rest, a slice at a time. Only the codes are kept.

    Args:
        embedder: The loaded model.
        texts: What is embedded for each chunk (title and text).
        token_estimates: About how many tokens each chunk has (to size the sample).
        progress: Show a progress bar.
        codec: The codec to encode with (an incremental build keeps its index's); None learns one.
    """
    n = len(texts)
    vectors = np.zeros((n, embedder.dimension), dtype=np.float32)
    codes: list[np.ndarray | None] = [None] * n
    counts = [0] * n
    sample = sample_chunks(list(token_estimates)) if codec is None else []
    with tqdm(total=n, disable=not progress, unit="chunk", desc="chunks") as bar:
        rows = _embed(embedder, texts, sample, vectors, counts, bar)
        if codec is None:
            learnt_on = np.concatenate(rows) if rows else np.zeros((0, embedder.dimension), np.float32)
            codec = TokenCodec.learn(learnt_on, sum(token_estimates))
        for i, part in zip(sample, rows, strict=True):
            codes[i] = codec.encode(part)
        del rows
        chosen = set(sample)
        rest = [i for i in range(n) if i not in chosen]
        for a in range(0, len(rest), CHUNK_SLICE):
            ids = rest[a : a + CHUNK_SLICE]
            for i, part in zip(ids, _embed(embedder, texts, ids, vectors, counts, bar), strict=True):
                codes[i] = codec.encode(part)
    stored = [c for c in codes if c is not None]
    return EmbeddedChunks(
        vectors=vectors,
        token_codes=np.concatenate(stored) if stored else codec.empty(),
        codebook=codec.codebook(),
        token_counts=counts,
        codec=codec.name,
    )


def _embed(
    embedder: Embedder, texts: Sequence[str], ids: list[int], vectors: np.ndarray, counts: list[int], bar: tqdm
) -> list[np.ndarray]:
    """Embed ``texts[ids]`` a slice at a time into ``vectors`` and ``counts``; their token vectors."""
    out: list[np.ndarray] = []
    for a in range(0, len(ids), CHUNK_SLICE):
        part = ids[a : a + CHUNK_SLICE]
        pooled, tokens = embedder.encode_with_tokens([texts[i] for i in part])
        vectors[part] = pooled
        for i, rows in zip(part, tokens, strict=True):
            counts[i] = len(rows)
        out.extend(tokens)
        bar.update(len(part))
    return out

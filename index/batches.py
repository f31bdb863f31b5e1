"""Embedding a whole corpus in bounded memory and few CPU seconds (a helper of the build).

The embedding model hands back every token's vector with each text's embedding; asked for
all of a 20 MB corpus at once, that is gigabytes held until the end. These helpers embed
in slices and keep only what the index stores: the pooled vectors, each chunk's token
vectors already compressed (index/tokens.py), and the sentences' vectors pooled from their
chunk's token vectors (index/pooling.py).

Each model call is a small batch of texts of about the same length, longest first: CPU
time a token is lowest when a call's activations stay in the processor's cache, and no
call pays for padding a short text to a long one. The sweep is in docs/retrieval.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from index.embed import WINDOW_OVERLAP, unit_rows
from index.parallel import ordered_map
from index.pooling import pool_sentences
from index.tokens import TokenCodec, sample_chunks

if TYPE_CHECKING:
    from index.embed import Embedder

log = logging.getLogger(__name__)

# Texts a slice: the model's outputs for one slice are at most about 100 MB.
SENTENCE_SLICE = 1024
CHUNK_SLICE = 256
# Padded tokens a model call (texts times the longest's tokens): 2 chunks of 256 tokens, or
# about 14 sentences. Larger calls spill the activations out of cache (16,384 cost 1.6x the
# CPU a token of 512 on chunks, 2.6x on sentences; the sweep is in docs/retrieval.md).
BATCH_TOKENS = 512
# Model calls run at once, one a core: on a shared machine that spends less CPU than two
# runtime threads splitting each call (docs/retrieval.md). The bytes are the same either way.
WORKERS = os.cpu_count() or 1


def _calls(embedder: Embedder, texts: Sequence[str], groups: list[list[int]], **options: object) -> Iterator[tuple]:
    """``embedder.encode_with_tokens`` of each group's texts, in order, :data:`WORKERS` calls at once."""

    def call(group: list[int]) -> tuple:
        return embedder.encode_with_tokens([texts[i] for i in group], batch_size=len(group), **options)

    return ordered_map(call, groups, WORKERS)


@dataclass(frozen=True)
class EmbeddedChunks:
    """What the chunks' pass gives.

    Attributes:
        vectors: Chunk vectors ``(n, d)``.
        token_codes: Their token vectors' stored form, chunk after chunk.
        codebook: The token codec's centroids (empty for float16).
        token_counts: Each chunk's token rows.
        codec: The codec's name.
        sentence_vectors: Each chunk's sentences in turn ``(s, d)``, pooled from its token
            vectors; rows listed in ``unpooled`` are zero and must be embedded on their own.
        unpooled: Sentence rows the pass could not pool (see :func:`index.pooling.pool_sentences`).
    """

    vectors: np.ndarray
    token_codes: np.ndarray
    codebook: np.ndarray
    token_counts: list[int]
    codec: str
    sentence_vectors: np.ndarray
    unpooled: list[int]


def token_batches(lengths: Sequence[int], ids: Sequence[int], budget: int = BATCH_TOKENS) -> list[list[int]]:
    """``ids`` grouped longest first (by ``lengths[i]``), each group's texts times its longest <= ``budget``."""
    order = sorted(ids, key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and (len(groups[-1]) + 1) * lengths[groups[-1][0]] <= budget:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def embed_texts(
    embedder: Embedder, texts: Sequence[str], *, progress: bool = False, budget: int = BATCH_TOKENS
) -> np.ndarray:
    """Unit vectors of ``texts``, shape ``(len(texts), d)``, embedded a slice at a time."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    # No bar when nothing is embedded (every document reused): it would read "0text".
    with tqdm(total=len(texts), disable=not (progress and texts), unit="text", desc="sentences") as bar:
        for a in range(0, len(texts), SENTENCE_SLICE):
            part = list(range(a, min(a + SENTENCE_SLICE, len(texts))))
            lengths = {i: embedder.count_tokens(texts[i]) + 2 for i in part}
            groups = token_batches(lengths, part, budget)
            for group, (vectors, _) in zip(groups, _calls(embedder, texts, groups, tokens=False), strict=True):
                out[group] = vectors
            bar.update(len(part))
    return out


@dataclass(frozen=True)
class Sentences:
    """The sentences to pool from each chunk's pass: their character spans in the embedded text,
    and the span of the text's context (its title) that joins every mean, or None."""

    spans: Sequence[Sequence[tuple[int, int]]]
    context: Sequence[tuple[int, int] | None]


def embed_chunks(
    embedder: Embedder,
    texts: Sequence[str],
    token_estimates: Sequence[int],
    *,
    progress: bool = False,
    codec: TokenCodec | None = None,
    sentences: Sentences | None = None,
) -> EmbeddedChunks:
    """Embed the chunks, compress their token vectors as they come, and pool their sentences.

    Without a ``codec``, a random sample of chunks is embedded first and the token codec learnt
    from it (:meth:`TokenCodec.learn`); then the rest, a slice at a time. Only the codes are kept.

    Args:
        embedder: The loaded model.
        texts: What is embedded for each chunk (title and text).
        token_estimates: About how many tokens each chunk has (to size the sample and the batches).
        progress: Show a progress bar.
        codec: The codec to encode with (an incremental build keeps its index's); None learns one.
        sentences: The sentences of each chunk to pool; None pools none.
    """
    n = len(texts)
    pass_ = _Pass(embedder, texts, token_estimates, sentences)
    sample = sample_chunks(list(token_estimates)) if codec is None else []
    with tqdm(total=n, disable=not (progress and n), unit="chunk", desc="chunks") as bar:
        rows = pass_.run(sample, bar)
        if codec is None:
            learnt_on = np.concatenate(rows) if rows else np.zeros((0, embedder.dimension), np.float32)
            codec = TokenCodec.learn(learnt_on, sum(token_estimates))
        for i, part in zip(sample, rows, strict=True):
            pass_.codes[i] = codec.encode(part)
        del rows
        chosen = set(sample)
        rest = [i for i in range(n) if i not in chosen]
        for a in range(0, len(rest), CHUNK_SLICE):
            ids = rest[a : a + CHUNK_SLICE]
            for i, part in zip(ids, pass_.run(ids, bar), strict=True):
                pass_.codes[i] = codec.encode(part)
    stored = [c for c in pass_.codes if c is not None]
    return EmbeddedChunks(
        vectors=pass_.vectors,
        token_codes=np.concatenate(stored) if stored else codec.empty(),
        codebook=codec.codebook(),
        token_counts=pass_.counts,
        codec=codec.name,
        sentence_vectors=pass_.sentence_vectors,
        unpooled=pass_.unpooled,
    )


class _Pass:
    """The chunks' forward pass: what it has given so far, filled a slice at a time."""

    def __init__(
        self, embedder: Embedder, texts: Sequence[str], estimates: Sequence[int], sentences: Sentences | None
    ) -> None:
        n = len(texts)
        self.embedder, self.texts, self.sentences = embedder, texts, sentences
        self.lengths = [e + 2 for e in estimates]  # with [CLS] and [SEP]
        self.vectors = np.zeros((n, embedder.dimension), dtype=np.float32)
        self.codes: list[np.ndarray | None] = [None] * n
        self.counts = [0] * n
        per_chunk = [len(s) for s in sentences.spans] if sentences else [0] * n
        self.first_sentence = np.concatenate([[0], np.cumsum(per_chunk)]).astype(np.int64)
        self.sentence_vectors = np.zeros((int(self.first_sentence[-1]), embedder.dimension), dtype=np.float32)
        self.unpooled: list[int] = []

    def run(self, ids: list[int], bar: tqdm) -> list[np.ndarray]:
        """Embed ``texts[ids]``; their unit token vectors, in the order of ``ids``."""
        out: dict[int, np.ndarray] = {}
        groups = token_batches(self.lengths, ids)
        for group, (pooled, tokens) in zip(
            groups, _calls(self.embedder, self.texts, groups, unit_tokens=False), strict=True
        ):
            self.vectors[group] = pooled
            for i, rows in zip(group, tokens, strict=True):
                self.counts[i] = len(rows)
                if self.sentences is not None:
                    self._pool(i, rows)
                out[i] = unit_rows(rows)
            bar.update(len(group))
        return [out[i] for i in ids]

    def _pool(self, i: int, rows: np.ndarray) -> None:
        assert self.sentences is not None
        first, last = int(self.first_sentence[i]), int(self.first_sentence[i + 1])
        if first == last:
            return
        got = pool_sentences(
            rows,
            self.embedder.offsets(self.texts[i]),
            self.sentences.spans[i],
            window=self.embedder.max_tokens,
            overlap=WINDOW_OVERLAP,
            context=self.sentences.context[i],
        )
        if got is None:
            self.unpooled.extend(range(first, last))
        else:
            self.sentence_vectors[first:last] = got

"""The token store (index/tokens.py) and the bounded-memory build (index/batches.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import index.query
from index import search
from index.batches import CHUNK_SLICE, SENTENCE_SLICE
from index.query import Retriever
from index.store import load_index, read_manifest
from index.tokens import MIN_TOKENS, SUBVECTORS, TokenCodec, TokenStore, sample_chunks

DIM = 384


def unit_rows(n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors near 50 directions, as contextual token vectors cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, DIM))
    rows = centres[rng.integers(0, 50, n)] + 0.3 * rng.normal(size=(n, DIM))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_product_quantization_stores_one_byte_a_piece_and_decodes_close() -> None:
    """A corpus of 6,000 token vectors: SUBVECTORS bytes a token, decoded rows close to the originals."""
    rows = unit_rows(6000)
    codec = TokenCodec.learn(rows[:4500], len(rows))
    store = TokenStore(codec.encode(rows), codec.codebook())
    assert store.codes.dtype == np.uint8
    assert store.codes.shape == (6000, SUBVECTORS)
    assert store.codebook.nbytes <= 256 * DIM * 2
    decoded = store[100:200]
    assert decoded.shape == (100, DIM)
    cosines = (decoded * rows[100:200]).sum(axis=1) / np.linalg.norm(decoded, axis=1)
    assert cosines.mean() > 0.9
    assert codec.name == f"pq{SUBVECTORS}x8"


@pytest.mark.parametrize("quantized", [True, False], ids=["pq", "float16"])
def test_maxsim_over_many_spans_at_once_equals_one_span_at_a_time(quantized: bool) -> None:
    """The batched late interaction scores every span as :func:`maxsim` does alone, empty spans 0."""
    rows = unit_rows(6000)
    codec = TokenCodec.learn(rows[:4500], len(rows)) if quantized else TokenCodec(None, DIM)
    store = TokenStore(codec.encode(rows), codec.codebook())
    question = unit_rows(12, seed=1)
    spans = np.asarray([[0, 40], [40, 40], [5000, 5200], [130, 131], [2000, 2300]], dtype=np.int64)
    one_by_one = [search.maxsim(question, store[a:b]) for a, b in spans]
    assert search.maxsim_spans(question, store, spans) == pytest.approx(one_by_one, abs=1e-6)
    assert search.maxsim_spans(question[:0], store, spans).tolist() == [0.0] * len(spans)


def test_a_corpus_too_small_to_learn_from_keeps_float16() -> None:
    """Fewer than MIN_TOKENS token vectors are stored as float16, decoded exactly to float16 precision."""
    rows = unit_rows(MIN_TOKENS - 1)
    codec = TokenCodec.learn(rows, len(rows))
    store = TokenStore(codec.encode(rows), codec.codebook())
    assert store.codes.dtype == np.float16
    assert np.abs(store[0:10] - rows[:10]).max() < 1e-3
    assert codec.name == "float16"


def test_training_sample_is_spread_over_the_corpus_and_repeatable() -> None:
    """Chunks for learning the centroids come from all over the corpus, the same ones each build."""
    counts = [200] * 2000
    chosen = sample_chunks(counts, budget=20_000)
    assert chosen == sample_chunks(counts, budget=20_000)
    assert len(chosen) == 100
    assert min(chosen) < 200 and max(chosen) > 1800


class SmallTokenizer:
    """Counts a word as a token."""

    def __call__(self, text: str, **kwargs: object) -> dict[str, list[int]]:
        return {"input_ids": list(range(len(text.split())))}


class RecordingEmbedder:
    """A stand-in model (random vectors, a token a word) that records how many texts each call asks for."""

    name = "all-MiniLM-L6-v2"
    dimension = DIM
    max_tokens = 254
    largest_call = 0

    def __init__(self, model_path: Path | None = None, **options: object) -> None:
        self._rng = np.random.default_rng(0)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def offsets(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\S+", text)]

    def _note(self, texts: Sequence[str]) -> None:
        RecordingEmbedder.largest_call = max(RecordingEmbedder.largest_call, len(texts))

    def encode(self, texts: Sequence[str], **kwargs: object) -> np.ndarray:
        self._note(texts)
        return unit_rows(len(texts), int(self._rng.integers(1 << 30)))

    def encode_with_tokens(self, texts: Sequence[str], **kwargs: object) -> tuple[np.ndarray, list[np.ndarray]]:
        self._note(texts)
        tokens = [unit_rows(len(t.split()), int(self._rng.integers(1 << 30))) for t in texts]
        return self.encode(texts), tokens


def test_build_asks_the_model_for_bounded_slices_and_stores_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus of 600 paragraphs and 1,200 sentences is embedded a slice at a time, tokens stored as codes."""
    monkeypatch.setattr(index.query, "Embedder", RecordingEmbedder)
    RecordingEmbedder.largest_call = 0
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    paragraphs = [
        f"Paragraph {i} tells of harbour number {i} and its boats. The keeper counted {i} gulls there."
        for i in range(600)
    ]
    (seeds / "big.txt").write_text("Harbours\n\n" + "\n\n".join(paragraphs) + "\n")
    retriever = Retriever.open(seeds, tmp_path / "index")
    assert RecordingEmbedder.largest_call <= max(CHUNK_SLICE, SENTENCE_SLICE)
    stored = load_index(tmp_path / "index")
    assert stored.token_vectors.codes.dtype == np.uint8
    assert stored.token_vectors.codes.shape[1] == SUBVECTORS
    assert read_manifest(tmp_path / "index")["tokens"]["codec"] == f"pq{SUBVECTORS}x8"
    assert len(stored.token_vectors) == stored.chunks[-1]["token_end"]
    assert retriever.info.chunks == 600

"""Sentence vectors pooled from their chunk's pass (index/pooling.py, index/batches.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import batches, build
from index.batches import token_batches
from index.build import chunk_input
from index.embed import WINDOW_OVERLAP, Embedder
from index.pooling import pool_sentences, token_rows
from index.query import Retriever
from index.store import load_index

DIM = 8


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_a_sentence_vector_is_the_normalised_mean_of_its_own_token_rows() -> None:
    """Tokens starting inside a sentence's characters, and only those, make its vector."""
    text = "Title: one two. three four five."
    offsets = [(0, 5), (5, 6), (7, 10), (11, 14), (14, 15), (16, 21), (22, 26), (27, 31), (31, 32)]
    rows = np.random.default_rng(0).normal(size=(len(offsets), DIM)).astype(np.float32)
    spans = [(7, 15), (16, 32)]
    assert text[7:15] == "one two." and text[16:32] == "three four five."
    got = pool_sentences(rows, offsets, spans, window=254, overlap=32)
    assert got is not None
    np.testing.assert_allclose(got[0], unit(rows[2:5].mean(axis=0)), rtol=1e-6)
    np.testing.assert_allclose(got[1], unit(rows[5:9].mean(axis=0)), rtol=1e-6)
    with_title = pool_sentences(rows, offsets, spans, window=254, overlap=32, context=(0, 5))
    assert with_title is not None
    np.testing.assert_allclose(with_title[0], unit(rows[[0, 2, 3, 4]].mean(axis=0)), rtol=1e-6)


def test_a_sentence_without_tokens_or_rows_that_do_not_fit_are_left_to_the_model() -> None:
    """None, so the caller embeds those sentences on their own."""
    offsets = [(0, 3), (4, 7)]
    rows = np.ones((2, DIM), dtype=np.float32)
    assert pool_sentences(rows, offsets, [(0, 7), (8, 8)], window=254, overlap=32) is None
    assert pool_sentences(rows[:1], offsets, [(0, 7)], window=254, overlap=32) is None


def test_rows_of_overlapping_windows_map_back_to_tokens_averaged() -> None:
    """A text of 10 tokens read as windows of 6 overlapping by 2: tokens 4 and 5 seen twice are averaged."""
    windowed = np.arange(12, dtype=np.float32)[:, None] * np.ones((1, DIM), dtype=np.float32)
    # windows (0, 6) and (4, 10): rows 0-5 are tokens 0-5, rows 6-11 are tokens 4-9
    got = token_rows(windowed, 10, window=6, overlap=2)
    assert got is not None
    assert got[:, 0].tolist() == [0, 1, 2, 3, (4 + 6) / 2, (5 + 7) / 2, 8, 9, 10, 11]
    assert token_rows(windowed[:11], 10, window=6, overlap=2) is None


def test_token_batches_hold_similar_lengths_within_the_budget() -> None:
    """Longest first; a group's texts times its longest never pass the budget (a text alone may)."""
    lengths = [256, 30, 250, 40, 2000, 35, 255, 256]
    groups = token_batches(lengths, range(len(lengths)), budget=1024)
    assert groups[0] == [4]
    assert [i for g in groups for i in g] == sorted(range(len(lengths)), key=lambda i: -lengths[i])
    assert all(len(g) * lengths[g[0]] <= 1024 for g in groups[1:])
    assert groups[1] == [0, 7, 6, 2]


@pytest.mark.parametrize("sentence", [0, 1, 2])
def test_pooled_sentence_equals_the_mean_of_the_model_rows_of_a_long_chunk(embedder: Embedder, sentence: int) -> None:
    """With the real model, on a text longer than one window: a sentence across the windows'
    seam pools the tokens' rows, each overlapping token averaged over its two windows."""
    parts = [
        "The harbour keeper counted " + " ".join(f"boat{i}" for i in range(90)) + " before dawn.",
        "Gulls " + " ".join(f"circled{i}" for i in range(70)) + " above the pier.",
        "Nobody came.",
    ]
    text = chunk_input("Harbours", " ".join(parts))
    offsets = embedder.offsets(text)
    assert len(offsets) > embedder.max_tokens
    _, (raw,) = embedder.encode_with_tokens([text], unit_tokens=False)
    per_token = token_rows(raw, len(offsets), embedder.max_tokens, WINDOW_OVERLAP)
    assert per_token is not None
    start = text.index(parts[sentence])
    span = (start, start + len(parts[sentence]))
    got = pool_sentences(raw, offsets, [span], window=embedder.max_tokens, overlap=WINDOW_OVERLAP)
    assert got is not None
    inside = [k for k, (a, _) in enumerate(offsets) if span[0] <= a < span[1]]
    if sentence == 1:  # across the seam: tokens of the first window only, of both, of the second only
        assert min(inside) < embedder.max_tokens - WINDOW_OVERLAP and max(inside) >= embedder.max_tokens
    np.testing.assert_allclose(got[0], unit(per_token[inside].mean(axis=0)), atol=1e-6)


def test_an_index_stores_the_pooled_sentences_and_the_same_chunks_as_two_passes(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pooling changes the sentence vectors only: chunk vectors and token codes are byte for byte those of
    the two-pass build, and each sentence vector is its chunk's rows pooled (as stored, float16)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(
        "Harbours\n\nThe keeper counted the boats. Gulls circled the pier at dawn.\n\n"
        "Fishing boats left before sunrise. They came back with herring.\n"
    )
    Retriever.open(seeds, tmp_path / "model")
    monkeypatch.setattr(build, "SENTENCE_VECTORS", "pooled")
    Retriever.open(seeds, tmp_path / "pooled")
    pooled, model = load_index(tmp_path / "pooled"), load_index(tmp_path / "model")
    for name in ("chunks.vectors.npy", "tokens.codes.npy", "quotes.vectors.npy"):
        assert (tmp_path / "pooled" / name).read_bytes() == (tmp_path / "model" / name).read_bytes()
    assert not np.array_equal(pooled.sentence_vectors, model.sentence_vectors)
    row = 0
    for chunk in pooled.chunks:
        text = chunk_input(chunk["document"], chunk["text"])
        shift = len(chunk_input(chunk["document"], ""))
        spans = [(a + shift, b + shift) for a, b in chunk["sentences"]]
        _, (raw,) = embedder.encode_with_tokens([text], unit_tokens=False)
        want = pool_sentences(raw, embedder.offsets(text), spans, window=254, overlap=WINDOW_OVERLAP)
        assert want is not None
        got = pooled.sentence_vectors[row : row + len(spans)]
        assert got.tobytes() == want.astype(np.float16).astype(np.float32).tobytes()
        row += len(spans)
    assert row == len(pooled.sentence_vectors)


@pytest.mark.model
def test_model_calls_at_once_or_one_at_a_time_write_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WORKERS only decides how many calls run together: every file's bytes are the same."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    paragraphs = [f"Boat {i} left the harbour at dawn. Its keeper counted {i} gulls." for i in range(40)]
    (seeds / "a.txt").write_text("Harbours\n\n" + "\n\n".join(paragraphs) + "\n")
    monkeypatch.setattr(batches, "WORKERS", 2)
    Retriever.open(seeds, tmp_path / "two")
    monkeypatch.setattr(batches, "WORKERS", 1)
    Retriever.open(seeds, tmp_path / "one")
    for name in ("chunks.vectors.npy", "sentences.vectors.npy", "quotes.vectors.npy", "tokens.codes.npy"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()

"""Sentence vectors from their chunk's forward pass (a helper of the build).

The model mean-pools its hidden states into a text's vector. A chunk's forward pass already
holds every token's hidden state in the context of its neighbours, so a sentence's vector
is taken as the mean of the rows of its own tokens, normalised: no second model pass over
every sentence (which cost as much CPU as the chunks). What this changes in quality is
measured in docs/retrieval.md ("Sentence vectors from the chunk's pass").

A chunk longer than the model's window is embedded as overlapping windows, each re-tokenised;
its rows are mapped back to the chunk's tokens window by window, a token seen by two windows
averaged. When that mapping cannot be made exactly (a window re-tokenised into other tokens),
:func:`pool_sentences` returns None and the caller embeds those sentences on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from index.chunk import windows

log = logging.getLogger(__name__)


def token_rows(rows: np.ndarray, n_tokens: int, window: int, overlap: int) -> np.ndarray | None:
    """One row a token of the text, from the rows the model gave for its windows in turn.

    Args:
        rows: float32 ``(r, d)``: each window's hidden states in turn (special tokens dropped).
        n_tokens: The text's tokens (its offsets, never truncated).
        window: Tokens a window holds (:attr:`index.embed.Embedder.max_tokens`).
        overlap: Tokens two windows share (:data:`index.embed.WINDOW_OVERLAP`).

    Returns:
        float32 ``(n_tokens, d)``, or None when the rows do not match the windows one for one.
    """
    if len(rows) == n_tokens:
        return rows
    spans = windows(range(n_tokens), window, overlap)
    if sum(b - a for a, b in spans) != len(rows) or n_tokens <= window:
        return None
    positions = np.concatenate([np.arange(a, b) for a, b in spans])
    sums = np.zeros((n_tokens, rows.shape[1]), dtype=np.float64)
    np.add.at(sums, positions, rows)
    seen = np.bincount(positions, minlength=n_tokens)
    return (sums / seen[:, None]).astype(np.float32)


def pool_sentences(
    rows: np.ndarray,
    offsets: Sequence[tuple[int, int]],
    spans: Sequence[tuple[int, int]],
    *,
    window: int,
    overlap: int,
    context: tuple[int, int] | None = None,
) -> np.ndarray | None:
    """Unit vectors of the sentences ``spans`` of one embedded text, from its token rows.

    A token belongs to a sentence when it starts inside the sentence's characters.

    Args:
        rows: The text's hidden states, as :meth:`index.embed.Embedder.encode_with_tokens`
            gives them with ``unit_tokens=False``.
        offsets: Character ``(start, end)`` of each of the text's tokens.
        spans: Character ``(start, end)`` of each sentence inside the embedded text.
        window: Tokens a window holds.
        overlap: Tokens two windows share.
        context: Characters whose tokens join every sentence's mean (the title's), or None.

    Returns:
        float32 ``(len(spans), d)`` unit rows, or None when the rows cannot be mapped to the
        tokens or a sentence has no token (the caller embeds the sentences on their own).
    """
    per_token = token_rows(rows, len(offsets), window, overlap)
    if per_token is None:
        return None
    starts = np.asarray([a for a, _ in offsets], dtype=np.int64)
    extra = np.zeros(rows.shape[1], dtype=np.float64)
    extra_n = 0
    if context is not None:
        c0, c1 = np.searchsorted(starts, context[0]), np.searchsorted(starts, context[1])
        extra, extra_n = per_token[c0:c1].sum(axis=0, dtype=np.float64), int(c1 - c0)
    out = np.zeros((len(spans), rows.shape[1]), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        first, last = np.searchsorted(starts, a), np.searchsorted(starts, b)
        if last <= first:
            return None
        mean = (per_token[first:last].sum(axis=0, dtype=np.float64) + extra) / (last - first + extra_n)
        out[k] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out

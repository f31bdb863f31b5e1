"""Identical passages: a corpus holding the same document twice must not fill an answer's
top results with one passage repeated (answers show each passage once)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)


def duplicate_of(texts: Sequence[str]) -> np.ndarray:
    """For each text, the index of the first text identical to it (white space runs count as one space).

    Returns:
        An int64 array of shape ``(len(texts),)``; entry i is i for a text seen first at i.
    """
    first: dict[str, int] = {}
    return np.asarray([first.setdefault(" ".join(t.split()), i) for i, t in enumerate(texts)], dtype=np.int64)


def repeats(canonical: np.ndarray) -> int:
    """How many passages repeat an earlier one word for word."""
    return int(np.count_nonzero(canonical != np.arange(len(canonical))))


def distinct(order: Iterable[int], canonical: np.ndarray | None, k: int) -> list[int]:
    """The first ``k`` of ``order`` (best first), skipping a passage identical to one already taken."""
    taken: list[int] = []
    seen: set[int] = set()
    for i in order:
        key = int(i) if canonical is None else int(canonical[i])
        if key in seen:
            continue
        seen.add(key)
        taken.append(int(i))
        if len(taken) == k:
            break
    return taken

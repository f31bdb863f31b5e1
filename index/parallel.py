"""Running model calls side by side: the build's batches and a large ``ask -`` batch share it.

ONNX Runtime releases the GIL while it runs, so threads calling one shared session use as
many cores as there are threads, and the results come back in the order asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(call: Callable[[T], R], items: Sequence[T], workers: int, name: str = "citebot-embed") -> Iterator[R]:
    """``call`` of each item, in the items' order, up to ``workers`` at once (in this thread when 1)."""
    if workers <= 1 or len(items) <= 1:
        yield from map(call, items)
        return
    with ThreadPoolExecutor(min(workers, len(items)), name) as pool:
        yield from pool.map(call, items)

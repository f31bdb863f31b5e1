"""Which quotations' speakers belong to which chunk and sentence, found by position.

Lexical matching sees who speaks in a passage ("he explained" -> Arvind Krishna). Comparing
every chunk with every quotation of its source was quadratic in a long document; both are
in document order, so a binary search finds each chunk's quotations.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)


def speakers_by_span(
    chunks: Sequence[dict[str, Any]], quotes: Sequence[dict[str, Any]]
) -> dict[tuple[int, int | None], set[str]]:
    """Speakers of the quotations inside each chunk (key ``(chunk, None)``) and each of its
    sentences (key ``(chunk, sentence)``)."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for quote in quotes:
        if quote["speaker"]:
            by_source.setdefault(quote["source"], []).append(quote)
    starts: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    for source, found in by_source.items():
        found.sort(key=lambda q: q["start"])
        starts[source] = [q["start"] for q in found]
        ends[source] = sorted(q["end"] for q in found)
    out: dict[tuple[int, int | None], set[str]] = {}
    for ci, chunk in enumerate(chunks):
        found = by_source.get(chunk["source"])
        if not found:
            continue
        # Quotations never overlap, so sorted by start they are sorted by end too.
        lo = bisect_right(ends[chunk["source"]], chunk["start"])
        hi = bisect_left(starts[chunk["source"]], chunk["end"])
        for quote in found[lo:hi]:
            out.setdefault((ci, None), set()).add(quote["speaker"])
            for si, (a, b) in enumerate(chunk["sentences"]):
                if quote["start"] < chunk["start"] + b and quote["end"] > chunk["start"] + a:
                    out.setdefault((ci, si), set()).add(quote["speaker"])
    return out

"""The on-disk schema of ``chunks.jsonl`` and ``quotes.jsonl``: one JSON object a line, row i describing vector i.

Written by the build (index/build.py, which names them too), cut per document by incremental
builds (index/incremental.py), read back by the corpus (index/corpus.py).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_ONLY_WHEN_SET = ("page", "url")


class _Record:
    """A record of ``chunks.jsonl`` or ``quotes.jsonl``: one JSON object a line, its fields by name."""

    def to_json(self) -> dict[str, Any]:
        row = dataclasses.asdict(self)  # type: ignore[call-overload]
        # A page and a link only where the document has them: a plain document's rows stay as they were.
        return {k: v for k, v in row.items() if v is not None or k not in _ONLY_WHEN_SET}

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Any:
        return cls(**row)


@dataclass(frozen=True)
class StoredChunk(_Record):
    """One chunk as stored in ``chunks.jsonl``.

    Attributes:
        source: The document's path as cited, e.g. ``seeds/article.txt``.
        document: The document's title.
        paragraph: Paragraph number as cited (non-empty paragraphs from 1; in a PDF, on its page).
        start: Offset of the chunk in the source text.
        end: Offset just past it.
        tokens: Model tokens in the chunk, without special tokens.
        text: The chunk, verbatim.
        sentences: ``(start, end)`` offsets of each sentence inside ``text``.
        token_start: First row of this chunk's token vectors in ``tokens.npy``.
        token_end: One past its last row.
        page: The PDF page, or None.
        url: A link to the paragraph where the document was published, or None.
    """

    source: str
    document: str
    paragraph: int
    start: int
    end: int
    tokens: int
    text: str
    sentences: tuple[tuple[int, int], ...]
    token_start: int = 0
    token_end: int = 0
    page: int | None = None
    url: str | None = None

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> StoredChunk:
        # JSON has lists; the record keeps its sentence spans as tuples, hashable and immutable.
        return cls(**{**row, "sentences": tuple((int(a), int(b)) for a, b in row["sentences"])})

    def sentence(self, i: int) -> str:
        a, b = self.sentences[i]
        return self.text[a:b]


@dataclass(frozen=True)
class StoredQuote(_Record):
    """One quotation as stored in ``quotes.jsonl``.

    Attributes:
        source: The document's path as cited.
        document: The document's title.
        paragraph: Paragraph number, as in :class:`StoredChunk`.
        start: Offset of the quoted words in the source text.
        end: Offset just past them.
        text: The words inside the quotation marks, verbatim.
        speaker: Who said it, as the source attributes it, or None.
        context: The sentence or sentences around it, for topic search.
        page: The PDF page, or None.
        url: A link to the paragraph where the document was published, or None.
    """

    source: str
    document: str
    paragraph: int
    start: int
    end: int
    text: str
    speaker: str | None
    context: str
    page: int | None = None
    url: str | None = None

"""The small records the retrieval library returns.

Their fields map one-to-one onto the command line's JSON (docs/CONTRACT.md), so
every front end renders the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class Cited:
    """What a passage and a quotation share: where they stand, and how that is cited."""

    document: str
    paragraph: int
    page: int | None
    url: str | None

    @property
    def label(self) -> str:
        """Short citation without its number, e.g. ``IBM quits facial recognition, ¶6``.

        A PDF's paragraph is found by its page: ``Report, p. 2 ¶3``.
        """
        if self.page is not None:
            return f"{self.document}, p. {self.page} ¶{self.paragraph}"
        return f"{self.document}, ¶{self.paragraph}"

    def citation(self, rank: int) -> str:
        """Citation as shown to users, e.g. ``[1] IBM quits facial recognition, ¶6``."""
        return f"[{rank}] {self.label}"


@dataclass(frozen=True)
class Hit(Cited):
    """One passage returned for a question.

    Attributes:
        text: The passage, verbatim from the source.
        source: Path of the source relative to the project, e.g. ``seeds/article.txt``.
        document: The document's title, or a readable form of its file name.
        paragraph: Number of the paragraph in the source, counting non-empty paragraphs from 1.
        score: Relevance, higher is better; comparable within one answer only.
        sentence: The sentence of ``text`` that best answers, verbatim.
        sentence_start: Offset of ``sentence`` inside ``text``.
        page: The PDF page the passage is on (``paragraph`` then counts that page's paragraphs), else None.
        url: A link to where the document was published (on an HTML page, with a text fragment
            that lands on the paragraph), or None when the document does not say.
        ref: Where it stands in the index that returned it: ``(chunk, sentence)`` numbers, so the
            same passage can be shown again later (``Retriever.hits_at``) while that index is current.
    """

    text: str
    source: str
    document: str
    paragraph: int
    score: float
    sentence: str
    sentence_start: int
    page: int | None = None
    url: str | None = None
    ref: tuple[int, int] | None = None


@dataclass(frozen=True)
class Answer:
    """The answer to one question.

    Attributes:
        question: The question as asked (after cleaning control characters).
        abstained: True when nothing in the sources answers; ``hits`` then holds
            the nearest misses, which a front end must not present as an answer.
        hits: Passages, best first.
        notes: Things the asker should know, e.g. that a long question was shortened.
        confidence: ``"high"`` when the bold sentence answers the question; ``"low"`` when the
            passages are only the nearest the sources have (the question is on their subject,
            but they don't answer it). Abstentions are ``"low"`` too.
        index_version: The version of the index that answered (:attr:`IndexInfo.version`).
    """

    question: str
    abstained: bool
    hits: tuple[Hit, ...]
    notes: tuple[str, ...] = ()
    confidence: str = "high"
    index_version: str = ""


@dataclass(frozen=True)
class Quote(Cited):
    """A verbatim quotation and who said it.

    Attributes:
        text: The words inside the quotation marks, verbatim.
        speaker: Who said or wrote it as the source attributes it, or None.
        source: Path of the source, as in :class:`Hit`.
        document: Title or readable file name.
        paragraph: Paragraph number, as in :class:`Hit`.
        score: Relevance to the topic, higher is better.
        page: The PDF page, as in :class:`Hit`.
        url: A link to where the document was published, as in :class:`Hit`.
    """

    text: str
    speaker: str | None
    source: str
    document: str
    paragraph: int
    score: float
    page: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class QuoteAnswer:
    """Quotations found for a topic, best first."""

    topic: str
    quotes: tuple[Quote, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexInfo:
    """What an index holds, for ``/sources`` and ``python -m bot index``."""

    documents: tuple[str, ...]
    paragraphs: int
    chunks: int
    quotes: int
    model: str
    dimension: int
    built_at: datetime
    sources: tuple[str, ...] = field(default=())
    version: str = ""  # the manifest's content hash, short: which build an answer came from
    skipped: tuple[str, ...] = field(default=())  # sources left out, each "path: reason"
    duplicates: int = 0  # passages repeating another word for word (answers show each once)

"""What citebot answers, decided once for every front end.

:func:`reply_for_answer` and :func:`reply_for_quotes` turn the library's records into
a :class:`Reply` or a :class:`QuoteReply`; a :class:`Notice` is said to the asker
alone instead (rate limited, empty question, failure). Discord, Slack and the
terminal only render these.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import wording
from index.types import Answer, Hit, QuoteAnswer

MAX_SOURCES = 3  # passages an answer cites by default (TOP_K)
MORE_PASSAGES = 3  # passages "More sources" shows after them


@dataclass(frozen=True)
class Span:
    """Part of the passage, bold when ``strong`` (the sentence that answers)."""

    text: str
    strong: bool = False


@dataclass(frozen=True)
class Source:
    """A citation, and where the document was published when it says (a link to the paragraph)."""

    citation: str
    url: str | None = None


@dataclass(frozen=True)
class Passage:
    """A passage shown on its own (the "more sources" list): its spans and its citation."""

    spans: tuple[Span, ...]
    source: Source


@dataclass(frozen=True)
class Reply:
    """A front-end-neutral answer to a question.

    Attributes:
        lead: One line shown before anything else (the abstention sentence, or the
            low-confidence warning); may be empty.
        passage: The passage cut into spans, the answering sentence ``strong`` (none is, at low
            confidence); empty when abstaining.
        sources: The citations of the passages shown, best first.
        notes: Remarks for the asker, e.g. that a long question was shortened.
        abstained: True when the sources do not answer.
        confidence: ``"high"``, or ``"low"`` when the passages are only the nearest there are.
        answer: The library's answer it was made from (passages, scores), for JSON and buttons.
        answer_id: The question log's id for this answer, which its buttons carry; None when
            nothing is logged (the terminal, or the database is unavailable).
        more: Whether there are further passages to show ("More sources").
        shared_by: Who shared a private answer in the channel (a mention the front end renders).
    """

    lead: str
    passage: tuple[Span, ...]
    sources: tuple[Source, ...]
    notes: tuple[str, ...] = ()
    abstained: bool = False
    confidence: str = "high"
    answer: Answer | None = None
    answer_id: str | None = None
    more: bool = False
    shared_by: str | None = None


@dataclass(frozen=True)
class MoreReply:
    """The next passages of an answer, each with its bold sentence and citation."""

    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class QuoteLine:
    text: str
    speaker: str | None
    citation: str


@dataclass(frozen=True)
class QuoteReply:
    """A front-end-neutral answer to a quotation search: a lead line (when nothing was found) and the quotations."""

    lead: str
    quotes: tuple[QuoteLine, ...]
    notes: tuple[str, ...] = ()
    found: QuoteAnswer | None = None


class NoticeKind(enum.Enum):
    """Why the asker gets a notice instead of an answer (the value is the logged outcome)."""

    EMPTY = "empty"
    RATE_LIMITED = "rate_limited"
    CANNOT_ANSWER = "cannot_answer"  # a known failure whose sentence names the fix
    FAILED = "failed"  # a bug: logged with its traceback, apologised for
    GONE = "gone"  # a button on an answer the log no longer holds
    OUTDATED = "outdated"  # a button on an answer from an older index
    DONE = "done"  # a button did what it says (a vote counted): a short confirmation


@dataclass(frozen=True)
class Notice:
    """A short message for the asker alone (ephemeral where the platform allows).

    Attributes:
        kind: Why.
        text: What to say (from :mod:`bot.core.wording`).
        retry_after: For ``RATE_LIMITED``, seconds until the asker may ask again.
        repeated: For ``RATE_LIMITED``, whether the asker was already told in this window
            (a front end then stays quiet, or reacts instead of posting).
    """

    kind: NoticeKind
    text: str
    retry_after: float = 0.0
    repeated: bool = False


def spans_of(hit: Hit, *, bold: bool = True) -> tuple[Span, ...]:
    """A passage cut around its answering sentence, which is ``strong`` when ``bold``."""
    start, end = hit.sentence_start, hit.sentence_start + len(hit.sentence)
    spans = (Span(hit.text[:start]), Span(hit.text[start:end], strong=bold), Span(hit.text[end:]))
    return tuple(span for span in spans if span.text.strip())


def source_of(hit: Hit, rank: int) -> Source:
    return Source(hit.citation(rank), hit.url)


def reply_for_answer(answer: Answer, shown: int = MAX_SOURCES) -> Reply:
    """The reply to a question: the best passage with its answering sentence, then its sources.

    At low confidence the passages are shown as the closest there are, with no sentence in bold.

    Args:
        answer: The library's answer.
        shown: How many citations to show; the passages after them are the "more sources".
    """
    if answer.abstained or not answer.hits:
        return Reply(wording.ABSTENTION, (), (), answer.notes, abstained=True, confidence="low", answer=answer)
    low = answer.confidence == "low"
    return Reply(
        lead=wording.LOW_CONFIDENCE if low else "",
        passage=spans_of(answer.hits[0], bold=not low),
        sources=tuple(source_of(hit, rank) for rank, hit in enumerate(answer.hits[:shown], start=1)),
        notes=answer.notes,
        confidence=answer.confidence,
        answer=answer,
        more=len(answer.hits) > shown,
    )


def more_passages(hits: Sequence[Hit], first_rank: int) -> MoreReply:
    """Further passages of an answer, numbered on from ``first_rank``."""
    return MoreReply(tuple(Passage(spans_of(h), source_of(h, r)) for r, h in enumerate(hits, start=first_rank)))


def reply_for_quotes(found: QuoteAnswer) -> QuoteReply:
    """The lead line and the quotations to show for a topic."""
    if not found.quotes:
        return QuoteReply(wording.no_quotation(found.topic), (), found.notes, found)
    lines = tuple(QuoteLine(q.text, q.speaker, q.citation(rank)) for rank, q in enumerate(found.quotes, start=1))
    return QuoteReply("", lines, found.notes, found)

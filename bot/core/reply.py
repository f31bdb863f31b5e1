"""What citebot answers, decided once for every front end.

:func:`reply_for_answer` and :func:`reply_for_quotes` turn the library's records into
a :class:`Reply` or a :class:`QuoteReply`; a :class:`Notice` is said to the asker
alone instead (rate limited, empty question, failure). Discord, Slack and the
terminal only render these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.core import wording
from index.types import Answer, QuoteAnswer

MAX_SOURCES = 3


@dataclass(frozen=True)
class Span:
    """Part of the passage, bold when ``strong`` (the sentence that answers)."""

    text: str
    strong: bool = False


@dataclass(frozen=True)
class Reply:
    """A front-end-neutral answer to a question.

    Attributes:
        lead: One line shown before anything else, e.g. the abstention sentence; may be empty.
        passage: The passage cut into spans, the answering sentence ``strong``; empty when abstaining.
        sources: Short citations, e.g. ``[1] IBM quits facial recognition, ¶6``.
        notes: Remarks for the asker, e.g. that a long question was shortened.
        abstained: True when the sources do not answer.
        answer: The library's answer it was made from (passages, scores), for JSON and buttons.
    """

    lead: str
    passage: tuple[Span, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    abstained: bool = False
    answer: Answer | None = None


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
    """Why the asker gets a notice instead of an answer."""

    EMPTY = "empty"
    RATE_LIMITED = "rate_limited"
    CANNOT_ANSWER = "cannot_answer"  # a known failure whose sentence names the fix
    FAILED = "failed"  # a bug: logged with its traceback, apologised for


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


def reply_for_answer(answer: Answer, max_sources: int = MAX_SOURCES) -> Reply:
    """The reply to a question: the best passage with its answering sentence, then its sources."""
    if answer.abstained or not answer.hits:
        return Reply(lead=wording.ABSTENTION, passage=(), sources=(), notes=answer.notes, abstained=True, answer=answer)
    best = answer.hits[0]
    start, end = best.sentence_start, best.sentence_start + len(best.sentence)
    spans = tuple(
        span
        for span in (Span(best.text[:start]), Span(best.text[start:end], strong=True), Span(best.text[end:]))
        if span.text.strip()
    )
    sources = tuple(hit.citation(rank) for rank, hit in enumerate(answer.hits[:max_sources], start=1))
    return Reply(lead="", passage=spans, sources=sources, notes=answer.notes, answer=answer)


def reply_for_quotes(found: QuoteAnswer) -> QuoteReply:
    """The lead line and the quotations to show for a topic."""
    if not found.quotes:
        return QuoteReply(wording.no_quotation(found.topic), (), found.notes, found)
    lines = tuple(QuoteLine(q.text, q.speaker, q.citation(rank)) for rank, q in enumerate(found.quotes, start=1))
    return QuoteReply("", lines, found.notes, found)

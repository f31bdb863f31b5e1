"""What an answer says, decided once for every front end.

:func:`reply_for_answer` and :func:`reply_for_quotes` turn the library's records
into a :class:`Reply`; Discord, Slack and the terminal only render it
(``format_reply_text`` here, the others beside their clients).
"""

from __future__ import annotations

from dataclasses import dataclass

from index.types import Answer, QuoteAnswer

MAX_SOURCES = 3


@dataclass(frozen=True)
class Span:
    """Part of the passage, bold when ``strong`` (the sentence that answers)."""

    text: str
    strong: bool = False


@dataclass(frozen=True)
class Reply:
    """A front-end-neutral reply.

    Attributes:
        lead: One line shown before anything else, e.g. the abstention sentence; may be empty.
        passage: The passage cut into spans, the answering sentence ``strong``; empty when abstaining.
        sources: Short citations, e.g. ``[1] IBM quits facial recognition, ¶6``.
        notes: Remarks for the asker, e.g. that a long question was shortened.
        abstained: True when the sources do not answer.
    """

    lead: str
    passage: tuple[Span, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    abstained: bool = False


# What every front end says when the sources don't answer, instead of quoting a near miss.
ABSTENTION = "The article doesn't say anything that answers that."


def reply_for_answer(answer: Answer, max_sources: int = MAX_SOURCES) -> Reply:
    """The reply to a question: the best passage with its answering sentence, then its sources."""
    if answer.abstained or not answer.hits:
        return Reply(lead=ABSTENTION, passage=(), sources=(), notes=answer.notes, abstained=True)
    best = answer.hits[0]
    start, end = best.sentence_start, best.sentence_start + len(best.sentence)
    spans = tuple(
        span
        for span in (Span(best.text[:start]), Span(best.text[start:end], strong=True), Span(best.text[end:]))
        if span.text.strip()
    )
    sources = tuple(hit.citation(rank) for rank, hit in enumerate(answer.hits[:max_sources], start=1))
    return Reply(lead="", passage=spans, sources=sources, notes=answer.notes)


@dataclass(frozen=True)
class QuoteLine:
    text: str
    speaker: str | None
    citation: str


def reply_for_quotes(found: QuoteAnswer) -> tuple[str, tuple[QuoteLine, ...]]:
    """The lead line and the quotations to show for a topic."""
    if not found.quotes:
        return f"No quotation in the sources is about “{found.topic}”.", ()
    lines = tuple(QuoteLine(q.text, q.speaker, q.citation(rank)) for rank, q in enumerate(found.quotes, start=1))
    return "", lines


def format_reply_text(reply: Reply) -> str:
    """Plain text for the terminal: the sentence that answers between ** marks."""
    parts = [reply.lead] if reply.lead else []
    if reply.passage:
        parts.append("".join(f"**{s.text.strip()}**" if s.strong else s.text for s in reply.passage).strip())
    if reply.sources:
        parts.append("\n".join(reply.sources))
    parts.extend(f"({note})" for note in reply.notes)
    return "\n\n".join(parts)

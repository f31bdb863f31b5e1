"""How answers look in the terminal and in ``--json``: pure functions, tested without a process.

``--json`` follows docs/CONTRACT.md exactly (the objects below); the text form is
what ``ask`` and ``chat`` print alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.reply import Notice, QuoteReply, Reply

if TYPE_CHECKING:
    from index.types import Answer, IndexInfo, QuoteAnswer


def _where(page: int | None, url: str | None) -> dict[str, Any]:
    # A PDF passage's page and a published document's link; absent for the others, as before.
    return {k: v for k, v in (("page", page), ("url", url)) if v is not None}


def answer_json(answer: Answer) -> dict[str, Any]:
    """The contract's JSON object for one answer."""
    out: dict[str, Any] = {
        "question": answer.question,
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "passages": [
            {
                "text": hit.text,
                "source": hit.source,
                "paragraph": hit.paragraph,
                "citation": hit.citation(rank),
                "score": round(hit.score, 4),
                "document": hit.document,
                "sentence": hit.sentence,
                **_where(hit.page, hit.url),
            }
            for rank, hit in enumerate(answer.hits, start=1)
        ],
    }
    if answer.notes:
        out["notes"] = list(answer.notes)
    return out


def quotes_json(found: QuoteAnswer) -> dict[str, Any]:
    """The contract's JSON object for one topic."""
    out: dict[str, Any] = {
        "topic": found.topic,
        "quotes": [
            {
                "text": q.text,
                "speaker": q.speaker,
                "source": q.source,
                "paragraph": q.paragraph,
                "citation": q.citation(rank),
                "score": round(q.score, 4),
                "document": q.document,
                **_where(q.page, q.url),
            }
            for rank, q in enumerate(found.quotes, start=1)
        ],
    }
    if found.notes:
        out["notes"] = list(found.notes)
    return out


def error_json(key: str, text: str, message: str) -> dict[str, Any]:
    """The contract's JSON object for a line that got no answer: ``{"question": ..., "error": ...}``."""
    return {key: text.strip(), "error": message}


def result_json(key: str, text: str, result: Reply | QuoteReply | Notice) -> dict[str, Any]:
    """The JSON line for whatever the pipeline gave for one input line."""
    if isinstance(result, Notice):
        return error_json(key, text, result.text)
    if isinstance(result, QuoteReply):
        assert result.found is not None  # a reply the pipeline made always carries its source
        return quotes_json(result.found)
    assert result.answer is not None
    return answer_json(result.answer)


def format_reply_text(reply: Reply) -> str:
    """An answer as text: the sentence that answers between ** marks, then the sources."""
    parts = [reply.lead] if reply.lead else []
    if reply.passage:
        parts.append("".join(f"**{s.text.strip()}**" if s.strong else s.text for s in reply.passage).strip())
    if reply.sources:
        parts.append("\n".join(f"{s.citation} {s.url}" if s.url else s.citation for s in reply.sources))
    parts.extend(f"({note})" for note in reply.notes)
    return "\n\n".join(parts)


def format_quotes_text(reply: QuoteReply) -> str:
    """Quotations as text: each verbatim with its speaker and citation, then the notes (as under an answer)."""
    body = [f"“{q.text}” — {q.speaker or 'unattributed'}\n    {q.citation}" for q in reply.quotes]
    return "\n\n".join([*([reply.lead] if reply.lead else []), *body, *(f"({note})" for note in reply.notes)])


def format_text(result: Reply | QuoteReply | Notice) -> str:
    """Whatever the pipeline gave, as the terminal prints it."""
    if isinstance(result, Notice):
        return result.text
    if isinstance(result, QuoteReply):
        return format_quotes_text(result)
    return format_reply_text(result)


def format_sources(info: IndexInfo) -> str:
    """One line a document: its path and its title."""
    return "\n".join(f"  {src}: {title}" for title, src in zip(info.documents, info.sources, strict=False))


def format_indexed(info: IndexInfo, index_dir: object) -> str:
    """What ``python -m bot index`` prints after building or checking the index: what it holds,
    what was left out and why, and passages that repeat others word for word."""
    lines = [
        f"Indexed {len(info.documents)} document(s), {info.paragraphs} paragraphs, {info.chunks} chunks, "
        f"{info.quotes} quotations with {info.model} ({info.dimension}-d) in {index_dir}"
    ]
    if info.documents:
        lines.append(format_sources(info))
    lines.extend(f"  skipped {reason}" for reason in info.skipped)
    if info.duplicates:
        lines.append(
            f"{info.duplicates} passage(s) repeat others word for word (duplicate documents?): answers show each once"
        )
    return "\n".join(lines)

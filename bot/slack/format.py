"""Block Kit rendering of the neutral replies (``bot.core.reply``), with no Slack client.

:mod:`bot.core.reply` decides what an answer says; this module only draws it: the
passage as a ``section`` with the answering sentence in bold, the citations in a
``context`` block (a link where the document says where it was published), the
buttons under an answer (:mod:`bot.slack.buttons`), and a plain ``text`` fallback for
notifications. Everything shown is escaped (:mod:`bot.slack.text`), so text from the
asker or the sources can never become a mention, a link or a ``<!channel>`` ping;
the asker's own words (the "Asked:" echo, who shared an answer) are plain text, so
``*bold*`` or a code fence in them shows as typed. Every message keeps within Slack's
limits (3,000 characters a section, 2,000 a context element, 10 elements a context block,
50 blocks a message), cut with an ellipsis, never inside a link or an escape.

Example::

    text, blocks = format_answer_slack(reply_for_answer(answer))
    await client.chat_postMessage(channel=channel, thread_ts=ts, text=text, blocks=blocks)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core import wording
from bot.core.reply import MoreReply, QuoteReply, Reply, Source, Span
from bot.slack.buttons import answer_buttons
from bot.slack.text import (
    ELLIPSIS,
    MAX_CONTEXT_CHARS,
    MAX_TEXT_CHARS,
    clean_slack_text,
    cut_mrkdwn,
    cut_raw,
    escape_mrkdwn,
    fit_mrkdwn,
    link_target,
    strip_bidi,
)

__all__ = [
    "MAX_BLOCKS",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_FALLBACK_CHARS",
    "MAX_TEXT_CHARS",
    "clean_slack_text",
    "escape_mrkdwn",
    "fit_mrkdwn",
    "format_answer_slack",
    "format_more_slack",
    "format_notice_slack",
    "format_quotes_slack",
    "format_source_slack",
]

MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCKS = 50
MAX_FALLBACK_CHARS = 3000  # the top-level `text`; Slack advises at most 4,000
MAX_ECHO_CHARS = 1000  # the asker's words shown back

Block = dict[str, Any]


def _bold(text: str) -> str:
    """Escaped ``text`` in bold, line by line (Slack's ``*`` does not span lines), spaces kept outside."""
    out = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            out.append(line)
            continue
        head = line[: len(line) - len(line.lstrip())]
        tail = line[len(line.rstrip()) :]
        out.append(f"{head}*{escape_mrkdwn(core)}*{tail}")
    return "\n".join(out)


def _render_span(span: Span) -> str:
    return _bold(span.text) if span.strong else escape_mrkdwn(span.text)


def _passage_mrkdwn(spans: Sequence[Span], limit: int = MAX_TEXT_CHARS) -> str:
    """The passage with its strong spans in bold, cut with an ellipsis to ``limit`` characters."""
    rendered = [_render_span(span) for span in spans]
    if len("".join(rendered).strip()) <= limit:
        return "".join(rendered).strip()
    out = ""
    for span, shown in zip(spans, rendered, strict=True):
        if len(out + shown) + len(ELLIPSIS) <= limit:
            out += shown
            continue
        budget = limit - len(out)
        if span.strong:
            kept = cut_raw(span.text, budget - 2, escape_mrkdwn)  # 2: the closing bold markers
            out += f"*{escape_mrkdwn(kept.strip())}{ELLIPSIS}*" if kept.strip() else ELLIPSIS
        else:
            kept = cut_raw(span.text, budget, escape_mrkdwn)
            out += escape_mrkdwn(kept) + ELLIPSIS
        break
    return out.strip()[:limit]


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn or " ", "verbatim": True}}


def _folded(lines: list[str], separator: str) -> list[str]:
    """At most a context block's 10 elements: the lines past the ninth joined into the last by ``separator``."""
    if len(lines) <= MAX_CONTEXT_ELEMENTS:
        return lines
    return [*lines[: MAX_CONTEXT_ELEMENTS - 1], separator.join(lines[MAX_CONTEXT_ELEMENTS - 1 :])]


def _context(lines: Sequence[str]) -> Block:
    """A context block of already-escaped mrkdwn lines, at most 10 elements (the rest joined into the last),
    each within :data:`MAX_CONTEXT_CHARS`: a longer one (citations joined past the tenth) is cut between whole
    links and escapes. Lines cut where they are drawn (the notes) come here within the limit, and stay whole."""
    lines = _folded([line for line in lines if line] or [" "], "\n")
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": cut_mrkdwn(line, MAX_CONTEXT_CHARS), "verbatim": True} for line in lines
        ],
    }


def _limit_blocks(blocks: list[Block], room: int = MAX_BLOCKS) -> list[Block]:
    """At most ``room`` blocks; when there are more, the last one says how many were left out."""
    if len(blocks) <= room:
        return blocks
    left_out = len(blocks) - (room - 1)
    return [*blocks[: room - 1], _context([f"{ELLIPSIS} ({left_out} more not shown)"])]


def _fallback(parts: Sequence[str]) -> str:
    """The plain ``text`` fallback: the parts, escaped, within Slack's advised length."""
    return fit_mrkdwn("\n\n".join(part for part in parts if part), MAX_FALLBACK_CHARS) or " "


def _plain_line(text: str) -> Block:
    """A context block showing the asker's own words as typed: plain text, so no ``*bold*``,
    no code, no link; escaped and without bidirectional controls all the same."""
    shown = fit_mrkdwn(strip_bidi(" ".join(text.split())), MAX_ECHO_CHARS)
    return {"type": "context", "elements": [{"type": "plain_text", "text": shown or " ", "emoji": False}]}


def _asked(question: str | None) -> list[Block]:
    return [_plain_line(f"Asked: {question}")] if question else []


def _sources_context(sources: Sequence[Source]) -> Block:
    """The citations, one an element; past the tenth, joined into the last, as labels alone when their
    links do not all fit there (a cut would lose citations, and no cut may split a link)."""
    lines = [format_source_slack(source) for source in sources[: MAX_CONTEXT_ELEMENTS - 1]]
    rest = sources[MAX_CONTEXT_ELEMENTS - 1 :]
    joined = "\n".join(format_source_slack(source) for source in rest)
    if len(joined) > MAX_CONTEXT_CHARS:
        joined = "\n".join(fit_mrkdwn(source.citation, 1000) for source in rest)
    return _context([*lines, joined])


def _notes_context(notes: Sequence[str]) -> Block:
    """The notes under an answer or quotations (a question shortened, the sources changed), in italics.

    Each element is cut once, here, to a context element's limit with its italics kept closed (a second
    cut after the closing ``_`` would drop it); notes past the tenth share the last element as one line."""
    lines = _folded([f"({note})" for note in notes], " ")
    return _context([fit_mrkdwn(line, MAX_CONTEXT_CHARS, wrap="_") for line in lines])


def format_source_slack(source: Source) -> str:
    """A citation, as ``<url|label>`` when the document says where it was published (and the link fits
    in a context element: a longer one, which no cut may split, is its label alone)."""
    label = fit_mrkdwn(source.citation, 1000)
    if not source.url:
        return label
    link = f"<{link_target(source.url)}|{label}>"
    return link if len(link) <= MAX_CONTEXT_CHARS else label


def format_answer_slack(reply: Reply, *, question: str | None = None, share: bool = False) -> tuple[str, list[Block]]:
    """An answer as Slack shows it, with its buttons when it was logged.

    A low-confidence answer leads with the warning and has no sentence in bold (the reply
    says so); a shared one starts with who asked it, by name, in plain text: nobody is pinged.

    Args:
        reply: What to say, from :func:`bot.core.reply.reply_for_answer` (or ``Actions.share``).
        question: The question, echoed above the answer (for slash commands, whose text Slack does
            not show); None shows no echo.
        share: Offer "Share in channel" (a private ``/ask`` answer).

    Returns:
        ``(text, blocks)``: the plain fallback and the Block Kit blocks, ready for ``chat.postMessage``
        or ``respond``.
    """
    blocks = [_plain_line(wording.asked_by(reply.shared_by))] if reply.shared_by else []
    blocks += _asked(question)
    if reply.lead:
        blocks.append(_section(fit_mrkdwn(reply.lead)))
    if reply.passage:
        blocks.append(_section(_passage_mrkdwn(reply.passage)))
    if reply.sources:
        blocks.append(_sources_context(reply.sources))
    if reply.notes:
        blocks.append(_notes_context(reply.notes))
    passage = "".join(span.text for span in reply.passage).strip()
    citations = "\n".join(source.citation for source in reply.sources)
    text = _fallback([reply.lead, passage, citations, *(f"({n})" for n in reply.notes)])
    buttons = answer_buttons(reply, share=share)
    return text, _limit_blocks(blocks, MAX_BLOCKS - len(buttons)) + buttons


def format_more_slack(more: MoreReply) -> tuple[str, list[Block]]:
    """The next passages of an answer ("More sources"): each with its sentence in bold and its citation."""
    blocks: list[Block] = []
    fallback = []
    for passage in more.passages:
        blocks.append(_section(_passage_mrkdwn(passage.spans)))
        blocks.append(_context([format_source_slack(passage.source)]))
        fallback.append(f"{passage.source.citation} {''.join(span.text for span in passage.spans).strip()}")
    return _fallback(fallback), _limit_blocks(blocks)


def format_quotes_slack(reply: QuoteReply, *, topic: str | None = None) -> tuple[str, list[Block]]:
    """Quotations as Slack shows them: each in a section, its speaker and citation below.

    Args:
        reply: What to say, from :func:`bot.core.reply.reply_for_quotes` (a lead line when nothing was found).
        topic: The topic, echoed on top (slash commands); None shows no echo.

    Returns:
        ``(text, blocks)`` as in :func:`format_answer_slack`.
    """
    blocks = _asked(topic)
    if reply.lead:
        blocks.append(_section(fit_mrkdwn(reply.lead)))
    fallback = [reply.lead]
    for q in reply.quotes:
        speaker = q.speaker or "unattributed"
        blocks.append(_section(fit_mrkdwn(f"“{q.text}”")))
        blocks.append(_context([fit_mrkdwn(f"— {speaker}", 1000), fit_mrkdwn(q.citation, 1000)]))
        fallback.append(f"“{q.text}” — {speaker} {q.citation}")
    if reply.notes:
        blocks.append(_notes_context(reply.notes))
        fallback.extend(f"({note})" for note in reply.notes)
    return _fallback(fallback), _limit_blocks(blocks)


def format_notice_slack(message: str) -> tuple[str, list[Block]]:
    """A short notice to the asker (usage, rate limit, an error sentence) as ``(text, blocks)``."""
    shown = fit_mrkdwn(message)
    return _fallback([message]), [_section(shown)]

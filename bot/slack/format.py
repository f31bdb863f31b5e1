"""Block Kit rendering of the neutral replies (``bot.core.reply``), with no Slack client.

:mod:`bot.core.reply` decides what an answer says; this module only draws it: the
passage as a ``section`` with the answering sentence in bold, the citations in a
``context`` block, and a plain ``text`` fallback for notifications. Everything
shown is escaped (``&``, ``<``, ``>``), so text from the asker or the sources can
never become a mention, a link or a ``<!channel>`` ping, and every message keeps
within Slack's limits (3,000 characters a text, 10 elements a context block, 50
blocks a message), cut with an ellipsis.

Example::

    text, blocks = format_answer_slack(reply_for_answer(answer))
    await client.chat_postMessage(channel=channel, thread_ts=ts, text=text, blocks=blocks)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.core.reply import QuoteReply, Reply, Source, Span

__all__ = [
    "MAX_BLOCKS",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_FALLBACK_CHARS",
    "MAX_TEXT_CHARS",
    "clean_slack_text",
    "escape_mrkdwn",
    "fit_mrkdwn",
    "format_answer_slack",
    "format_notice_slack",
    "format_quotes_slack",
    "format_source_slack",
]

MAX_TEXT_CHARS = 3000  # a section's or a context element's text
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCKS = 50
MAX_FALLBACK_CHARS = 3000  # the top-level `text`; Slack advises at most 4,000
ELLIPSIS = "…"

Block = dict[str, Any]

# `@channel`, `@here`, `@everyone` typed as plain words: a word joiner after the `@`
# keeps Slack from ever reading them as a broadcast, whatever the message's parse mode.
_BROADCAST_WORD = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)

# Slack's own markup in incoming text: <@U123>, <@U123|name>, <#C123|name>, <!here>,
# <!subteam^S123|@team>, <https://x|label>, <mailto:a@b>.
_ENTITY = re.compile(r"<([^<>]*)>")


def escape_mrkdwn(text: str) -> str:
    """``text`` made inert for Slack: ``&``, ``<`` and ``>`` escaped, ``@channel``-like words defused.

    Args:
        text: Any text, from the asker or from the sources.

    Returns:
        The text as Slack should show it, literally.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST_WORD.sub("@\u2060", text)


def _entity_to_text(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # a user: <@U123> or <@U123|name>
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback>
        if label:
            return label
        return "@" + target[1:].split("^", 1)[0]
    return label or target  # a link


def clean_slack_text(text: str, *, drop_user: str | None = None) -> str:
    """Plain text from a Slack message: markup unwrapped, HTML entities undone.

    ``<@U123|ann>`` becomes ``@ann``, ``<!channel>`` becomes ``@channel``,
    ``<https://x|label>`` becomes ``label``; ``&lt;`` ``&gt;`` ``&amp;`` become
    ``<`` ``>`` ``&``. The result is what the asker typed, fit for the retriever,
    and is escaped again by :func:`escape_mrkdwn` wherever it is shown.

    Args:
        text: The ``text`` of a Slack event or slash command.
        drop_user: A user id (the bot's own) whose mentions are removed entirely.

    Returns:
        The cleaned text, stripped.
    """
    if drop_user:
        text = re.sub(rf"<@{re.escape(drop_user)}(?:\|[^<>]*)?>", " ", text)
    text = _ENTITY.sub(_entity_to_text, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def _cut_raw(raw: str, budget: int, render: Any) -> str:
    """The longest prefix of ``raw`` whose rendering plus an ellipsis fits ``budget`` characters."""
    lo, hi = 0, len(raw)
    while lo < hi:  # largest n with len(render(raw[:n]) + ELLIPSIS) <= budget
        mid = (lo + hi + 1) // 2
        if len(render(raw[:mid].rstrip()) + ELLIPSIS) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return raw[:lo].rstrip()


def fit_mrkdwn(raw: str, limit: int = MAX_TEXT_CHARS, *, wrap: str = "") -> str:
    """``raw`` escaped and, when longer than ``limit``, cut with an ellipsis.

    The cut falls in the raw text, so an escape such as ``&amp;`` is never split.

    Args:
        raw: Unescaped text.
        limit: Most characters of the result. Defaults to 3,000 (a section's text).
        wrap: Markup put on both sides (``"*"`` bold, ``"_"`` italic); kept when cutting.

    Returns:
        The escaped text, at most ``limit`` characters long.
    """

    def render(part: str) -> str:
        return f"{wrap}{escape_mrkdwn(part)}{wrap}" if part else ""

    shown = render(raw)
    if len(shown) <= limit:
        return shown
    kept = _cut_raw(raw, limit, render)
    return f"{wrap}{escape_mrkdwn(kept)}{ELLIPSIS}{wrap}" if kept else ELLIPSIS


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
            kept = _cut_raw(span.text, budget - 2, escape_mrkdwn)  # 2: the closing bold markers
            out += f"*{escape_mrkdwn(kept.strip())}{ELLIPSIS}*" if kept.strip() else ELLIPSIS
        else:
            kept = _cut_raw(span.text, budget, escape_mrkdwn)
            out += escape_mrkdwn(kept) + ELLIPSIS
        break
    return out.strip()[:limit]


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn or " ", "verbatim": True}}


def _context(lines: Sequence[str]) -> Block:
    """A context block of already-escaped mrkdwn lines, at most 10 elements (the rest joined into the last)."""
    lines = [line for line in lines if line] or [" "]
    if len(lines) > MAX_CONTEXT_ELEMENTS:
        lines = [*lines[: MAX_CONTEXT_ELEMENTS - 1], "\n".join(lines[MAX_CONTEXT_ELEMENTS - 1 :])]
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": line[:MAX_TEXT_CHARS], "verbatim": True} for line in lines],
    }


def _limit_blocks(blocks: list[Block]) -> list[Block]:
    """At most 50 blocks; when there are more, the last one says how many were left out."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    left_out = len(blocks) - (MAX_BLOCKS - 1)
    return [*blocks[: MAX_BLOCKS - 1], _context([f"{ELLIPSIS} ({left_out} more not shown)"])]


def _fallback(parts: Sequence[str]) -> str:
    """The plain ``text`` fallback: the parts, escaped, within Slack's advised length."""
    return fit_mrkdwn("\n\n".join(part for part in parts if part), MAX_FALLBACK_CHARS) or " "


def _asked(question: str | None) -> list[Block]:
    if not question:
        return []
    return [_context([f"Asked: {fit_mrkdwn(question, 1000)}"])]


def format_source_slack(source: Source) -> str:
    """A citation, as ``<url|label>`` when the document says where it was published."""
    label = fit_mrkdwn(source.citation, 1000)
    if not source.url:
        return label
    # Slack ends a link at ``|`` or ``>``: both are percent-encoded in the target.
    target = source.url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")
    return f"<{target}|{label}>"


def format_answer_slack(reply: Reply, *, question: str | None = None) -> tuple[str, list[Block]]:
    """An answer as Slack shows it.

    Args:
        reply: What to say, from :func:`bot.core.reply.reply_for_answer`.
        question: The question, echoed above the answer (for slash commands, whose text Slack does
            not show); None shows no echo.

    Returns:
        ``(text, blocks)``: the plain fallback and the Block Kit blocks, ready for ``chat.postMessage``
        or ``respond``.
    """
    blocks = _asked(question)
    if reply.lead:
        blocks.append(_section(fit_mrkdwn(reply.lead)))
    if reply.passage:
        blocks.append(_section(_passage_mrkdwn(reply.passage)))
    if reply.sources:
        blocks.append(_context([format_source_slack(source) for source in reply.sources]))
    if reply.notes:
        blocks.append(_context([fit_mrkdwn(f"({note})", MAX_TEXT_CHARS, wrap="_") for note in reply.notes]))
    passage = "".join(span.text for span in reply.passage).strip()
    citations = "\n".join(source.citation for source in reply.sources)
    text = _fallback([reply.lead, passage, citations, *(f"({n})" for n in reply.notes)])
    return text, _limit_blocks(blocks)


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
    return _fallback(fallback), _limit_blocks(blocks)


def format_notice_slack(message: str) -> tuple[str, list[Block]]:
    """A short notice to the asker (usage, rate limit, an error sentence) as ``(text, blocks)``."""
    shown = fit_mrkdwn(message)
    return _fallback([message]), [_section(shown)]

"""How a reply looks on Discord: pure ``format_*`` functions, tested without a client.

:mod:`bot.core.reply` decides what an answer says, :mod:`bot.core.wording` words every notice; this module only renders it within
Discord's limits (2,000 characters of message content, the embed limits), escaping
every piece of text that came from a user or a source so it shows as typed and
never pings anyone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import discord
from discord import app_commands

from bot.core import wording
from bot.core.reply import Notice, QuoteReply, Reply
from index.errors import CitebotError, EmptyQuestionError
from index.types import IndexInfo

__all__ = [
    "ELLIPSIS",
    "MAX_CONTENT",
    "describe_error",
    "escape_user_text",
    "format_age",
    "format_answer_discord",
    "format_help_discord",
    "format_notice_discord",
    "format_quotes_discord",
    "format_sources_discord",
    "split_message",
    "truncate",
]

MAX_CONTENT = 2000  # characters of message content
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELD_VALUE = 1024
MAX_EMBED_TOTAL = 6000
ELLIPSIS = "…"

_LINE_START = re.compile(r"^(\s*)(#{1,3} |-# |[-*+] |\d+[.)] )", re.MULTILINE)


def escape_user_text(text: str) -> str:
    """Text as typed: no markdown, no mentions (``@everyone`` gets a zero-width space).

    Args:
        text: Text from a user or a source document.

    Returns:
        The text with markdown characters, headings, list markers and mentions escaped.
    """
    escaped = discord.utils.escape_markdown(discord.utils.escape_mentions(text))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word when one is near, ending in an ellipsis.

    Never leaves a dangling escape backslash. Returns ``text`` unchanged when it fits.
    """
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= len(cut) - 40 and space > 0:
        cut = cut[:space]
    cut = cut.rstrip()
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS


def split_message(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at paragraphs, then lines, then words.

    Returns:
        At least one piece; a single word longer than ``limit`` is cut hard.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = rest.rfind(sep, 0, limit + 1)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _prefix(text: str, keep: int) -> str:
    """The first ``keep`` characters of ``text``, backed off to a word boundary when one is near."""
    if keep >= len(text):
        return text
    cut = text[:keep]
    space = cut.rfind(" ")
    if space > 0 and space >= keep - 40:
        cut = cut[:space]
    return cut.rstrip()


def _render_passage(
    before: str, strong: str, after: str, *, cut_before: bool, keep_strong: int, keep_after: int
) -> str:
    """The passage as a block quote: ``before``, ``strong`` in bold, then ``after``, cut as asked.

    Args:
        cut_before: Drop ``before`` and start with an ellipsis.
        keep_strong: Characters of ``strong`` to keep; fewer than all ends the passage there.
        keep_after: Characters of ``after`` to keep.
    """
    out = ELLIPSIS if cut_before and before.strip() else escape_user_text(before)
    if strong.strip():
        gap = " " if out and not out[-1:].isspace() and (cut_before or strong[:1].isspace()) else ""
        if keep_strong < len(strong):
            inner = escape_user_text(_prefix(strong.strip(), keep_strong)).rstrip("\\")
            return _quote_block(f"{out}{gap}**{inner}{ELLIPSIS}**")
        out += f"{gap}**{escape_user_text(strong.strip())}**"
        if strong[-1:].isspace() and after and not after[:1].isspace():
            out += " "
    if keep_after >= len(after):
        out += escape_user_text(after)
    elif keep_after > 0 and _prefix(after, keep_after).strip():
        out += escape_user_text(_prefix(after, keep_after)).rstrip("\\") + ELLIPSIS
    elif after.strip():
        out = out.rstrip() + (" " if strong.strip() else "") + ELLIPSIS
    return _quote_block(out)


def _quote_block(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def _largest(fits: Callable[[int], bool], hi: int) -> int:
    """The largest n in [0, hi] with fits(n), assuming fits is monotone and fits(0); binary search."""
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fit_passage(reply: Reply, budget: int) -> str:
    """The passage in at most ``budget`` characters, keeping the answering sentence whole when it can.

    Cuts, in order: the text after the sentence, then the text before it, then the sentence itself.
    """
    strong_at = next((i for i, span in enumerate(reply.passage) if span.strong), len(reply.passage))
    before = "".join(span.text for span in reply.passage[:strong_at])
    strong = reply.passage[strong_at].text if strong_at < len(reply.passage) else ""
    after = "".join(span.text for span in reply.passage[strong_at + 1 :])

    def render(cut_before: bool, keep_strong: int, keep_after: int) -> str:
        return _render_passage(
            before, strong, after, cut_before=cut_before, keep_strong=keep_strong, keep_after=keep_after
        )

    full = render(False, len(strong), len(after))
    if len(full) <= budget:
        return full
    for cut_before in (False, True):
        if len(render(cut_before, len(strong), 0)) <= budget:
            keep = _largest(lambda n, cb=cut_before: len(render(cb, len(strong), n)) <= budget, len(after))
            return render(cut_before, len(strong), keep)
    if len(render(True, 0, 0)) > budget:
        return ""
    keep = _largest(lambda n: len(render(True, n, 0)) <= budget, len(strong))
    return render(True, keep, 0)


def format_answer_discord(reply: Reply, *, limit: int = MAX_CONTENT) -> str:
    """The message content for an answer: the passage with its answering sentence in bold, then the sources.

    An abstention is its plain sentence (:data:`bot.core.wording.ABSTENTION`), never a quoted miss.
    Sources and notes are always kept; the passage is cut at a word with an ellipsis to fit,
    keeping the answering sentence whole when it can.

    Args:
        reply: The neutral reply (:func:`bot.core.reply.reply_for_answer`).
        limit: Most characters of content. Defaults to Discord's 2,000.

    Returns:
        Markdown of at most ``limit`` characters.
    """
    head = [escape_user_text(reply.lead)] if reply.lead else []
    tail: list[str] = []
    if reply.sources:
        tail.append("\n".join(escape_user_text(source) for source in reply.sources))
    tail.extend(f"-# {escape_user_text(note)}" for note in reply.notes)
    passage = ""
    if reply.passage:
        budget = limit - len("\n\n".join([*head, "x", *tail])) + 1  # characters the passage may use
        passage = _fit_passage(reply, budget)
    return truncate("\n\n".join(part for part in [*head, passage, *tail] if part), limit)


def format_quotes_discord(reply: QuoteReply, *, limit: int = MAX_CONTENT) -> list[str]:
    """Messages for ``/quote``: each quotation verbatim with its speaker and citation.

    Returns:
        One or more message contents of at most ``limit`` characters, split between quotations.
    """
    if not reply.quotes:
        return [truncate(escape_user_text(reply.lead), limit)]
    entries: list[str] = [escape_user_text(reply.lead)] if reply.lead else []
    for line in reply.quotes:
        speaker = escape_user_text(line.speaker) if line.speaker else "*unattributed*"
        footer = f"— {speaker} · {escape_user_text(line.citation)}"
        quote = truncate(f"> “{escape_user_text(line.text)}”", limit - len(footer) - 1)
        entries.append(f"{quote}\n{footer}")
    entries.extend(f"-# {escape_user_text(note)}" for note in reply.notes)
    return split_message("\n\n".join(entries), limit)


def format_age(built_at: datetime, now: datetime | None = None) -> str:
    """How long ago the index was built, e.g. ``3 hours ago``."""
    now = now or datetime.now(UTC)
    if built_at.tzinfo is None:
        built_at = built_at.replace(tzinfo=UTC)
    seconds = max(0, int((now - built_at).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def format_sources_discord(info: IndexInfo, *, now: datetime | None = None) -> discord.Embed:
    """The ``/sources`` embed: documents, paragraphs, chunks, quotations, model and index age, within embed limits."""
    docs = [
        f"• {escape_user_text(doc)}" + (f" (`{src}`)" if src else "")
        for doc, src in zip(info.documents, [*info.sources, *[""] * len(info.documents)], strict=False)
    ]
    description = ""
    for i, line in enumerate(docs):
        more = f"\n… and {len(docs) - i} more"
        candidate = f"{description}\n{line}" if description else line
        if len(candidate) + len(more) > MAX_EMBED_DESCRIPTION - 100:
            description += more
            break
        description = candidate
    embed = discord.Embed(
        title=f"Sources: {len(info.documents)} document(s)", description=description or "No documents."
    )
    built = info.built_at if info.built_at.tzinfo else info.built_at.replace(tzinfo=UTC)
    embed.add_field(name="Paragraphs", value=str(info.paragraphs))
    embed.add_field(name="Chunks", value=str(info.chunks))
    embed.add_field(name="Quotations", value=str(info.quotes))
    embed.add_field(
        name="Model", value=truncate(f"{info.model} ({info.dimension}-d)", MAX_EMBED_FIELD_VALUE), inline=False
    )
    embed.add_field(
        name="Index built", value=f"{format_age(built, now)} (<t:{int(built.timestamp())}:f>)", inline=False
    )
    return embed


def format_help_discord(mention: str = "@citebot") -> str:
    """The ``/help`` text."""
    return wording.help_text(mention)


def format_notice_discord(notice: Notice) -> str:
    """A notice for the asker, as message content."""
    return truncate(escape_user_text(notice.text), MAX_CONTENT)


_ERRORS: Sequence[tuple[type[BaseException], Callable[[BaseException], str]]] = (
    (EmptyQuestionError, lambda e: wording.EMPTY_QUESTION),
    (CitebotError, lambda e: wording.cannot_answer(str(e))),
    (app_commands.CommandOnCooldown, lambda e: wording.rate_limited(e.retry_after)),  # type: ignore[attr-defined]
    (app_commands.TransformerError, lambda e: wording.INVALID_OPTION),
    (app_commands.NoPrivateMessage, lambda e: wording.SERVER_ONLY),
    (app_commands.MissingPermissions, lambda e: wording.NO_PERMISSION),
    (app_commands.BotMissingPermissions, lambda e: wording.BOT_MISSING_PERMISSION),
    (app_commands.CheckFailure, lambda e: wording.NOT_HERE),
    (app_commands.CommandNotFound, lambda e: wording.UNKNOWN_COMMAND),
    (discord.Forbidden, lambda e: wording.FORBIDDEN),
    (asyncio.TimeoutError, lambda e: wording.TOO_SLOW),
)


def describe_error(error: BaseException) -> str:
    """One short sentence for a user, per error class; a generic apology otherwise (never a traceback).

    ``app_commands.CommandInvokeError`` is unwrapped to its ``original`` first.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    for kind, message in _ERRORS:
        if isinstance(error, kind):
            return truncate(message(error), MAX_CONTENT)
    return wording.APOLOGY

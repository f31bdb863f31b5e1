"""How a reply looks on Discord: pure ``format_*`` functions, tested without a client.

:mod:`bot.core.reply` decides what an answer says and :mod:`bot.core.wording` words every
notice; this module only renders them within Discord's limits (2,000 characters of
message content, the embed limits), escaping every piece of text that came from a user or
a source (:mod:`bot.discord.text`) so it shows as typed and never pings anyone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core import wording
from bot.core.reply import MoreReply, Notice, QuoteReply, Reply, Source
from bot.discord.passage import fit_passage, least_room
from bot.discord.text import MAX_CONTENT, escape_user_text, link_target, split_message, truncate
from index.errors import CitebotError, EmptyQuestionError
from index.types import IndexInfo

if TYPE_CHECKING:
    from bot.core.library import SourceInfo

__all__ = [
    "describe_error",
    "format_age",
    "format_answer_discord",
    "format_help_discord",
    "format_mention_hint_discord",
    "format_more_discord",
    "format_notice_discord",
    "format_quotes_discord",
    "format_source_discord",
    "format_sources_discord",
]

MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELD_VALUE = 1024
MAX_EMBED_TOTAL = 6000
MAX_SHARED_QUESTION = 300  # characters of the question quoted over a shared answer
_MENTION = re.compile(r"<@!?[0-9]{1,20}>")
_BRACKET = re.compile(r"\\.|[\[\]]")  # an escaped character (kept), or a bracket still to escape


def format_answer_discord(reply: Reply, *, limit: int = MAX_CONTENT) -> str:
    """The message content for an answer: the passage with its answering sentence in bold, then the sources.

    An abstention is its plain sentence (:data:`bot.core.wording.ABSTENTION`), never a quoted miss.
    Sources and notes are always kept; the passage is cut at a word with an ellipsis to fit,
    keeping the answering sentence whole when it can. Where the citations' links (very long URLs) would
    leave it no room for that, they are left off, the last first: those citations are plain.

    Args:
        reply: The neutral reply (:func:`bot.core.reply.reply_for_answer`).
        limit: Most characters of content. Defaults to Discord's 2,000.

    Returns:
        Markdown of at most ``limit`` characters.
    """
    head = [escape_user_text(reply.lead)] if reply.lead else []
    if reply.shared_by:
        head.insert(0, _asked_by(reply))
    for linked in range(len(reply.sources), -1, -1):  # links give way, the last first, to the answering sentence
        tail = _tail(reply, linked)
        budget = limit - len("\n\n".join([*head, "x", *tail])) + 1  # characters the passage may use
        if not reply.passage or not linked or budget >= least_room(reply.passage):
            break
    passage = fit_passage(reply.passage, budget) if reply.passage else ""
    return truncate("\n\n".join(part for part in [*head, passage, *tail] if part), limit)


def _tail(reply: Reply, linked: int) -> list[str]:
    """What follows the passage: the citations, the first ``linked`` of them as links (the rest plain), the notes."""
    tail = [f"-# {escape_user_text(note)}" for note in reply.notes]
    if reply.sources:
        shown = [s if i < linked else dataclasses.replace(s, url=None) for i, s in enumerate(reply.sources)]
        tail.insert(0, "\n".join(format_source_discord(source) for source in shown))
    return tail


def _asked_by(reply: Reply) -> str:
    """The line over a shared answer: who asked (a mention, shown but never pinging: allowed_mentions is
    none on the client) and the question, as typed."""
    mention = reply.shared_by or ""
    who = mention if _MENTION.fullmatch(mention) else escape_user_text(mention)
    line = wording.asked_by(who)
    if reply.answer is not None and reply.answer.question.strip():
        question = truncate(" ".join(reply.answer.question.split()), MAX_SHARED_QUESTION)
        line += f": “{escape_user_text(question)}”"
    return line


def format_more_discord(more: MoreReply, *, limit: int = MAX_CONTENT) -> str:
    """The "More sources" message: each further passage with its answering sentence in bold, then its citation.

    Citations are always kept; the passages share what is left of ``limit`` fairly (a short one
    leaves its unused share to the longer ones), each cut as :func:`fit_passage` cuts.

    Args:
        more: The passages after those the answer showed (:meth:`bot.core.actions.Actions.more`).
        limit: Most characters of content. Defaults to Discord's 2,000.
    """
    citations = [format_source_discord(p.source) for p in more.passages]
    room = limit - sum(len(c) + 1 for c in citations) - 2 * max(0, len(citations) - 1)
    needs = [len(fit_passage(p.spans, limit)) for p in more.passages]
    texts = [""] * len(more.passages)
    for done, i in enumerate(sorted(range(len(needs)), key=needs.__getitem__)):
        share = max(0, room) // (len(needs) - done)
        texts[i] = fit_passage(more.passages[i].spans, share)
        room -= len(texts[i])
    blocks = [f"{text}\n{citation}" if text else citation for text, citation in zip(texts, citations, strict=True)]
    return truncate("\n\n".join(blocks), limit)


def format_source_discord(source: Source) -> str:
    """A citation, as a masked link to the paragraph when the document says where it was published."""
    label = escape_user_text(source.citation)
    if not source.url:
        return label
    # Inside the link's text the citation's own brackets are escaped; its target holds no
    # parenthesis or space (link_target), and the angle brackets keep Discord from embedding it.
    label = _BRACKET.sub(lambda m: m[0] if len(m[0]) == 2 else "\\" + m[0], label)
    return f"[{label}](<{link_target(source.url)}>)"


def format_quotes_discord(reply: QuoteReply, *, limit: int = MAX_CONTENT) -> list[str]:
    """Messages for ``/quote``: each quotation verbatim with its speaker and citation.

    Returns:
        One or more message contents of at most ``limit`` characters, split between quotations.
    """
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


def source_lines_discord(listed: Sequence[SourceInfo]) -> list[str]:
    """One line a source for ``/sources``: its title, its link (not unfurled) and when it was added."""
    return [
        f"• {wording.source_line(escape_user_text(i.title), i.url and link_target(i.url), i.added)} (`{i.name}`)"
        for i in listed
    ]


def format_sources_discord(
    info: IndexInfo, *, now: datetime | None = None, listed: Sequence[SourceInfo] | None = None
) -> discord.Embed:
    """The ``/sources`` embed: each source (with its link and date when ``listed``), paragraphs, chunks,
    quotations, model and index age, within embed limits."""
    docs = [
        f"• {escape_user_text(doc)}" + (f" (`{src}`)" if src else "")
        for doc, src in zip(info.documents, [*info.sources, *[""] * len(info.documents)], strict=False)
    ]
    if listed is not None:
        docs = source_lines_discord(listed)
    description = ""
    for i, line in enumerate(docs):
        more = f"\n… and {len(docs) - i} more"
        candidate = f"{description}\n{line}" if description else line
        if len(candidate) + len(more) > MAX_EMBED_DESCRIPTION - 100:
            description += more
            break
        description = candidate
    embed = discord.Embed(title=f"Sources: {len(docs)} document(s)", description=description or "No documents.")
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


def format_mention_hint_discord(mention: str) -> str:
    """The answer to a mention with no question: the bot's own words, not escaped as a user's would be, so
    its mention shows as its name and ``/ask`` as code (``allowed_mentions`` is none: it pings nobody)."""
    return wording.mention_hint(mention)


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

"""Text into and out of Slack: markup unwrapped from what people type, and made inert in what the bot says.

:func:`clean_slack_text` turns a message's mrkdwn into what the person typed;
:func:`escape_mrkdwn` and :func:`fit_mrkdwn` make any text (the asker's, the sources')
safe to show: ``&``, ``<`` and ``>`` escaped, ``@channel``-like words defused, cut with
an ellipsis to Slack's limits; :func:`strip_bidi` drops the characters that reorder
text on screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.mentions import Kind, Mention, question_words

__all__ = [
    "ELLIPSIS",
    "MAX_CONTEXT_CHARS",
    "MAX_TEXT_CHARS",
    "clean_slack_text",
    "cut_mrkdwn",
    "cut_raw",
    "escape_mrkdwn",
    "fit_mrkdwn",
    "link_target",
    "strip_bidi",
]

MAX_TEXT_CHARS = 3000  # a section's text
# A context element's text: Slack documents 3,000 for a text object but 2,000 for a section's fields,
# and the lower is kept (a citation is a title and a link; nothing the bot writes needs more).
MAX_CONTEXT_CHARS = 2000
ELLIPSIS = "…"

# Bidirectional controls (embeddings, overrides, isolates, marks): U+202E in a question
# would show the rest of a line reversed, so whoever reads it is shown other words.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional control characters (U+202E and its kin)."""
    return _BIDI.sub("", text)


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


_BROADCASTS = ("here", "channel", "everyone")


def _reader(drop_user: str | None) -> Callable[[re.Match[str]], Mention | str]:
    def read(match: re.Match[str]) -> Mention | str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):  # a user: <@U123> or <@U123|name>
            return Mention(Kind.ME if drop_user and target[1:] == drop_user else Kind.PERSON, label or None)
        if target.startswith("#"):  # a channel: <#C123|name>
            return Mention(Kind.CHANNEL, label or None)
        if target.startswith("!subteam^"):  # a user group: <!subteam^S123|@team>
            return Mention(Kind.ROLE, label.removeprefix("@") or None)
        if target[1:] in _BROADCASTS:  # <!here>, <!channel>, <!everyone>
            return Mention(Kind.BROADCAST, target[1:])
        if target.startswith("!"):  # <!date^...|fallback>
            return label or "@" + target[1:].split("^", 1)[0]
        return label or target  # a link: its label, else its address

    return read


def clean_slack_text(text: str, *, drop_user: str | None = None) -> str:
    """Plain text from a Slack message: markup unwrapped, HTML entities undone.

    Mentions read as every front end gives them (:func:`bot.core.mentions.question_words`):
    ``<@U123|ann>`` becomes ``@ann`` (``<@U123>``, which names nobody, ``@someone``),
    ``<#C1|general>`` ``#general``, ``<!channel>`` ``@channel``; ``<https://x|label>`` becomes
    ``label``; ``&lt;`` ``&gt;`` ``&amp;`` become ``<`` ``>`` ``&``. The result is what the asker
    typed, fit for the retriever, and is escaped again by :func:`escape_mrkdwn` wherever it is shown.

    Args:
        text: The ``text`` of a Slack event or slash command.
        drop_user: A user id (the bot's own) whose mentions are removed entirely.

    Returns:
        The cleaned text, stripped.
    """
    text = question_words(text, _ENTITY, _reader(drop_user))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def cut_raw(raw: str, budget: int, render: Callable[[str], str]) -> str:
    """The longest prefix of ``raw`` whose rendering plus an ellipsis fits ``budget`` characters."""
    lo, hi = 0, len(raw)
    while lo < hi:  # largest n with len(render(raw[:n]) + ELLIPSIS) <= budget
        mid = (lo + hi + 1) // 2
        if len(render(raw[:mid].rstrip()) + ELLIPSIS) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return raw[:lo].rstrip()


def link_target(url: str) -> str:
    """``url`` as the address of a Slack link (``<url|label>``): Slack ends the address at ``|`` or ``>``,
    so those (and ``<`` and spaces) are percent-encoded."""
    return url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C").replace(" ", "%20")


# What a cut must not split: an escape (``&amp;``, ``&lt;``, ``&gt;``) or Slack's markup in angle brackets (a link).
_UNIT = re.compile(r"&(?:amp|lt|gt);|<[^<>]*>|.", re.DOTALL)


def cut_mrkdwn(text: str, limit: int) -> str:
    """Escaped mrkdwn ``text`` within ``limit`` characters: a longer one is cut, with an ellipsis, between two
    escapes or links, never inside one (``&am…`` would show as typed, a cut link not at all)."""
    if len(text) <= limit:
        return text
    end = 0
    for unit in _UNIT.finditer(text):
        if unit.end() > limit - len(ELLIPSIS):
            break
        end = unit.end()
    return text[:end].rstrip() + ELLIPSIS


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
    kept = cut_raw(raw, limit, render)
    return f"{wrap}{escape_mrkdwn(kept)}{ELLIPSIS}{wrap}" if kept else ELLIPSIS

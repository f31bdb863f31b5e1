"""Text on Discord: escaping what users and sources wrote, and cutting it to Discord's limits.

Everything shown that came from a user or a source passes :func:`escape_user_text`, so it
shows as typed and never pings anyone.
"""

from __future__ import annotations

import re

import discord

MAX_CONTENT = 2000  # characters of message content
ELLIPSIS = "…"

_LINE_START = re.compile(r"^(\s*)(#{1,3} |-# |[-*+] |\d+[.)] )", re.MULTILINE)
# Discord's markup in angle brackets, which escaping markdown leaves live: a timestamp (<t:…>), a command link
# (</ask:…>), a channel (<#…>), an emoji (<:…:…>, <a:…:…>), a server guide link (<id:…>); a mention (<@…>) is
# defused by escape_mentions. A zero-width space after the ``<`` shows it as typed.
_ANGLE_MARKUP = re.compile(r"<(?=[#/:]|a:|t:|id:)")


def escape_user_text(text: str) -> str:
    """Text as typed: no markdown, no mentions (``@everyone`` gets a zero-width space), no ``<…>`` markup.

    Args:
        text: Text from a user or a source document.

    Returns:
        The text with markdown characters, headings, list markers and mentions escaped, and channel links,
        emoji, timestamps and command links shown as typed.
    """
    escaped = discord.utils.escape_markdown(discord.utils.escape_mentions(text))
    escaped = _ANGLE_MARKUP.sub("<\u200b", escaped)
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


_UNSAFE_IN_LINK = {"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", " ": "%20", "\\": "%5C"}


def link_target(url: str) -> str:
    """``url`` safe inside a markdown link: parentheses, angle brackets and spaces percent-encoded.

    A text fragment (``#:~:text=``) is decoded before it is matched, so the page still lands
    on the same words.
    """
    return "".join(_UNSAFE_IN_LINK.get(ch, ch) for ch in url)

"""A question's words as they reach the retriever and the question log: the same from every front end.

A chat message carries its platform's markup for mentions (Discord's ``<@123…>``, ``<@&123…>``,
``<#123…>``; Slack's ``<@U123|ann>``, ``<!here>``, ``<!subteam^S1|@team>``...). Each front end
finds its own markup and says what each piece is (a :class:`Mention`); :func:`question_words`
alone decides the words that stand for it:

- the bot's own mention: removed (it addresses the question, it is not part of it);
- a person or a role (a Slack user group): ``@name`` as the platform shows the name, ``@someone``
  when it does not give one (Slack's events name nobody: ``<@U123>``);
- a channel: ``#name``, or ``#channel``;
- ``@here``, ``@channel``, ``@everyone``: as people read them;
- a server's own emoji: ``:name:``, as Slack writes every emoji;

then the whitespace is collapsed. A question without markup reaches the retriever as typed
(its whitespace collapsed), as before. What is not a mention (a Slack link, a date) the front end
unwraps itself, by returning the text instead of a :class:`Mention`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SOMEONE", "Kind", "Mention", "question_words", "shown_as"]

SOMEONE = "someone"  # a person or role whose name the platform does not give
SOME_CHANNEL = "channel"


class Kind(enum.Enum):
    """What a piece of markup names."""

    ME = "me"  # the bot itself
    PERSON = "person"
    ROLE = "role"  # a Discord role, a Slack user group
    CHANNEL = "channel"
    BROADCAST = "broadcast"  # here, channel, everyone
    EMOJI = "emoji"


@dataclass(frozen=True)
class Mention:
    """One mention in a message: what it names, and the name the platform shows for it (None: not given)."""

    kind: Kind
    name: str | None = None


def shown_as(mention: Mention) -> str:
    """The words that stand for ``mention`` in a question (empty for the bot's own)."""
    name = (mention.name or "").strip()
    match mention.kind:
        case Kind.ME:
            return ""
        case Kind.CHANNEL:
            return f"#{name or SOME_CHANNEL}"
        case Kind.EMOJI:
            return f":{name}:"
        case _:  # a person, a role, a broadcast
            return f"@{name or SOMEONE}"


def question_words(text: str, markup: re.Pattern[str], read: Callable[[re.Match[str]], Mention | str | None]) -> str:
    """``text`` with each piece of ``markup`` in it read by ``read`` as :func:`shown_as` says, whitespace collapsed.

    Args:
        text: A message's text, in its platform's markup.
        markup: Finds the platform's markup.
        read: What a piece of markup is: a :class:`Mention`; or the text that stands for something
            that is not a mention (a link's label); or None to leave it as typed.

    Returns:
        The question's words, stripped.
    """
    out, start = [], 0
    for match in markup.finditer(text):
        found = read(match)
        out.append(text[start : match.start()])
        if found is None:
            out.append(match[0])
        elif isinstance(found, str):
            out.append(found)
        else:
            out.append(shown_as(found) or " ")  # the bot's own mention parts the words around it
        start = match.end()
    out.append(text[start:])
    return " ".join("".join(out).split())

"""A thread's earlier questions, as a follow-up is asked with them.

The history of a conversation is never stored by citebot: each front end reads the
thread back from its platform (Discord's thread history, Slack's
``conversations.replies``) at most :data:`READ_BACK` messages deep, and hands the
messages, oldest first, to :func:`history_from`, which keeps the people's questions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# How many messages of a thread are read back for a follow-up: enough for the questions
# of a long exchange (each question brings the bot's answer, and more), few enough that
# one platform call answers it (Discord and Slack both page at 100).
READ_BACK = 50
# How many earlier questions a follow-up is asked with, newest kept: a follow-up leans on
# the last question or two; older ones are about something else more often than not.
MAX_HISTORY = 5


@dataclass(frozen=True)
class Said:
    """One message of a thread: its text (the front end's markup removed) and whether a bot wrote it."""

    text: str
    by_bot: bool


def history_from(messages: Iterable[Said], *, limit: int = MAX_HISTORY) -> tuple[str, ...]:
    """The people's questions in ``messages`` (oldest first), the newest ``limit`` of them.

    Bots' messages (the answers) and blank messages are left out.
    """
    questions = [" ".join(m.text.split()) for m in messages if not m.by_bot]
    return tuple(q for q in questions if q)[-limit:] if limit > 0 else ()

"""Follow-ups in Slack threads: which replies are follow-ups, and the thread's earlier questions.

A reply in a thread the bot answered is a follow-up, answered without a mention. Nothing
of a thread is stored: it is read back from Slack (``conversations.replies``) when a
follow-up comes, and both facts come from that one reading: whether the bot answered in
the thread, and the people's questions before the follow-up (:func:`bot.core.conversation.history_from`).

Slack lists a thread oldest first, a page at a time, and a follow-up leans on the
newest questions, so the thread is paged through (:data:`PAGE` messages a call, at
most :data:`MAX_PAGES` calls) keeping only the newest :data:`~bot.core.conversation.READ_BACK`.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bot.core.conversation import READ_BACK, Said, history_from
from bot.slack.text import clean_slack_text

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

__all__ = [
    "MAX_PAGES",
    "PAGE",
    "SPOKEN",
    "Me",
    "Thread",
    "has_words",
    "in_a_thread",
    "is_direct",
    "is_follow_up",
    "is_new_mention",
    "mentions",
    "read_thread",
]

PAGE = 100  # messages per conversations.replies call: Slack advises at most 200
MAX_PAGES = 10  # a thread longer than 1,000 messages is still answered, with no history

# Message subtypes that are a person speaking: a plain message, a reply also sent to the channel, and a
# message with files attached (its words are the question; the files are not read). Edits, deletions,
# joins, bots' messages and the rest are not. bolt's ``app.message`` takes the same subtypes but
# ``bot_message``; ``app.event("message")``, which citebot listens with, delivers every subtype.
SPOKEN = frozenset({None, "thread_broadcast", "file_share"})


@dataclass(frozen=True)
class Me:
    """The bot's own ids in the workspace, to know its messages."""

    user_id: str | None
    bot_id: str | None

    def wrote(self, message: dict[str, Any]) -> bool:
        return bool(
            (self.user_id and message.get("user") == self.user_id)
            or (self.bot_id and message.get("bot_id") == self.bot_id)
        )


@dataclass(frozen=True)
class Thread:
    """What a reading of a thread says: whether the bot answered in it, and the questions before."""

    answered: bool
    history: tuple[str, ...]


def is_direct(event: dict[str, Any]) -> bool:
    """Whether the message is in a direct message with the bot (Slack's DM ids start with ``D``)."""
    return event.get("channel_type") == "im" or str(event.get("channel") or "").startswith("D")


def mentions(event: dict[str, Any], user_id: str | None) -> bool:
    """Whether the message mentions ``user_id`` (the ``app_mention`` listener answers those)."""
    return bool(user_id) and f"<@{user_id}" in (event.get("text") or "")


def in_a_thread(event: dict[str, Any]) -> bool:
    """Whether the message is a reply in a thread (not the thread's first message)."""
    thread = event.get("thread_ts")
    return bool(thread) and thread != event.get("ts")


def has_words(event: dict[str, Any]) -> bool:
    """Whether the message says anything: one with only a file attached asks nothing."""
    return bool((event.get("text") or "").strip())


def is_follow_up(event: dict[str, Any], me: Me) -> bool:
    """True for a person's reply in a thread that does not mention the bot: a follow-up, if the bot answered there."""
    return (
        in_a_thread(event)
        and event.get("subtype") in SPOKEN
        and has_words(event)
        and not event.get("bot_id")
        and bool(event.get("user"))
        and not me.wrote(event)
        # A mention is app_mention's to answer, except in a direct message, where Slack sends none.
        and (is_direct(event) or not mentions(event, me.user_id))
    )


def is_new_mention(event: dict[str, Any], me: Me) -> bool:
    """True for an ``app_mention`` a person has just written.

    Slack sends one for another app's message that mentions the bot too (two bots would
    answer each other for ever), and again, with a new ``event_id`` and ``edited``, each
    time a person edits a message that mentioned it (the question was answered already).
    """
    return (
        event.get("subtype") in SPOKEN
        and not event.get("bot_id")
        and bool(event.get("user"))
        and not me.wrote(event)
        and not event.get("edited")
    )


def _said(message: dict[str, Any], me: Me) -> Said | None:
    if message.get("bot_id") or me.wrote(message):
        return Said(message.get("text") or "", by_bot=True)
    if message.get("subtype") not in SPOKEN:
        return None  # joins, edits, deletions: not a question
    return Said(clean_slack_text(message.get("text") or "", drop_user=me.user_id), by_bot=False)


async def read_thread(client: AsyncWebClient, channel: str, thread_ts: str, before: str, me: Me) -> Thread:
    """Read a thread back up to (not including) the message at ``before``.

    Args:
        client: The Web API client (needs the ``*:history`` scope of the conversation).
        channel: The conversation's id.
        thread_ts: The thread's first message.
        before: The follow-up's ``ts``; it and later messages are left out.
        me: The bot's ids.

    Returns:
        Whether the bot wrote in the thread, and the people's questions (newest
        :data:`~bot.core.conversation.MAX_HISTORY`, oldest first) among the newest
        ``READ_BACK`` messages; no history when the thread was too long to read to the end.

    Raises:
        SlackApiError: Slack refused (a missing scope, a rate limit).
    """
    kept: deque[Said] = deque(maxlen=READ_BACK)
    seen: set[str] = set()
    answered = False
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.conversations_replies(
            channel=channel, ts=thread_ts, latest=before, inclusive=False, limit=PAGE, cursor=cursor
        )
        for message in page.get("messages") or []:
            ts = str(message.get("ts"))
            if ts in seen or _later(ts, before):  # the first message may come again on every page
                continue
            seen.add(ts)
            answered = answered or me.wrote(message)
            said = _said(message, me)
            if said is not None:
                kept.append(said)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return Thread(answered, history_from(kept))
    log.info("slack thread longer than %d messages: a follow-up there is asked without history", PAGE * MAX_PAGES)
    return Thread(answered, ())


def _later(ts: str, before: str) -> bool:
    # Exact decimals: a float cannot tell apart two ts a microsecond apart in this century.
    try:
        return Decimal(ts) >= Decimal(before)
    except InvalidOperation:
        return False

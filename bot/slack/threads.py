"""Follow-ups in Slack threads: which replies are follow-ups, and the thread's earlier questions.

A reply in a thread the bot answered is a follow-up, answered without a mention. Nothing
of a thread is stored: it is read back from Slack (``conversations.replies``) when a
follow-up comes, and both facts come from that one reading: whether the bot answered in
the thread, and the people's questions before the follow-up (:func:`bot.core.conversation.history_from`).

Slack lists a thread oldest first (:data:`PAGE` messages a call, the thread's first message
maybe again on each page), while a follow-up leans on the newest questions. A thread its first
message counts as at most :data:`MAX_CALLS` pages is paged through to the end, a call a page;
a longer one is read from its first page (where the bot's answer to the question that started
it is) and its tail (:mod:`bot.slack.tail`): at most :data:`MAX_CALLS` calls either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot.core.conversation import MAX_HISTORY, READ_BACK, Said, history_from
from bot.slack.tail import find_tail, ts_of
from bot.slack.text import clean_slack_text

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

__all__ = [
    "MAX_CALLS",
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
# conversations.replies calls one reading may make: Slack's Tier 3 allows about 50 a minute per
# workspace, and 10 is what reading a thread of 1,000 messages a page at a time always took.
MAX_CALLS = 10

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

    A thread of up to ``MAX_CALLS`` pages is paged through; a longer one is read from its first page
    and its tail (:func:`bot.slack.tail.find_tail`).

    Args:
        client: The Web API client (needs the ``*:history`` scope of the conversation).
        channel: The conversation's id.
        thread_ts: The thread's first message.
        before: The follow-up's ``ts``; it and later messages are left out.
        me: The bot's ids.

    Returns:
        Whether the bot wrote in the thread (in a message read, or among the repliers the
        thread's first message lists), and the people's questions (newest
        :data:`~bot.core.conversation.MAX_HISTORY`, oldest first) among the newest
        ``READ_BACK`` messages. When ``MAX_CALLS`` calls did not find enough of the tail, the
        questions of the newest window read whole; none when no window fitted in a page.

    Raises:
        SlackApiError: Slack refused (a missing scope, a rate limit).
    """
    reading = Reading(client, channel, thread_ts, before, me)
    messages, cursor = await reading.page(None)
    # A thread its first message counts as short enough is paged through, as Slack lists it: exact, a call
    # a page (each page but the first may list the first message again, so a page holds PAGE - 1 replies
    # for certain). A longer one, or one whose count is not said, is searched for its tail instead.
    while cursor and 0 < reading.replies <= (PAGE - 1) * reading.budget and reading.calls < reading.budget:
        more, cursor = await reading.page(None, cursor)
        messages += more
    if cursor is None or reading.end is None:
        return Thread(reading.answered, reading.history(messages))
    found = await find_tail(reading, messages, reading.end) if reading.calls < reading.budget else None
    if found is None:
        log.info("slack thread's tail not found in %d calls: a follow-up there is asked without history", MAX_CALLS)
        return Thread(reading.answered, ())
    tail, exact = found
    if not exact:
        log.info("slack thread's tail not found in %d calls: a follow-up there is asked with its newest %d messages",
                 MAX_CALLS, len(tail))  # fmt: skip
    return Thread(reading.answered, reading.history(tail))


class Reading:
    """The calls of one reading of a thread: how many, and whether the bot wrote in what they listed."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, before: str, me: Me) -> None:
        self.client, self.channel, self.thread_ts, self.before, self.me = client, channel, thread_ts, before, me
        self.end = ts_of(before)  # parsed once: every message read is held against it
        self.budget, self.size = MAX_CALLS, PAGE
        self.calls = 0
        self.answered = False
        self.replies = 0  # the thread's replies, as its first message counts them (reply_count)

    async def page(self, oldest: Decimal | None, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the thread's messages after ``oldest`` (None: from its start) and before ``before``: the
        first, or the one ``cursor`` points to; and the cursor of the next page (None: that is all of them)."""
        self.calls += 1
        since = {} if oldest is None else {"oldest": str(oldest)}
        page = await self.client.conversations_replies(
            channel=self.channel, ts=self.thread_ts, latest=self.before, inclusive=False, limit=PAGE, cursor=cursor,
            **since,
        )  # fmt: skip
        kept: list[dict[str, Any]] = []
        for message in page.get("messages") or []:
            ts = str(message.get("ts"))
            if ts == self.thread_ts:
                # The thread's first message counts its replies and lists who replied (Slack: user ids, at
                # times bot ids): the bot among them answered somewhere in the thread, maybe in a part not
                # read. Its absence proves nothing (Slack does not say the list is complete).
                self.replies = int(message.get("reply_count") or 0)
                repliers = message.get("reply_users") or ()
                self.answered = self.answered or any(
                    who and who in repliers for who in (self.me.user_id, self.me.bot_id)
                )
            self.answered = self.answered or self.me.wrote(message)
            # The first message may come again on every page, whatever the range asked: only the
            # messages inside the range are the page's (a tail's window starts after the first page).
            if self._outside(ts, oldest) or (cursor and ts == self.thread_ts):
                continue
            kept.append(message)
        return kept, (page.get("response_metadata") or {}).get("next_cursor") or None

    def history(self, messages: list[dict[str, Any]]) -> tuple[str, ...]:
        """The people's questions among the newest ``READ_BACK`` of ``messages`` (oldest first)."""
        return history_from(self._said(messages)[-READ_BACK:])

    def enough(self, tail: list[dict[str, Any]]) -> bool:
        """Whether the newest messages ``tail`` give the history the whole thread would: ``READ_BACK`` of
        them, or ``MAX_HISTORY`` people's questions (older questions would not be kept)."""
        said = self._said(tail)
        return len(said) >= READ_BACK or len(history_from(said)) >= MAX_HISTORY

    def _said(self, messages: list[dict[str, Any]]) -> list[Said]:
        return [s for m in messages if (s := _said(m, self.me)) is not None]

    def _outside(self, ts: str, oldest: Decimal | None) -> bool:
        at = ts_of(ts)
        return at is not None and ((self.end is not None and at >= self.end) or (oldest is not None and at <= oldest))

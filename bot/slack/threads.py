"""Follow-ups in Slack threads: which replies are follow-ups, and the thread's earlier questions.

A reply in a thread the bot answered is a follow-up, answered without a mention. Nothing
of a thread is stored: it is read back from Slack (``conversations.replies``) when a
follow-up comes, and both facts come from that one reading: whether the bot answered in
the thread, and the people's questions before the follow-up (:func:`bot.core.conversation.history_from`).

Slack lists a thread oldest first (:data:`PAGE` messages a call, the thread's first message
maybe again on each page), while a follow-up leans on the newest questions. A thread of one
page is read whole, as it always was; a longer one is read from its first page (where the
bot's answer to the question that started it is) and its tail: the messages from an
``oldest`` time to the follow-up, a window widened (:data:`REACH`), then split in time or
placed by the thread's count of replies, until one page holds enough of the newest messages:
at most :data:`MAX_CALLS` calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bot.core.conversation import MAX_HISTORY, READ_BACK, Said, history_from
from bot.slack.text import clean_slack_text

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

__all__ = [
    "MAX_CALLS",
    "PAGE",
    "REACH",
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
# How far back from the follow-up the tail's window reaches in turn, in seconds, before it takes
# everything after the first page: the hour of a conversation under way, the day of a thread taken
# up again, the month of one reopened (bench/slack_thread_reading.py: of its four schedules, exact on
# every shape in the fewest calls all told; from a day on, a burst after 30 quiet days is missed).
REACH = (3600, 86_400, 30 * 86_400)
_MICRO = Decimal("0.000001")  # a ts is seconds and microseconds

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

    A thread longer than a page is read from its first page and its tail (:func:`_tail`).

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
    reading = _Reading(client, channel, thread_ts, before, me)
    first, whole = await reading.page(None)
    end = _ts(before)
    if whole or end is None:
        return Thread(reading.answered, reading.history(first))
    return await _tail(reading, first, end)


async def _tail(reading: _Reading, first: list[dict[str, Any]], end: Decimal) -> Thread:
    """Read the tail of a thread longer than its ``first`` page: the newest messages before ``end``.

    Windows below ``end`` (``oldest`` to ``latest``) are read in one call each, when one page holds
    them. A window that fits but holds too little is widened (:data:`REACH`, then everything after
    the first page: the thread whole, at once when the reply count says one page holds the rest);
    once one is longer than a page, the time is split between the widest too short and the narrowest
    too long, or, when everything after the first page is too long, a window is first placed by the
    thread's count of replies and their pace (:func:`_guess`). The tail is enough with ``READ_BACK``
    messages or ``MAX_HISTORY`` people's questions: the history is the one a whole reading gives.
    """
    floor = max((t for m in first if (t := _ts(m.get("ts"))) is not None), default=Decimal(0))  # read up to here
    after = reading.replies - (len(first) - 1) - 1  # replies after the first page (the follow-up is one)
    reach = iter(() if 0 < after < PAGE else REACH)  # the rest in one page: read it, as a page through would
    short: tuple[Decimal, list[dict[str, Any]]] | None = None  # the widest window read whole, too short
    long: Decimal | None = None  # the oldest bound of the narrowest window longer than a page
    guess: Decimal | None = None
    while reading.calls < MAX_CALLS:
        if long is None:
            width = next(reach, None)
            oldest = floor if width is None else max(floor, end - width)
        elif guess is not None:
            oldest, guess = guess, None
        elif (oldest := _between(end, short[0] if short else end, long)) is None:
            break  # the two windows' bounds are a microsecond apart: no window between them
        tail, whole = await reading.page(oldest)
        if not whole:
            if oldest == floor and after > 0:  # how many replies it holds is known: guess where the last are
                guess = _guess(tail, after, floor, short[0] if short else end)
            long = oldest
        elif oldest <= floor:  # everything after the first page: the thread was read whole
            return Thread(reading.answered, reading.history(first + tail))
        elif reading.enough(tail):
            return Thread(reading.answered, reading.history(tail))
        else:
            short = (oldest, tail)
    if short is None:
        log.info("slack thread's tail not found in %d calls: a follow-up there is asked without history", MAX_CALLS)
        return Thread(reading.answered, ())
    log.info("slack thread's tail not found in %d calls: a follow-up there is asked with its newest %d messages",
             MAX_CALLS, len(short[1]))  # fmt: skip
    return Thread(reading.answered, reading.history(short[1]))


class _Reading:
    """The calls of one reading of a thread: how many, and whether the bot wrote in what they listed."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, before: str, me: Me) -> None:
        self.client, self.channel, self.thread_ts, self.before, self.me = client, channel, thread_ts, before, me
        self.calls = 0
        self.answered = False
        self.replies = 0  # the thread's replies, as its first message counts them (reply_count)

    async def page(self, oldest: Decimal | None) -> tuple[list[dict[str, Any]], bool]:
        """The first page of the thread's messages after ``oldest`` (None: from its start) and before
        ``before``; and whether that is all of them (Slack gave no cursor for more)."""
        self.calls += 1
        since = {} if oldest is None else {"oldest": str(oldest)}
        page = await self.client.conversations_replies(
            channel=self.channel, ts=self.thread_ts, latest=self.before, inclusive=False, limit=PAGE, **since
        )
        kept: list[dict[str, Any]] = []
        for message in page.get("messages") or []:
            ts = str(message.get("ts"))
            # The thread's first message lists who replied (Slack: user ids, at times bot ids): the
            # bot among them answered somewhere in the thread, maybe in a part not read. Its absence
            # proves nothing (Slack does not say the list is complete): the messages read decide then.
            repliers = (message.get("reply_users") or ()) if ts == self.thread_ts else ()
            self.replies = int(message.get("reply_count") or 0) if ts == self.thread_ts else self.replies
            listed = any(who and who in repliers for who in (self.me.user_id, self.me.bot_id))
            self.answered = self.answered or listed or self.me.wrote(message)
            # The first message may come again on every page, whatever the range asked: only the
            # messages inside the range are the page's (a tail's window starts after the first page).
            if _outside(ts, oldest, self.before):
                continue
            kept.append(message)
        more = (page.get("response_metadata") or {}).get("next_cursor")
        return kept, not more

    def history(self, messages: list[dict[str, Any]]) -> tuple[str, ...]:
        """The people's questions among the newest ``READ_BACK`` of ``messages`` (oldest first)."""
        return history_from([s for m in messages if (s := _said(m, self.me)) is not None][-READ_BACK:])

    def enough(self, tail: list[dict[str, Any]]) -> bool:
        """Whether the newest messages ``tail`` give the history the whole thread would: ``READ_BACK`` of
        them, or ``MAX_HISTORY`` people's questions (older questions would not be kept)."""
        said = [s for m in tail if (s := _said(m, self.me)) is not None]
        return len(said) >= READ_BACK or len(history_from(said)) >= MAX_HISTORY


def _between(end: Decimal, short: Decimal, long: Decimal) -> Decimal | None:
    """An ``oldest`` between a window too short (from ``short``) and one too long (from ``long``), or None: their
    widths below ``end`` split geometrically (:data:`REACH` grows 24 and 30 times), or in halves from none."""
    wide = end - long
    width = (wide * (end - short)).sqrt() if short < end else wide / 2
    oldest = (end - width).quantize(_MICRO, rounding=ROUND_FLOOR)
    return oldest if long < oldest < short else None


def _guess(page: list[dict[str, Any]], replies: int, long: Decimal, top: Decimal) -> Decimal | None:
    """An ``oldest`` leaving some 75 of the ``replies`` after ``long`` (enough, and one page holds them), were
    they as close together as on ``page``, their oldest; None if outside ``long`` to ``top``. The newest may
    have come in a rush long before the follow-up, where splitting the time takes many calls to find them."""
    times = [t for m in page if (t := _ts(m.get("ts"))) is not None]
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    oldest = times[0] + (replies - (READ_BACK + PAGE) // 2) * (times[-1] - times[0]) / (len(times) - 1)
    oldest = oldest.quantize(_MICRO, rounding=ROUND_FLOOR)
    return oldest if long < oldest < top else None


def _ts(value: object) -> Decimal | None:
    # Exact decimals: a float cannot tell apart two ts a microsecond apart in this century.
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _outside(ts: str, oldest: Decimal | None, before: str) -> bool:
    at, end = _ts(ts), _ts(before)
    return at is not None and ((end is not None and at >= end) or (oldest is not None and at <= oldest))

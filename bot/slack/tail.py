"""The tail of a long Slack thread: its newest messages before a follow-up, in few calls.

Slack lists a thread oldest first, and a follow-up leans on the newest questions. A thread
longer than :data:`~bot.slack.threads.MAX_CALLS` pages cannot be paged through to its end,
so its tail is found by time: windows of messages from an ``oldest`` time to the follow-up,
one call each while one page holds them. A window that fits but holds too little is widened
(:data:`REACH`, then everything after the first page); once one is longer than a page, the
time between the widest too short and the narrowest too long is split, or a window is first
placed by the thread's count of replies and their pace (:func:`_guess`).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Protocol

from bot.core.conversation import READ_BACK

__all__ = ["REACH", "Pages", "find_tail", "ts_of"]

# How far back from the follow-up the tail's window reaches in turn, in seconds, before it takes
# everything after the first page: the hour of a conversation under way, the day of a thread taken
# up again, the month of one reopened (bench/slack_thread_reading.py: of its four schedules, exact on
# every shape in the fewest calls all told; from a day on, a burst after 30 quiet days is missed).
REACH = (3600, 86_400, 30 * 86_400)
_MICRO = Decimal("0.000001")  # a ts is seconds and microseconds

Messages = list[dict[str, Any]]


class Pages(Protocol):
    """One reading of a thread, as the tail's search uses it (:class:`bot.slack.threads.Reading`)."""

    calls: int  # made so far
    budget: int  # the most it may make
    size: int  # messages a call lists at most
    replies: int  # the thread's, as its first message counts them (0: not said)

    async def page(self, oldest: Decimal | None, cursor: str | None = None) -> tuple[Messages, str | None]: ...

    def enough(self, tail: Messages) -> bool: ...


async def find_tail(reading: Pages, first: Messages, end: Decimal) -> tuple[Messages, bool] | None:
    """The newest messages before ``end`` of a thread longer than its ``first`` page.

    Returns:
        The messages, and whether they give the history a whole reading would (everything
        after the first page, or enough of the newest: :meth:`Pages.enough`); when the calls
        ran out first, the newest window read whole, and False; None when no window fitted
        in a page.
    """
    floor = max((t for m in first if (t := ts_of(m.get("ts"))) is not None), default=Decimal(0))  # read up to here
    after = reading.replies - (len(first) - 1) - 1  # replies after the first page (the follow-up is one)
    reach = iter(REACH)
    short: tuple[Decimal, Messages] | None = None  # the widest window read whole, too short
    long: Decimal | None = None  # the oldest bound of the narrowest window longer than a page
    guess: Decimal | None = None
    while reading.calls < reading.budget:
        if long is None:
            width = next(reach, None)
            oldest = floor if width is None else max(floor, end - width)
        elif guess is not None:
            oldest, guess = guess, None
        elif (oldest := _between(end, short[0] if short else end, long)) is None:
            break  # the two windows' bounds are a microsecond apart: no window between them
        tail, more = await reading.page(oldest)
        if more:
            if oldest == floor and after > 0:  # how many replies it holds is known: guess where the last are
                guess = _guess(tail, after, (READ_BACK + reading.size) // 2, floor, short[0] if short else end)
            long = oldest
        elif oldest <= floor:  # everything after the first page: the thread was read whole
            return first + tail, True
        elif reading.enough(tail):
            return tail, True
        else:
            short = (oldest, tail)
    return None if short is None else (short[1], False)


def _between(end: Decimal, short: Decimal, long: Decimal) -> Decimal | None:
    """An ``oldest`` between a window too short (from ``short``) and one too long (from ``long``), or None: their
    widths below ``end`` split geometrically (:data:`REACH` grows 24 and 30 times), or in halves from none."""
    wide = end - long
    width = (wide * (end - short)).sqrt() if short < end else wide / 2
    oldest = (end - width).quantize(_MICRO, rounding=ROUND_FLOOR)
    return oldest if long < oldest < short else None


def _guess(page: Messages, replies: int, keep: int, long: Decimal, top: Decimal) -> Decimal | None:
    """An ``oldest`` leaving ``keep`` of the ``replies`` after ``long`` (enough, and one page holds them), were
    they as close together as on ``page``, their oldest; None if outside ``long`` to ``top``. The newest may
    have come in a rush long before the follow-up, where splitting the time takes many calls to find them."""
    times = [t for m in page if (t := ts_of(m.get("ts"))) is not None]
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    oldest = times[0] + (replies - keep) * (times[-1] - times[0]) / (len(times) - 1)
    oldest = oldest.quantize(_MICRO, rounding=ROUND_FLOOR)
    return oldest if long < oldest < top else None


def ts_of(value: object) -> Decimal | None:
    """A message's ``ts`` as an exact decimal, or None: a float cannot tell apart two ts a microsecond apart."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None

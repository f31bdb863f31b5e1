"""Each Slack request is acted on once, however often it arrives and whichever replica it reaches,
and a request whose claimer died is acted on by the next delivery after its lease.

Slack sends an event again when it saw no ``200`` within 3 s, or got another status
(``X-Slack-Retry-Num``: nearly at once, then after 1 and after 5 minutes), and behind a load
balancer the retry may reach another process; a signed request can also be replayed by whoever
captured it, for the five minutes its timestamp is accepted. Every request is keyed (an event by
its ``event_id``; a slash command, a click or a modal by its ``trigger_id``, which Slack makes anew
for each) and the key is claimed in the project's database (:meth:`bot.db.EventDedup.claim`),
whose unique key lets exactly one process win. The claim is a lease of :data:`LEASE`, marked done
once the listener has finished (answered, refused or apologised): a repeat of a done request gets
an empty ``200``; a repeat while another process's lease runs gets ``503``, so that Slack sends it
again later rather than count it delivered; a repeat after the lease of a claim never done (its
claimer was killed before it acknowledged, say) takes the claim over and is answered. Without a
database, or when it fails, the claim is kept in this process's memory instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.db.events import Claim

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.db import EventDedup

log = logging.getLogger(__name__)

__all__ = ["LEASE", "OnceOnly", "SeenEvents", "answer_each_request_once", "or_unmatched", "request_key"]

MAX_KEY = 128  # the database's event id column
CLAIMED = "citebot_claimed"  # the key of the request's claim, in bolt's context, for marking it done

# How long a claim not marked done keeps a later delivery away. A live claimer has answered
# or failed long before: an answer takes 5 s at p99 on a loaded 2-core machine and Slack's ack
# 0.3 s (docs/deploy.md), and the slowest path a live answer takes, two of Slack's Retry-After
# waits on reading the thread and two on posting, is seconds in practice. Slack retries nearly
# at once, then 1 and 5 minutes later: the first two find a dead claimer's lease running (and
# get 503, so Slack goes on), the last, about 6 minutes after the claim, finds it over. Two
# minutes is 24 times that p99 and leaves 3 minutes' margin before the last retry.
LEASE = timedelta(minutes=2)


class SeenEvents:
    """Remembers keys for a while, in memory: the fallback when there is no database.

    Args:
        ttl: Seconds a key is remembered. Slack retries within minutes; defaults to one hour.
        size: Most keys remembered. Defaults to 10,000.
        clock: Returns the time in seconds; defaults to ``time.monotonic``.
    """

    def __init__(self, ttl: float = 3600.0, size: int = 10_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is seen (and remembers it); False for a repeat."""
        now = self._clock()
        while self._seen and (len(self._seen) >= self.size or next(iter(self._seen.values())) <= now - self.ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class OnceOnly:
    """Claims request keys in the database, so one replica in all acts on each.

    Args:
        events: The database's event store; None keeps claims in memory (one process only).
        lease: How long an unfinished claim keeps later deliveries away. Defaults to :data:`LEASE`.
    """

    def __init__(self, events: EventDedup | None = None, lease: timedelta = LEASE) -> None:
        self.events = events
        self.lease = lease
        self.memory = SeenEvents()
        # Requests claimed here whose listener has not ended yet: shutting down waits for them to be
        # marked done (:meth:`settled`) before the database closes under the last marks.
        self._in_hand = 0
        self._none_in_hand = asyncio.Event()
        self._none_in_hand.set()

    @property
    def in_hand(self) -> int:
        """How many requests claimed here are still being acted on."""
        return self._in_hand

    def taken(self) -> None:
        """A request claimed here is being acted on."""
        self._in_hand += 1
        self._none_in_hand.clear()

    def finished(self) -> None:
        """Its listener ended (its claim marked done, or not: cancelled)."""
        self._in_hand = max(0, self._in_hand - 1)
        if not self._in_hand:
            self._none_in_hand.set()

    async def settled(self, seconds: float = 5.0) -> None:
        """Wait, at most ``seconds``, until every request claimed here has ended. A mark is one row
        written (milliseconds); the default bounds what a stop can take for it, should a database
        write hang."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._none_in_hand.wait()

    async def claim(self, key: str) -> Claim:
        """Claim ``key``: :attr:`Claim.mine` for the one caller, in any process, to act on it."""
        key = _fitted(key)
        if self.events is None:
            return Claim.NEW if self.memory.first_time(key) else Claim.DONE
        try:
            return await self.events.claim("slack", key, self.lease)
        except Exception as error:  # answering twice beats not answering: fall back to this process's memory
            log.warning("Could not check a Slack request against the database: %s", type(error).__name__)
            return Claim.NEW if self.memory.first_time(key) else Claim.DONE

    async def unmatched(self, context: Any) -> None:
        """A request claimed here that no listener took (bolt's 404: a click on a button an older
        version drew, say) has ended: its claim is marked done, since a repeat would find no
        listener either, and it no longer keeps a stop waiting."""
        key = context.pop(CLAIMED, None)  # ended once: a listener bolt gave up on may still end later
        if key is None:
            return
        try:
            await self.done(key)
        finally:
            self.finished()

    async def done(self, key: str) -> None:
        """Mark the claim on ``key`` done: the request was acted on (a failure is logged, not raised)."""
        if self.events is None:
            return
        try:
            await self.events.done("slack", _fitted(key))
        except Exception as error:  # the lease still keeps repeats away for its length
            log.warning("Could not mark a Slack request done in the database: %s", type(error).__name__)


def _fitted(key: str) -> str:
    """``key``, or its hash when it is longer than the column: the database never refuses it."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest() if len(key) > MAX_KEY else key


def request_key(body: dict[str, Any]) -> str | None:
    """What identifies a request: its ``event_id``, or the ``trigger_id`` of a command, click or modal."""
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        return event_id
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return f"trigger:{trigger}"
    return None


def answer_each_request_once(app: AsyncApp, once: OnceOnly) -> None:
    """Register the middleware that claims each request (a repeat is acknowledged, or sent back
    with ``503`` while another process's lease runs) and marks the claim done once its listener ends."""
    from slack_bolt.listener.async_listener_completion_handler import AsyncListenerCompletionHandler
    from slack_bolt.response import BoltResponse

    @app.middleware
    async def answer_each_request_once(body: dict[str, Any], request: Any, next: Callable[[], Awaitable[None]]) -> Any:
        key = request_key(body)
        if key is None:
            return await next()
        claim = await once.claim(key)
        retry = request.headers.get("x-slack-retry-num", ["-"])[0]
        kind = body.get("type") or "command"
        if claim is Claim.HELD:
            log.info(
                "slack: a repeated %s is in hand elsewhere; Slack is asked to send it later (retry %s)", kind, retry
            )
            return BoltResponse(status=503, body="")
        if claim is Claim.DONE:
            log.info("slack skipped a repeated %s (retry %s)", kind, retry)
            return BoltResponse(status=200, body="")
        if claim is Claim.TAKEN_OVER:
            log.warning("slack took over a %s whose claim was never done within %s (retry %s)", kind, once.lease, retry)
        request.context[CLAIMED] = key
        once.taken()
        return await next()

    class MarkDone(AsyncListenerCompletionHandler):
        """Runs when a listener ends, answered or failed (after its apology); not when it was
        cancelled (the process stopping mid-answer): that request was not acted on."""

        async def handle(self, request: Any, response: Any) -> None:
            key = request.context.pop(CLAIMED, None)  # None: not claimed here, or ended already (unmatched)
            if key is None:
                return
            task = asyncio.current_task()
            try:
                if not (task is not None and task.cancelling()):
                    await once.done(key)
            finally:
                once.finished()

    app.listener_runner.listener_completion_handler = MarkDone()


def or_unmatched(once: OnceOnly, apologise: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """The app's error handler: a request no listener took (the app raises for it) ends its claim
    quietly; any other error is a listener's failure, for ``apologise``."""
    from slack_bolt.error import BoltUnhandledRequestError

    async def on_error(error: Exception, body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            log.info("slack: no listener for a %s; it is left unanswered", body.get("type") or "command")
            await once.unmatched(context)
            return
        await apologise(error, body, respond, client)

    return on_error

"""Each Slack request is acted on once, however often it arrives and whichever replica it reaches.

Slack sends an event again when it saw no ``200`` within 3 s (``X-Slack-Retry-Num``),
and behind a load balancer the retry may reach another process; a signed request
can also be replayed by whoever captured it, for the five minutes its timestamp is
accepted. Every request is keyed (an event by its ``event_id``; a slash command, a
click or a modal by its ``trigger_id``, which Slack makes anew for each) and the
key is claimed in the project's database (:meth:`bot.db.EventDedup.first_time`),
whose unique key lets exactly one process win. Without a database, or when it
fails, the claim is kept in this process's memory instead.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.db import EventDedup

log = logging.getLogger(__name__)

__all__ = ["OnceOnly", "SeenEvents", "answer_each_request_once", "request_key"]

MAX_KEY = 128  # the database's event id column


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
    """

    def __init__(self, events: EventDedup | None = None) -> None:
        self.events = events
        self.memory = SeenEvents()

    async def first_time(self, key: str) -> bool:
        """True for the one caller, in any process, that claims ``key`` first."""
        if len(key) > MAX_KEY:
            key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        if self.events is None:
            return self.memory.first_time(key)
        try:
            return await self.events.first_time("slack", key)
        except Exception as error:  # answering twice beats not answering: fall back to this process's memory
            log.warning("Could not check a Slack request against the database: %s", type(error).__name__)
            return self.memory.first_time(key)


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
    """Register the middleware that acknowledges a repeated request and does nothing more."""
    from slack_bolt.response import BoltResponse

    @app.middleware
    async def answer_each_request_once(body: dict[str, Any], request: Any, next: Callable[[], Awaitable[None]]) -> Any:
        key = request_key(body)
        if key is not None and not await once.first_time(key):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("slack skipped a repeated %s (retry %s)", body.get("type") or "command", retry)
            return BoltResponse(status=200, body="")
        return await next()

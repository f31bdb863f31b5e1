"""A listener's failure, apologised for inside the listener, never raised to bolt.

bolt's runner, when a listener raises after it has acknowledged, resets the acknowledgement
it already holds (``ack.response = None``), and it checks for one every 10 ms: a listener that
fails within those milliseconds of its ``ack()`` (a database read refused, a Slack call refused)
leaves the request unacknowledged. Slack then waits its 3 s and shows the person an error (a
command, a click), or sends the event again; and the app, finding no response, reports the
request unhandled. :func:`guarded` catches the failure in the listener instead: the traceback in
the log and a short apology to the person, and the request ends as answered.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import wording
from bot.slack.format import format_notice_slack

__all__ = ["apologise", "guarded"]

log = logging.getLogger("bot.slack.app")  # where a listener's failure has always been logged


async def apologise(error: Exception, body: dict[str, Any], respond: Any, client: Any) -> None:
    """A listener failed: the traceback in the log, a short apology to the asker only (a new private
    message: whatever the click was under is not replaced)."""
    log.error("slack listener failed: %s", type(error).__name__, exc_info=error)
    text, blocks = format_notice_slack(wording.APOLOGY)
    with contextlib.suppress(Exception):  # telling the asker is best effort
        event = body.get("event") or {}
        if body.get("response_url") and respond is not None:
            await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        elif event.get("channel") and event.get("user"):
            ts = event.get("thread_ts") or event.get("ts")
            await client.chat_postEphemeral(channel=event["channel"], user=event["user"], thread_ts=ts, text=text)


def guarded(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """``listener``, with its failure apologised for (:func:`apologise`) rather than raised to bolt.

    bolt gives a listener the arguments its signature names; this one asks for them all (``args``).
    """
    names = list(inspect.signature(listener).parameters)

    async def run(args: Any) -> None:
        try:
            await listener(**{name: getattr(args, name) for name in names})
        except Exception as error:
            await apologise(error, args.body or {}, args.respond, args.client)

    # Named as the listener in bolt's log lines; no ``__wrapped__``, whose signature bolt would follow.
    run.__name__, run.__qualname__, run.__doc__ = listener.__name__, listener.__qualname__, listener.__doc__
    return run

"""The chat bots' event loop: uvloop when it is installed, asyncio's own otherwise (``EVENT_LOOP``).

uvloop (libuv under asyncio's interface) runs discord.py, aiohttp and slack-bolt's async
adapters unchanged, and spends less CPU per message on the loop's own work (sockets,
callbacks, timers): docs/retrieval.md, "Latency, fifth pass", addendum. The terminal
commands (``ask``, ``chat``) keep asyncio's loop: they wait on one question at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
LoopName = Literal["asyncio", "uvloop"]


def loop_factory(wanted: LoopName) -> tuple[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The loop to run on, by name, and what makes it: ``uvloop`` falls back to asyncio's
    loop (with a warning) where uvloop is not installed."""
    if wanted == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("EVENT_LOOP=uvloop, but uvloop is not installed: running on asyncio's loop")
        else:
            return "uvloop", uvloop.new_event_loop
    return "asyncio", asyncio.new_event_loop


def run_on(main: Coroutine[Any, Any, T], wanted: LoopName) -> T:
    """Run ``main`` to its end on a new loop of the kind ``wanted`` (as :func:`asyncio.run` does),
    naming the loop in the log."""
    name, factory = loop_factory(wanted)
    log.info("Event loop: %s", name)
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)

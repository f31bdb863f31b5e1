"""A bounded wait for the database on an answer's way: a database that hangs must not hang the bot.

A server that is down refuses connections at once, and every caller in the front ends falls back
(claims kept in the process, the rate limit counted in the process, the answer sent without
buttons). A server that *hangs* (a stopped host, a network that drops packets, a lock held
elsewhere) answers nothing and refuses nothing: without a bound each question, claim and click
would wait for it forever. So every call a question or a click makes waits at most
:data:`WAIT_SECONDS`, then raises :class:`DatabaseTimeoutError` and the fallbacks take over.

The call itself is not awaited past the bound: it is cancelled and left to end in the background
(a driver's own cancellation may wait on the server for seconds: psycopg's waited 10 s on a
stopped server), so the caller goes on at once. A write that was under way may still land later.

Only a database reached over the network (PostgreSQL) is bounded. SQLite is a local file whose
lock waits are bounded already (``SQLITE_BUSY_SECONDS``, engine.py), and its one pooled
connection makes a burst of calls queue in turn: at 300 questions at once in each of three
processes some waited over 2 s and would have been failed for nothing. Opening the database
(migrations), pruning and the admins' reports are not bounded: they are not on an answer's way,
and they may rightly take long.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.errors import DatabaseTimeoutError

__all__ = ["WAIT_SECONDS", "bounded", "within"]

# Slack wants a request acknowledged within 3 s and Discord an interaction within 3 s; the calls
# bounded here take 2 to 8 ms at p50 and at most 0.4 s at p99 at concurrency 20 (docs/deploy.md,
# "Cost"). 2 s is five times that p99 and leaves a second of the platforms' 3 s to answer in.
WAIT_SECONDS = 2.0

T = TypeVar("T")
P = ParamSpec("P")


async def within(engine: AsyncEngine, work: Awaitable[T], what: str) -> T:
    """``work``'s result, or :class:`DatabaseTimeoutError` once it has taken :data:`WAIT_SECONDS`
    on ``engine`` (unbounded on SQLite: see the module's docstring)."""
    if engine.dialect.name == "sqlite":
        return await work
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=WAIT_SECONDS)
    except BaseException:  # the caller was cancelled: so is the call
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    task.add_done_callback(_forget)
    raise DatabaseTimeoutError(what, WAIT_SECONDS)


def bounded(method: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Bound a store's method with :func:`within` (the store keeps its engine as ``_engine``)."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return await within(args[0]._engine, method(*args, **kwargs), method.__qualname__)  # type: ignore[attr-defined]

    return wrapper


def _forget(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: the caller was told already, asyncio need not log it

"""``python -m bench.profiled_discord_main``: ``python -m bot discord`` with its event loop's thread profiled.

Bench only. SIGUSR1 starts :mod:`cProfile` on the main thread (the event loop's), timed by that
thread's CPU clock (``time.thread_time``), so the answering threads' model calls stay out; a
second SIGUSR1 stops it and writes the statistics to ``PROFILE_FILE``. ``FAKE_RETRIEVER=1``
answers with the fake retriever (no model), as ``tests.discord.fake_retriever_main`` does.
``BENCH_NO_TYPING=1`` makes the typing indicator's request a no-op (what-if only: the bot always
sends one), to price that request.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import time
from types import FrameType

import discord

import bot.cli
from bot.discord import client

profiler: cProfile.Profile | None = None


def toggle(signum: int, frame: FrameType | None) -> None:
    """Start the profiler, or stop it and write its statistics (runs on the main thread)."""
    global profiler  # noqa: PLW0603
    if profiler is None:
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
    else:
        profiler.disable()
        profiler.dump_stats(os.environ["PROFILE_FILE"])
        profiler = None


async def no_request(*args: object, **kwargs: object) -> None:
    return None


if __name__ == "__main__":
    if os.environ.get("FAKE_RETRIEVER") == "1":
        from tests.fakes import FakeRetriever

        client.open_retriever = lambda settings, **_: FakeRetriever()  # type: ignore[assignment]
    if os.environ.get("BENCH_NO_TYPING") == "1":  # the request only: the cog still starts its task
        discord.http.HTTPClient.send_typing = no_request  # type: ignore[assignment]
    signal.signal(signal.SIGUSR1, toggle)
    sys.exit(bot.cli.main(["discord"]))

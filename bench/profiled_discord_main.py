"""``python -m bench.profiled_discord_main``: ``python -m bot discord`` with its event loop's thread profiled.

Bench only. SIGUSR1 starts :mod:`cProfile` on the main thread (the event loop's), timed by that
thread's CPU clock (``time.thread_time``), so the answering threads' model calls stay out; a
second SIGUSR1 stops it and writes the statistics to ``PROFILE_FILE``. ``FAKE_RETRIEVER=1``
answers with the fake retriever (no model), as ``tests.discord.fake_retriever_main`` does.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import time
from types import FrameType

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


if __name__ == "__main__":
    if os.environ.get("FAKE_RETRIEVER") == "1":
        from tests.fakes import FakeRetriever

        client.open_retriever = lambda settings, **_: FakeRetriever()  # type: ignore[assignment]
    signal.signal(signal.SIGUSR1, toggle)
    sys.exit(bot.cli.main(["discord"]))

"""``python -m tests.discord.fake_retriever_main``: the Discord bot with the fake retriever (no model, no index).

For the benchmark's front-end-only numbers, and for working on the bot before the index exists.
``FAKE_RETRIEVER_DELAY`` (seconds per ``ask_many`` call) simulates embedding time.
"""

from __future__ import annotations

import os
import sys

import bot.cli
from bot.discord import client
from tests.fakes import FakeRetriever

if __name__ == "__main__":
    delay = float(os.environ.get("FAKE_RETRIEVER_DELAY", "0"))
    client.open_retriever = lambda settings, **_: FakeRetriever(delay=delay)  # type: ignore[assignment]
    sys.exit(bot.cli.main(["discord"]))

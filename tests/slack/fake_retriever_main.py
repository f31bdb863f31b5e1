"""``python -m tests.slack.fake_retriever_main``: the Slack bot with the fake retriever (no model, no index).

For the benchmark's front-end-only numbers. ``FAKE_RETRIEVER_DELAY`` (seconds per
``ask_many`` call) simulates embedding time.
"""

from __future__ import annotations

import os
import sys

import bot.cli
from bot.slack import serve
from tests.fakes import FakeRetriever

if __name__ == "__main__":
    delay = float(os.environ.get("FAKE_RETRIEVER_DELAY", "0"))
    serve.open_retriever = lambda settings, **_: FakeRetriever(delay=delay)  # type: ignore[assignment]
    sys.exit(bot.cli.main(["slack"]))

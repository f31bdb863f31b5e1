"""``python -m tests.discord.admin_main``: the Discord bot with the fake retriever and the fake sources library.

The managers' commands reach :class:`tests.fakes.FakeLibrary`, which appends each call to
``ADMIN_CALLS_FILE`` (one JSON line a call), so an end-to-end test sees what was added or
removed, and that a refused member changed nothing. It takes the index's build lock as the real
library does, so a test holding that lock makes a change wait behind "another build".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import bot.cli
from bot.core import admin
from bot.discord import client
from tests.discord import guild_wait
from tests.fakes import FakeLibrary, FakeRetriever

if __name__ == "__main__":
    guild_wait.apply()
    library = FakeLibrary(Path(os.environ["ADMIN_CALLS_FILE"]), locking=True)
    client.open_retriever = lambda settings, **_: FakeRetriever()  # type: ignore[assignment]
    admin._library = lambda: library  # type: ignore[assignment]
    sys.exit(bot.cli.main(["discord"]))

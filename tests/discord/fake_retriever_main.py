"""``python -m tests.discord.fake_retriever_main``: the Discord bot with the fake retriever (no model, no index).

For the benchmark's front-end-only numbers, and for working on the bot before the index exists.
``FAKE_RETRIEVER_DELAY`` (seconds per ``ask_many`` call) simulates embedding time.
``FAKE_RETRIEVER_GATE`` (a file path) holds every ``ask_many`` call until that file exists; each
call first creates ``<gate>.entered``, so a test knows answers are in flight and decides when they end.
``FAKE_IDENTIFY_PAUSE`` (seconds) replaces the 5 s discord.py waits before identifying each shard
after the first (Discord's identify rate limit, which the fake does not have); unset, it stays 5 s.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path

import discord

import bot.cli
from bot.discord import client
from tests.discord import guild_wait
from tests.fakes import FakeRetriever

GATE_POLL = 0.02  # seconds between looks at the gate file


class FileGate(threading.Event):
    """A gate another process opens by creating a file (the fake retriever waits on it like an Event)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def wait(self, timeout: float | None = None) -> bool:
        Path(f"{self.path}.entered").touch()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.path.exists():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(GATE_POLL)
        return True


def pause_between_identifies(seconds: float) -> None:
    """Wait ``seconds`` (not discord.py's 5) before each IDENTIFY but the first."""

    async def before_identify_hook(self: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:
            await asyncio.sleep(seconds)

    discord.Client.before_identify_hook = before_identify_hook  # type: ignore[method-assign]


if __name__ == "__main__":
    guild_wait.apply()
    if "FAKE_IDENTIFY_PAUSE" in os.environ:
        pause_between_identifies(float(os.environ["FAKE_IDENTIFY_PAUSE"]))
    delay = float(os.environ.get("FAKE_RETRIEVER_DELAY", "0"))
    gate_path = os.environ.get("FAKE_RETRIEVER_GATE")
    gate = FileGate(Path(gate_path)) if gate_path else None
    client.open_retriever = lambda settings, **_: FakeRetriever(delay=delay, gate=gate)  # type: ignore[assignment]
    sys.exit(bot.cli.main(["discord"]))

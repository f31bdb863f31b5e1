"""Run ``python -m bot discord`` as a subprocess against :class:`tests.fake_discord.FakeDiscord`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

from tests import databases
from tests.discord import guild_wait
from tests.fake_discord import ASK_ID, FakeDiscord

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "seeds" / "000_a7265f2ac828b9b1.txt"
# From a shard's READY to its last GUILD_CREATE reaching discord.py took at most 11 ms over 32
# sessions of the Discord tests at a load average of 3 to 6 (docs/testing.md, "Figures, round 6"):
# 0.2 s leaves a wide margin, and a GUILD_CREATE later than that is still taken.
QUICK_GUILD_READY = 0.2


def copy_seeds(folder: Path) -> Path:
    """A seeds folder holding only the IBM article, so answers do not depend on what else is in seeds/."""
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTICLE, seeds / ARTICLE.name)
    return seeds


def bot_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process: tmp seeds, index and health file, nothing from the caller's .env."""
    settings = ("DISCORD_", "SLACK_", "RATE_LIMIT", "ASK_CHANNELS", "REPLY_IN_THREADS", "DATA_DIR", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(settings)}
    env.update(
        PYTHONPATH=str(REPO),
        SEEDS_DIR=str(copy_seeds(folder)),
        INDEX_DIR=str(folder / "index"),
        HEALTH_FILE=str(folder / "citebot.health"),
        ASK_CHANNELS=str(ASK_ID),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class BotProcess:
    """One bot process; its stderr goes to ``folder/bot.log``.

    Args:
        fake: The fake Discord to connect to.
        folder: A temporary folder for seeds, index, health file and log.
        fake_retriever: Run with the fake retriever (no model) instead of the real index.
        record: Run on the real index, recording each question and its history (:meth:`asked`).
        watch_imports: Run under :mod:`tests.import_watch`, reporting heavy imports to this file.
        main: Run this module instead (e.g. ``tests.discord.admin_main``).
        **env: Extra environment, e.g. ``DISCORD_TOKEN="wrong"``.
    """

    # Seconds discord.py waits for late GUILD_CREATEs before a shard is ready (tests/discord/guild_wait.py);
    # None leaves its 2 s. The tests set QUICK_GUILD_READY (tests/discord/conftest.py); the benchmarks
    # measure the real wait.
    guild_ready_timeout: float | None = None
    # A migrated SQLite database to copy into a new bot's DATA_DIR (tests/databases.py), so that a start
    # opens a current database as a restart does; None: the bot migrates a new one. Set by the tests.
    sqlite_template: Path | None = None

    def __init__(
        self,
        fake: FakeDiscord,
        folder: Path,
        *,
        fake_retriever: bool = False,
        record: bool = False,
        watch_imports: Path | None = None,
        main: str | None = None,
        **env: str,
    ) -> None:
        self.fake = fake
        self.folder = folder
        self.record_file = folder / "asked.jsonl"
        quick = {} if self.guild_ready_timeout is None else {guild_wait.ENV: str(self.guild_ready_timeout)}
        self.env = bot_env(folder, **{**fake.env(), "RECORD_FILE": str(self.record_file), **quick, **env})
        self.health_file = Path(self.env["HEALTH_FILE"])
        self.log_path = folder / "bot.log"
        if main is not None:
            args = [sys.executable, "-m", main]
        elif fake_retriever:
            args = [sys.executable, "-m", "tests.discord.fake_retriever_main"]
        elif record:
            args = [sys.executable, "-m", "tests.discord.recording_main"]
        else:
            args = [sys.executable, "-m", "bot", "discord"]
            if quick:
                args[2:2] = ["tests.discord.guild_wait"]
        if watch_imports is not None:
            args[2:2] = ["tests.import_watch", str(watch_imports)]
        if self.sqlite_template is not None and not self.env.get("DATABASE_URL") and not self.database().exists():
            databases.sqlite_copy(self.sqlite_template, self.database().parent)
        self.started_at = time.monotonic()
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(args, cwd=folder, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Seconds from process start to READY with commands synced and the health file written."""
        deadline = time.monotonic() + timeout
        while not (self.fake.ready_at and self.fake.commands_synced_at and self.health_file.exists()):
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not get ready:\n{self.log()}")
            time.sleep(0.05)
        return (self.fake.ready_at or 0) - self.started_at

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then the exit status (killing the process if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def asked(self) -> list[dict[str, Any]]:
        """What the retriever was asked, in order (``record=True``): ``{"question": ..., "history": [...]}``."""
        if not self.record_file.exists():
            return []
        return [json.loads(line) for line in self.record_file.read_text(encoding="utf-8").splitlines() if line]

    def connected_shards(self) -> set[int]:
        """The shards this process's health file says are connected (none before it exists)."""
        try:
            shards = json.loads(self.health_file.read_text())["shards"]
        except (OSError, ValueError, KeyError):
            return set()
        return {int(k) for k, v in shards.items() if v["connected"]}

    def wait_for_shards(self, wanted: set[int], timeout: float) -> None:
        """Until every shard in ``wanted`` is connected, or the process has exited (the caller checks which)."""
        self.fake.wait_until(
            lambda: self.connected_shards() >= wanted or self.process.poll() is not None, timeout, "shards"
        )

    def database(self) -> Path:
        """The bot's SQLite database, in its DATA_DIR (by default ``data`` in its folder)."""
        data = Path(self.env.get("DATA_DIR") or "data")
        return (data if data.is_absolute() else self.folder / data) / "citebot.db"

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")


def user_ids(first: int) -> Callable[[], int]:
    """A module's source of new user ids, from its own range, so that the rate limit of one test's
    user is never another test's."""
    ids = count(first)
    return lambda: next(ids)


def module_fake() -> Iterator[FakeDiscord]:
    """The body of a module's ``fake`` fixture: one fake Discord for the module's bot."""
    with FakeDiscord(heartbeat_interval=1.0) as server:
        yield server


def running(process: BotProcess) -> Iterator[BotProcess]:
    """The body of a module's ``bot`` fixture: the process once ready, stopped afterwards."""
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()

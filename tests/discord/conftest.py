"""What the Discord tests' bot processes start with (tests/discord/harness.py).

- They wait 0.2 s, not discord.py's 2 s, for guilds the fake has sent already
  (tests/discord/guild_wait.py). From a shard's READY to its last GUILD_CREATE reaching discord.py
  took at most 11 ms over 32 sessions of the Discord tests at a load average of 3 to 6
  (docs/testing.md, "Figures, session 6"); 0.2 s leaves a wide margin, and a later one is still taken.
- A bot on SQLite starts on a copy of a migrated database, as at a restart (tests/databases.py).
  Starting on a new database, which migrates it, is tested by tests/db/test_migrations.py and by
  the first process of each test of tests/discord/test_shards.py (on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.discord.harness import BotProcess

GUILD_READY_TIMEOUT = 0.2


@pytest.fixture(scope="module", autouse=True)  # before the module's own fixtures, which may start a bot
def _bots_start_quickly(sqlite_template: Path) -> Iterator[None]:
    BotProcess.guild_ready_timeout = GUILD_READY_TIMEOUT
    BotProcess.sqlite_template = sqlite_template
    try:
        yield
    finally:  # the bots of other folders' tests (tests/test_no_torch.py) start as they always have
        BotProcess.guild_ready_timeout = None
        BotProcess.sqlite_template = None

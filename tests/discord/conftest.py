"""What the Discord tests' bot processes start with (tests/discord/harness.py).

- They wait 0.2 s (``QUICK_GUILD_READY``), not discord.py's 2 s, for guilds the fake has sent
  already (tests/discord/guild_wait.py).
- A bot on SQLite starts on a copy of a migrated database, as at a restart (tests/databases.py).
  Starting on a new database, which migrates it, is tested by tests/db/test_migrations.py and by
  the first process of each test of tests/discord/test_shards.py (on PostgreSQL).

``fake`` is a fake Discord of the test's own. A module whose bot serves all its tests defines a
module-scoped ``fake`` instead (tests/discord/harness.py: ``module_fake``), as does one that needs
another kind (more guilds, more shards).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.discord.harness import QUICK_GUILD_READY, BotProcess
from tests.fake_discord import FakeDiscord


@pytest.fixture(scope="module", autouse=True)  # before the module's own fixtures, which may start a bot
def _bots_start_quickly(sqlite_template: Path) -> Iterator[None]:
    BotProcess.guild_ready_timeout = QUICK_GUILD_READY
    BotProcess.sqlite_template = sqlite_template
    try:
        yield
    finally:  # other folders' tests choose for themselves
        BotProcess.guild_ready_timeout = None
        BotProcess.sqlite_template = None


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    """A fake Discord for this test alone."""
    with FakeDiscord() as server:
        yield server

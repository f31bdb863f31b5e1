"""``python -m bot discord`` on the command line: no token, a refused token, no Discord at all."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.discord.harness import BotProcess
from tests.fake_discord import FakeDiscord
from tests.helpers import run_bot

pytestmark = pytest.mark.process


def run_discord(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_bot("discord", cwd=tmp_path, drop_prefix="DISCORD_", **env)


def test_missing_token_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    """Without DISCORD_TOKEN the bot exits 2 at once with one ConfigError line on stderr naming the setting."""
    result = run_discord(tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "ConfigError: DISCORD_TOKEN is not set: put the bot token in .env or the environment (see docs/discord.md)"
    ]


def test_blank_token_in_env_file_counts_as_missing(tmp_path: Path) -> None:
    """A .env copied from .env.example (DISCORD_TOKEN= with nothing after it) gives the same exit 2 and line."""
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\n")
    result = run_discord(tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("ConfigError: DISCORD_TOKEN is not set")


def test_rejected_token_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    """A token Discord rejects ends the process with status 2 and one ConfigError line naming DISCORD_TOKEN."""
    # Logging in does not involve the index: the fake retriever spares the process the model's start-up.
    with FakeDiscord() as fake:
        refused = BotProcess(fake, tmp_path, fake_retriever=True, DISCORD_TOKEN="not-the-token")
        try:
            assert refused.wait(90) == 2
        finally:
            refused.stop()
    lines = refused.log().strip().splitlines()
    assert lines[-1].startswith("ConfigError: Discord rejected DISCORD_TOKEN")
    assert "Traceback" not in refused.log()


@pytest.mark.model  # the bot builds and opens its index before it connects
def test_unreachable_discord_exits_1_with_one_clear_line(tmp_path: Path) -> None:
    """A Discord that cannot be reached (DNS failure) ends in one ServiceUnreachableError line and exit 1."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Alpha paragraph about boats.\n")
    result = run_discord(
        tmp_path,
        DISCORD_TOKEN="fake",
        DISCORD_API_BASE="http://discord.invalid/api/v10",
        SEEDS_DIR=str(seeds),
        INDEX_DIR=str(tmp_path / "index"),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("ServiceUnreachableError: cannot reach Discord")

"""A bot checks what it can of the database before it opens the index: after an upgrade the index may be
rebuilt first, for minutes, and a bad DATABASE_URL was said only then."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def never_opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Opening (or rebuilding) the index fails the test; the bots run from a folder of their own."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DATA_DIR", "DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def opened(*_: object, **__: object) -> None:
        raise AssertionError("the index was opened before the database settings were checked")

    monkeypatch.setattr("bot.discord.client.open_retriever", opened)
    monkeypatch.setattr("bot.slack.serve.open_retriever", opened)


BOTS = {
    "discord": {"DISCORD_TOKEN": "x"},
    "slack": {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
}


@pytest.mark.parametrize("bot", sorted(BOTS))
def test_a_bad_database_url_is_said_before_the_index_is_opened(
    bot: str, never_opened: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {**BOTS[bot], "DATABASE_URL": "postgres://citebot:pw@db/citebot"}.items():
        monkeypatch.setenv(name, value)
    assert main([bot]) == 2
    err = capsys.readouterr().err
    assert err.startswith("DatabaseConfigError: DATABASE_URL 'postgres://citebot:***@db/citebot' names the driver")
    assert err.count("\n") == 1


@pytest.mark.parametrize("bot", sorted(BOTS))
def test_a_data_dir_that_cannot_be_made_is_said_before_the_index_is_opened(
    bot: str, never_opened: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file where DATA_DIR's folder would go\n", encoding="utf-8")
    for name, value in {**BOTS[bot], "DATA_DIR": str(tmp_path / "taken" / "data")}.items():
        monkeypatch.setenv(name, value)
    assert main([bot]) == 1
    err = capsys.readouterr().err
    assert err.startswith("DatabaseUnavailableError: cannot open the database sqlite+aiosqlite:///")
    assert "it is a file, not a folder" in err and "DATA_DIR" in err and err.count("\n") == 1
    assert not (tmp_path / "data").exists()

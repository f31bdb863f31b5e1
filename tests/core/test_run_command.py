"""`python -m bot run` (what `make run` starts): the bot whose token is set, else the terminal chat, and a line
saying which when that is not what the settings might suggest."""

from __future__ import annotations

import argparse

import pytest

from bot import cli
from bot.core import wording
from bot.core.settings import Settings


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The front ends `run` starts, by name (none really starts)."""
    names: list[str] = []
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def command(name: str):
        def run(settings: Settings, args: argparse.Namespace) -> int:
            names.append(name)
            return 0

        return run

    monkeypatch.setattr(cli, "_command", command)
    return names


def _run(**tokens: str) -> int:
    return cli.cmd_run(Settings(_env_file=None, **tokens), argparse.Namespace())


def test_both_tokens_run_discord_and_say_how_to_run_slack_too(
    started: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """With DISCORD_TOKEN and SLACK_BOT_TOKEN both set, Slack was left unserved without a word."""
    assert _run(discord_token="x", slack_bot_token="xoxb-1") == 0
    assert started == ["discord"]
    assert capsys.readouterr().err.strip() == wording.BOTH_TOKENS
    assert "python -m bot slack" in wording.BOTH_TOKENS


@pytest.mark.parametrize(
    ("tokens", "front_end"), [({"discord_token": "x"}, "discord"), ({"slack_bot_token": "xoxb-1"}, "slack")]
)
def test_one_token_runs_its_bot_without_a_word(
    started: list[str], capsys: pytest.CaptureFixture[str], tokens: dict[str, str], front_end: str
) -> None:
    assert _run(**tokens) == 0
    assert started == [front_end]
    assert capsys.readouterr().err == ""


def test_no_token_runs_the_chat_and_names_both_tokens(started: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _run() == 0
    assert started == ["chat"]
    said = capsys.readouterr().err.strip()
    assert said == wording.NO_TOKEN_CHAT and "DISCORD_TOKEN" in said and "SLACK_BOT_TOKEN" in said

"""EVENT_LOOP picks the bots' event loop: uvloop by default, asyncio's own on request or where uvloop is missing.

The bots themselves run on the default in the Discord and Slack end-to-end tests, which check
the line the bot logs naming its loop.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest
import uvloop

from bot.cli import main
from bot.core.loop import run_on
from bot.core.settings import Settings


async def running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_uvloop_is_the_default() -> None:
    assert Settings(_env_file=None).event_loop == "uvloop"  # type: ignore[call-arg]


@pytest.mark.parametrize(("setting", "kind"), [("uvloop", uvloop.Loop), ("asyncio", asyncio.BaseEventLoop)])
def test_the_setting_picks_the_loop_and_the_log_names_it(
    setting: str, kind: type, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("EVENT_LOOP", setting)
    caplog.set_level(logging.INFO, logger="bot.core.loop")
    loop = run_on(running_loop(), Settings(_env_file=None).event_loop)  # type: ignore[call-arg]
    assert isinstance(loop, kind)
    assert isinstance(loop, uvloop.Loop) == (setting == "uvloop")
    assert loop.is_closed()  # run to its end, as asyncio.run does
    assert caplog.messages == [f"Event loop: {setting}"]


def test_without_uvloop_installed_the_bots_run_on_asyncio_and_say_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    caplog.set_level(logging.INFO, logger="bot.core.loop")
    loop = run_on(running_loop(), "uvloop")
    assert not isinstance(loop, uvloop.Loop)
    assert caplog.messages == [
        "EVENT_LOOP=uvloop, but uvloop is not installed: running on asyncio's loop",
        "Event loop: asyncio",
    ]


def test_an_unknown_loop_is_one_line_naming_the_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    monkeypatch.setenv("EVENT_LOOP", "tokio")
    monkeypatch.setenv("DISCORD_TOKEN", "unused")
    assert main(["discord"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "ConfigError: setting EVENT_LOOP: Input should be 'uvloop' or 'asyncio' (see .env.example)"

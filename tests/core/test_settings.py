"""Settings from .env and the environment: a bad value is one line and exit status 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.core.settings import Settings


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder of our own, with no setting in the environment to mask its .env."""
    monkeypatch.chdir(tmp_path)
    for name in ("LOG_LEVEL", "DISCORD_TOKEN", "SEEDS_DIR", "INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return code, err


def test_an_unknown_log_level_is_one_line_naming_the_choices(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / ".env").write_text("LOG_LEVEL=LOUD\n")
    code, err = one_line_error(capsys, ["ask", "anything"])
    assert code == 2
    assert err.startswith("ConfigError: setting LOG_LEVEL:") and "'DEBUG'" in err


def test_a_log_level_in_any_case_is_accepted(workdir: Path) -> None:
    (workdir / ".env").write_text("LOG_LEVEL= warning\n")
    assert Settings().log_level == "WARNING"


def test_an_env_file_that_is_not_utf8_is_one_line_naming_the_byte(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / ".env").write_bytes(b"# ok\nDISCORD_TOKEN=\xff\xfe\n")
    code, err = one_line_error(capsys, ["ask", "anything"])
    assert code == 2
    assert err == "ConfigError: .env is not UTF-8 text (byte 20 is not valid): save it as UTF-8 (see .env.example)"


def test_a_build_embeds_on_every_core_and_never_on_fewer_threads_than_serving(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core import runtime

    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 4)
    assert runtime.build_threads(Settings()) == 4
    assert runtime.build_threads(Settings(embed_threads=8)) == 8
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: None)
    assert runtime.build_threads(Settings()) == 1

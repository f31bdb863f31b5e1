"""Settings from .env and the environment: a bad value is one line and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
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


def test_serving_shares_one_session_of_a_thread_per_worker_and_a_build_one_of_a_thread_per_core(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bots open the index with a session of EMBED_THREADS threads a core; `index` embeds one
    batch at a time on every core (EMBED_THREADS raised to the cores), so not on the cores squared."""
    from bot.core import runtime
    from bot.terminal import commands
    from index.query import Retriever

    opened: list[tuple[int, int | None]] = []

    def record(*_: object, embed_threads: int, workers: int | None, **__: object) -> object:
        opened.append((embed_threads, workers))
        raise SystemExit(0)

    monkeypatch.setattr(Retriever, "open", record)
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 4)
    with pytest.raises(SystemExit):
        runtime.open_retriever(Settings())
    with pytest.raises(SystemExit):
        commands.cmd_index(Settings(), argparse.Namespace(full=False))
    assert opened == [(1, None), (4, 1)]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_a_blank_setting_is_its_default(workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """.env.example: "blank means not set". `TOP_K=` was an error, and `DATA_DIR=` or `INDEX_DIR=` the
    working folder (the database written there, the index refused as holding the sources)."""
    monkeypatch.delenv(name.upper(), raising=False)
    default = Settings().model_dump()[name]
    (workdir / ".env").write_text(f"{name.upper()}=\n")
    assert Settings().model_dump()[name] == default
    (workdir / ".env").write_text(f"{name.upper()}=  \n")
    assert Settings().model_dump()[name] == default


def test_a_blank_environment_variable_leaves_the_env_file_its_say(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`TOP_K=` in the environment (a compose file passing an unset variable on) is not set: .env's value holds."""
    (workdir / ".env").write_text("TOP_K=5\nDATA_DIR=/srv/citebot\n")
    monkeypatch.setenv("TOP_K", "")
    monkeypatch.setenv("DATA_DIR", "")
    assert (Settings().top_k, Settings().data_dir) == (5, Path("/srv/citebot"))


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_that_cannot_be_listened_on_is_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    """SLACK_PORT=99999 was accepted, and `slack` ended in aiohttp's OverflowError traceback after reaching Slack."""
    (workdir / ".env").write_text(f"SLACK_PORT={port}\n")
    code, err = one_line_error(capsys, ["slack"])
    assert code == 2
    assert err.startswith("ConfigError: setting SLACK_PORT:")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            "INDEX_DIR=/srv/citebot\nDATA_DIR=/srv/citebot/data\n",
            "DATA_DIR=/srv/citebot/data is inside INDEX_DIR=/srv/citebot",
        ),
        ("INDEX_DIR=.index\nDATA_DIR=.index\n", "DATA_DIR=.index is inside INDEX_DIR=.index"),
        ("INDEX_DIR=/srv/citebot\nHEALTH_FILE=/srv/citebot/health\n", "HEALTH_FILE=/srv/citebot/health is inside"),
        (
            "INDEX_DIR=/srv/citebot\nDATABASE_URL=sqlite+aiosqlite:////srv/citebot/bot.db\n",
            "DATABASE_URL's SQLite file=/srv/citebot/bot.db is inside INDEX_DIR=/srv/citebot",
        ),
        (
            "INDEX_DIR=.index\nDATABASE_URL=sqlite+aiosqlite:///.index/bot.db?timeout=5\n",
            "DATABASE_URL's SQLite file=.index/bot.db",
        ),
    ],
)
def test_a_file_of_the_bots_inside_the_index_folder_is_refused_at_start(
    workdir: Path, capsys: pytest.CaptureFixture[str], env: str, says: str
) -> None:
    """The database (or the health file) made inside INDEX_DIR worked until the index was first rebuilt, which
    then refused INDEX_DIR as "a folder holding files citebot did not write (data)"."""
    (workdir / ".env").write_text(env)
    code, err = one_line_error(capsys, ["health"])
    assert code == 2
    assert err.startswith(f"ConfigError: {says}") and "give INDEX_DIR a folder of its own" in err


def test_the_data_folder_may_hold_the_index_folder_and_is_unused_with_postgresql(workdir: Path) -> None:
    (workdir / ".env").write_text("INDEX_DIR=/srv/citebot/index\nDATA_DIR=/srv/citebot\n")
    assert Settings().data_dir == Path("/srv/citebot")
    (workdir / ".env").write_text(
        "INDEX_DIR=/srv/citebot\nDATA_DIR=/srv/citebot/data\nDATABASE_URL=postgresql+asyncpg://h/db\n"
    )
    assert Settings().data_dir == Path("/srv/citebot/data")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            "ASK_CHANNELS=<#123456789012345678>",
            "setting ASK_CHANNELS: '<#123456789012345678>' is not a Discord ID: digits",
        ),
        ("SOURCE_GUILDS=123,my-server", "setting SOURCE_GUILDS: 'my-server' is not a Discord ID: digits"),
        (
            "SLACK_CHANNELS=#general",
            "setting SLACK_CHANNELS: '#general' is not a Slack channel ID: C0123ABCD, not its #name",
        ),
        ("SLACK_CHANNELS=C0123ABCD,general", "setting SLACK_CHANNELS: 'general' is not a Slack channel ID"),
        ("ADMIN_USER_GROUP=@admins", "setting ADMIN_USER_GROUP: '@admins' is not a Slack user group ID (S0123ABCD"),
    ],
)
def test_a_name_where_an_id_goes_is_one_line_naming_where_to_find_the_id(
    workdir: Path, capsys: pytest.CaptureFixture[str], env: str, says: str
) -> None:
    """SLACK_CHANNELS=#general and ADMIN_USER_GROUP=@admins were taken, and matched no channel or group (a question
    channel silently ignored); ASK_CHANNELS=<#id> said "invalid literal for int() with base 10"."""
    (workdir / ".env").write_text(env + "\n")
    code, err = one_line_error(capsys, ["health"])
    assert code == 2 and err.startswith(f"ConfigError: {says}"), err


def test_ids_are_read_as_given(workdir: Path) -> None:
    (workdir / ".env").write_text(
        "ASK_CHANNELS=1, 2\nSLACK_CHANNELS=C0123ABCD G0456 D0789\nADMIN_USER_GROUP= S0ADMINS \n"
    )
    settings = Settings()
    assert settings.ask_channels == frozenset({1, 2})
    assert settings.slack_channels == frozenset({"C0123ABCD", "G0456", "D0789"})
    assert settings.admin_user_group == "S0ADMINS"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ("RETENTION_DAYS=1000000000", "setting RETENTION_DAYS: Input should be less than or equal to 36500"),
        ("RATE_LIMIT_SECONDS=inf", "setting RATE_LIMIT_SECONDS: Input should be a finite number"),
    ],
)
def test_a_value_past_what_can_be_counted_is_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], env: str, says: str
) -> None:
    """RETENTION_DAYS=1000000000 (for "keep them all") ended in an OverflowError traceback when the database opened,
    and 999999999 in a failed prune every day; RATE_LIMIT_SECONDS=inf let a person ask five questions, ever."""
    (workdir / ".env").write_text(env + "\n")
    code, err = one_line_error(capsys, ["health"])
    assert code == 2 and err.startswith(f"ConfigError: {says}"), err

"""SHARD_COUNT and SHARD_IDS: what a process runs, and one clear line (exit status 2) for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.core.settings import Settings, parse_shard_ids


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    ("text", "ids"),
    [("0,1", (0, 1)), ("2 3", (2, 3)), ("0-3", (0, 1, 2, 3)), ("0-1, 5", (0, 1, 5)), ("7", (7,)), ("  ", None)],
)
def test_shard_ids_are_ids_and_ranges(text: str, ids: tuple[int, ...] | None) -> None:
    """Ids and ranges, by commas or spaces, in the order given; blank is unset."""
    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0,x", "'x' is not a shard id"),
        ("3-1", "runs backwards"),
        ("0,1,1", "shard 1 is listed twice"),
        ("0-2,2", "shard 2 is listed twice"),
        ("-1", "'-1' is not a shard id"),
    ],
)
def test_bad_shard_ids_say_what_is_wrong(text: str, says: str) -> None:
    """A part that is not an id or a range, a backwards range or a repeated id is refused, naming it."""
    with pytest.raises(ValueError, match=says):
        parse_shard_ids(text)


def test_unset_runs_what_discord_recommends() -> None:
    """Neither set: no count and no ids (the client asks Discord how many shards to run)."""
    config = settings()
    assert config.shard_count is None
    assert config.shard_ids is None


def test_count_and_ids_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SHARD_COUNT=4 and SHARD_IDS=2-3 from the environment: this process runs shards 2 and 3 of 4."""
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "2-3")
    config = settings()
    assert (config.shard_count, config.shard_ids) == (4, (2, 3))


def test_blank_values_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """`SHARD_COUNT=` and `SHARD_IDS=`, as in a .env copied from .env.example, mean unset."""
    monkeypatch.setenv("SHARD_COUNT", "")
    monkeypatch.setenv("SHARD_IDS", "")
    config = settings()
    assert (config.shard_count, config.shard_ids) == (None, None)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"SHARD_IDS": "0,1"}, "needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3,4"}, "shard 4 does not exist with SHARD_COUNT=4"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,0"}, "shard 0 is listed twice"),
        ({"SHARD_COUNT": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_sharding_is_refused(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str) -> None:
    """Ids without a count, ids outside 0..N-1, duplicates and a count of 0 are refused by the settings."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=says):
        settings()


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"SHARD_COUNT": "4", "SHARD_IDS": "1,4"},
            "ConfigError: setting SHARD_IDS: shard 4 does not exist with SHARD_COUNT=4 (ids run 0 to 3)"
            " (see .env.example)",
        ),
        (
            {"SHARD_IDS": "0"},
            "ConfigError: setting SHARD_IDS: needs SHARD_COUNT too (the total number of shards, across every process)"
            " (see .env.example)",
        ),
    ],
)
def test_bad_sharding_is_one_line_and_status_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], env: dict[str, str], line: str
) -> None:
    """`python -m bot discord` with bad sharding: exit status 2 and exactly one line on stderr, no traceback."""
    monkeypatch.chdir(tmp_path)  # no .env here
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["discord"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [line]

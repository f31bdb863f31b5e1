"""The health command: index whole and bot connected, or one line saying what is wrong."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from bot.core.health import MAX_AGE, check, main
from bot.core.runtime import HealthBeacon
from bot.core.settings import Settings
from index import store
from tests.helpers import write_tiny_index


def _settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, index_dir=tmp_path / "index", health_file=tmp_path / "citebot.health")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings over a whole index and a health file touched just now."""
    settings = _settings(tmp_path)
    write_tiny_index(settings.index_dir)
    settings.health_file.touch()
    return settings


def test_fresh_health_file_and_whole_index_is_healthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """A whole index and a file touched just now: exit 0 and one 'healthy' line on stdout."""
    assert main(settings) == 0
    out, err = capsys.readouterr()
    assert out.startswith("healthy: index of 1 chunks")
    assert out.count("\n") == 1
    assert err == ""


def test_stale_health_file_is_unhealthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """A file last touched longer ago than MAX_AGE means the connection is down: exit 1."""
    old = time.time() - MAX_AGE - 5
    os.utime(settings.health_file, (old, old))
    assert main(settings) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("unhealthy: not connected:")
    assert "touched 95 s ago" in err
    assert err.count("\n") == 1


def test_age_just_under_limit_is_healthy(settings: Settings) -> None:
    """A file touched 89 s ago still counts as connected."""
    now = settings.health_file.stat().st_mtime + MAX_AGE - 1
    assert check(settings, now=now)[0] is True


def test_missing_health_file_is_unhealthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """No health file (the bot never connected): exit 1, naming the file."""
    settings.health_file.unlink()
    assert main(settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("unhealthy: not connected: no health file at")
    assert str(settings.health_file) in err


def test_missing_index_is_unhealthy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No index at all: exit 1 with the index error, which names the command that fixes it."""
    settings = _settings(tmp_path)
    settings.health_file.touch()
    assert main(settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("unhealthy: no index in")
    assert "python -m bot index" in err
    assert err.count("\n") == 1


def test_corrupt_manifest_is_unhealthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """A manifest that is not JSON: exit 1, 'damaged'."""
    (settings.index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    assert main(settings) == 1
    assert "is damaged" in capsys.readouterr().err


def test_truncated_index_file_is_unhealthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """A vector file shorter than the manifest records: exit 1, naming the file."""
    path = settings.index_dir / "chunks.vectors.npy"
    path.write_bytes(path.read_bytes()[:10])
    assert main(settings) == 1
    err = capsys.readouterr().err
    assert "is damaged" in err
    assert "chunks.vectors.npy" in err


def test_missing_index_file_is_unhealthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """A file the manifest lists is gone: exit 1, naming the file."""
    (settings.index_dir / "chunks.jsonl").unlink()
    assert main(settings) == 1
    assert "chunks.jsonl is missing" in capsys.readouterr().err


def test_health_command_runs_through_the_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m bot health` reads INDEX_DIR and HEALTH_FILE from the environment."""
    from bot.cli import main as cli_main

    monkeypatch.setenv("INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("HEALTH_FILE", str(settings.health_file))
    assert cli_main(["health"]) == 0
    settings.health_file.unlink()
    assert cli_main(["health"]) == 1


def test_an_index_of_another_format_is_unhealthy(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """An index an older citebot wrote (a process of the previous release still building beside the new one)
    passed as whole, though this version cannot read it (docs/deploy.md: "with the expected format version")."""
    path = settings.index_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format_version": store.FORMAT_VERSION - 1}), encoding="utf-8")
    assert main(settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("unhealthy: the index in") and err.count("\n") == 1
    assert f"index format {store.FORMAT_VERSION - 1}, this version reads {store.FORMAT_VERSION}" in err


async def test_a_database_that_stops_answering_is_said_while_the_bot_stays_healthy(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The health file said nothing of the database: while it was down (answers without buttons, nothing logged,
    the rate limit counted in each process) `python -m bot health` said all was well, in the same words."""
    answers = [True]

    async def database() -> bool:
        return answers[0]

    beacon = HealthBeacon(settings.health_file, lambda: True, database=database)
    await beacon.step()
    assert main(settings) == 0
    assert "has not answered" not in capsys.readouterr().out
    answers[0] = False
    await beacon.step()
    down_since = json.loads(settings.health_file.read_text(encoding="utf-8"))["database"]["since"]
    healthy, line = check(settings, now=down_since + 40)
    assert healthy and line.startswith("healthy: index of 1 chunks")
    assert "; the database has not answered for 40 s: questions are answered without buttons" in line
    await beacon.step()  # still down: since when it first failed
    assert json.loads(settings.health_file.read_text(encoding="utf-8"))["database"]["since"] == down_since
    answers[0] = True
    await beacon.step()
    assert "has not answered" not in check(settings)[1]


async def test_the_shards_and_the_database_are_both_said(settings: Settings) -> None:
    async def down() -> bool:
        return False

    report = '{"shard_count": 2, "shards": {"0": {"connected": true, "since": 1.0, "latency_ms": 40.0}}}'
    beacon = HealthBeacon(settings.health_file, lambda: True, report=lambda: report, database=down)
    await beacon.step()
    healthy, line = check(settings)
    assert healthy and "shards 0 of 2 connected (heartbeat latency 40 ms); the database has not answered" in line

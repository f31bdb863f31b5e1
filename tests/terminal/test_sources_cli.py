"""`python -m bot add`, `remove` and `sources` as processes: output, JSON, and bad input as one line, status 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, run_bot
from tests.pages import page_server

pytestmark = pytest.mark.process


def seeds_in(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.txt").write_text("The harbour of Vell was dredged in 1911.\n", encoding="utf-8")
    return seeds


def one_line_refusal(result, pattern: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert pattern in lines[0]
    assert result.stdout == ""


def test_bad_input_is_one_line_and_status_2(tmp_path: Path) -> None:
    seeds = seeds_in(tmp_path)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    env = {"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "index")}
    one_line_refusal(run_bot("add", "missing.txt", cwd=tmp_path, **env), "cannot add missing.txt: no such file")
    one_line_refusal(run_bot("add", "notes.docx", cwd=tmp_path, **env), ".docx is not a source format")
    one_line_refusal(run_bot("add", "ftp://example.org/a", cwd=tmp_path, **env), "ftp is not allowed")
    with page_server() as site:
        refused = run_bot("add", f"{site}/travel/night-trains", cwd=tmp_path, **env)
    one_line_refusal(refused, "127.0.0.1 is a loopback address; set ALLOW_PRIVATE_URLS=true")
    assert sorted(p.name for p in seeds.iterdir()) == ["harbour.txt"]  # nothing written


@pytest.mark.model
def test_add_list_and_remove(tmp_path: Path) -> None:
    seeds = seeds_in(tmp_path)
    env = {"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "index"), "ALLOW_PRIVATE_URLS": "true"}
    with page_server() as site:
        added = run_bot("add", f"{site}/notes/harmonica.md", cwd=tmp_path, timeout=180, **env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added harmonica.md  \u201cThe Glass Harmonica\u201d  ")
    assert f"{site}/notes/harmonica.md" in added.stdout
    listed = run_bot("sources", "--json", cwd=tmp_path, **env)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["name"] for r in rows] == ["harbour.txt", "harmonica.md"]
    assert rows[1]["url"] == f"{site}/notes/harmonica.md" and rows[1]["chunks"] >= 1 and rows[1]["added"]
    plain = run_bot("sources", cwd=tmp_path, **env)
    assert plain.stdout.splitlines()[0].startswith("harbour.txt  \u201charbour\u201d  1 chunk  added ")
    refused = run_bot("remove", "harbour.txt", cwd=tmp_path, **env)
    one_line_refusal(refused, "not added by `python -m bot add`, so it is left alone")
    removed = run_bot("remove", "harmonica.md", cwd=tmp_path, timeout=180, **env)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("removed harmonica.md")
    assert sorted(p.name for p in seeds.iterdir()) == ["harbour.txt", "titles.toml"]
    assert "harmonica.md" not in (seeds / "titles.toml").read_text(encoding="utf-8")


# `python -m bot add` whose index update is where SIGTERM (`docker stop`, `kill`) finds it: the file is placed and
# titles.toml saved, and the process is told to stop before the index is written.
_SIGTERM_DURING_ADD = """
import os, signal, sys, threading
from bot import cli
from bot.core import library

def update(settings, say, **_):
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Event().wait(120)  # the handler runs here; killed outright, nothing after this line runs either
    raise AssertionError("SIGTERM did not stop the add")

library._update = update
sys.argv[0] = "python -m bot"
sys.exit(cli.main(["add", sys.argv[1]]))
"""


def test_sigterm_during_an_add_puts_the_sources_back(tmp_path: Path) -> None:
    """Killed by SIGTERM mid-add, the file stayed in the sources and titles.toml named it, the index without it:
    a running bot then noted in its answers that the sources had changed."""
    seeds = seeds_in(tmp_path)
    (seeds / "titles.toml").write_text('"harbour.txt" = "The harbour"\n', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day.\n", encoding="utf-8")
    env = {**os.environ, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "index")}
    done = subprocess.run(
        [sys.executable, "-c", _SIGTERM_DURING_ADD, str(new)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before

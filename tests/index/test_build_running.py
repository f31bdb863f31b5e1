"""While a build holds the lock, answers do not tell users to rebuild (index/store.py, index/sources.py)."""

from __future__ import annotations

import concurrent.futures
import threading
from pathlib import Path

import pytest

from index import staleness
from index.sources import SOURCES_CHANGED, SourceWatch, snapshot
from index.store import build_lock, build_running


def test_build_running_sees_the_lock_held_by_another_descriptor(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert build_running(index) is False  # nothing ever built: no lock file
    with build_lock(index):
        assert build_running(index) is True
    assert build_running(index) is False


def test_the_sources_changed_note_waits_while_a_build_runs(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("One source.\n", encoding="utf-8")
    watch = SourceWatch(seeds, snapshot(seeds), tmp_path / "index")
    assert watch.notes() == ()
    (seeds / "b.txt").write_text("A source being added.\n", encoding="utf-8")
    with build_lock(tmp_path / "index"):  # `bot add` is building the new index
        assert watch.notes() == ()
    assert watch.notes() == (SOURCES_CHANGED,)  # nobody is building it: the user is told how


def test_no_note_once_a_new_index_waits_to_be_swapped_in(tmp_path: Path) -> None:
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    index.mkdir()
    (seeds / "a.txt").write_text("One source.\n", encoding="utf-8")
    (index / "manifest.json").write_text("{}", encoding="utf-8")
    watch = SourceWatch(seeds, snapshot(seeds), index)
    (seeds / "b.txt").write_text("A source added.\n", encoding="utf-8")
    assert watch.notes() == (SOURCES_CHANGED,)
    (index / "manifest.json.new").write_text('{"v": 2}', encoding="utf-8")
    (index / "manifest.json.new").replace(index / "manifest.json")  # `bot add` swapped a new index in
    assert watch.notes() == ()


def test_a_process_waiting_for_another_build_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two bots started together on an out-of-date index (an upgrade): one builds, and the other waited for
    the lock without a word, for as long as the build took."""
    index = tmp_path / "index"
    said: list[str] = []
    waiting = threading.Event()

    def say(line: str) -> None:
        said.append(line)
        waiting.set()

    built = object()  # the other process's index, current once the lock is ours
    monkeypatch.setattr(staleness, "current_index", lambda *_, **__: (None, built))
    build = staleness.Build(None, None, index, "digest", 254)  # type: ignore[arg-type]  # nothing is built
    with concurrent.futures.ThreadPoolExecutor(1) as pool, build_lock(index):  # the other process's build
        started = pool.submit(
            build.under_lock,
            staleness.Rebuild(staleness.RebuildReason.FORMAT),
            say=say,
            progress=False,
            repair=False,
        )
        assert waiting.wait(timeout=60), "nothing was said while waiting for the lock"
    assert started.result() is built
    assert said == [f"waiting for another process to finish building the index in {index} ..."]


def test_nothing_is_said_when_nobody_else_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = object()
    monkeypatch.setattr(staleness, "current_index", lambda *_, **__: (None, built))
    said: list[str] = []
    build = staleness.Build(None, None, tmp_path / "index", "digest", 254)  # type: ignore[arg-type]
    assert (
        build.under_lock(
            staleness.Rebuild(staleness.RebuildReason.STALE), say=said.append, progress=False, repair=False
        )
        is built
    )
    assert said == []

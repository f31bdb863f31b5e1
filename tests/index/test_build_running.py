"""While a build holds the lock, answers do not tell users to rebuild (index/store.py, index/sources.py)."""

from __future__ import annotations

from pathlib import Path

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

"""Where an index may be written (index/location.py): never over the sources, a file or a
folder citebot did not make; leftovers of killed builds removed only when they are ours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import index.query
from index.errors import IndexLocationError
from index.location import MARKER, builder, remove_leftovers
from index.query import Retriever
from index.store import read_manifest
from tests.helpers import write_tiny_index


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the model fails the test: the checks must come before it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(index.query, "Embedder", refuse)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "article.txt").write_text("Title\n\nOne paragraph about boats.\n", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 keep me")
    return folder


def test_index_dir_equal_to_seeds_dir_is_refused_and_nothing_is_touched(seeds: Path, no_model: None) -> None:
    """The issue's reproduction: SEEDS_DIR == INDEX_DIR is one clear error and the seeds stay whole."""
    before = snapshot(seeds)
    with pytest.raises(IndexLocationError, match="is the sources folder") as caught:
        Retriever.open(seeds, seeds)
    assert "\n" not in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert snapshot(seeds) == before
    assert sorted(p.name for p in seeds.parent.iterdir()) == ["seeds"]


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("seeds/.index", "is inside the sources folder"),
        ("seeds/sub/index", "is inside the sources folder"),
        ("..", "holds the sources folder"),
        (".", "holds the sources folder"),
    ],
)
def test_index_and_seeds_inside_each_other_are_refused(seeds: Path, no_model: None, where: str, problem: str) -> None:
    """INDEX_DIR inside SEEDS_DIR, or SEEDS_DIR inside INDEX_DIR, is refused before anything is written."""
    root = seeds.parent
    before = snapshot(root)
    with pytest.raises(IndexLocationError, match=problem):
        Retriever.open(seeds, root / where)
    assert snapshot(root) == before


def test_index_dir_reached_through_a_symlink_to_the_seeds_is_refused(seeds: Path, no_model: None) -> None:
    """A symbolic link naming the seeds folder is the seeds folder."""
    link = seeds.parent / "link"
    link.symlink_to(seeds, target_is_directory=True)
    with pytest.raises(IndexLocationError, match="is the sources folder"):
        Retriever.open(seeds, link)


def test_index_dir_that_is_a_file_is_refused_and_the_file_kept(seeds: Path, no_model: None) -> None:
    """INDEX_DIR naming a file: refused, and the file is neither moved nor changed."""
    target = seeds.parent / "report.txt"
    target.write_text("my report\n")
    with pytest.raises(IndexLocationError, match="is a file"):
        Retriever.open(seeds, target)
    assert target.read_text() == "my report\n"
    assert sorted(p.name for p in seeds.parent.iterdir()) == ["report.txt", "seeds"]


def test_folder_with_other_files_is_refused_naming_them(seeds: Path, no_model: None) -> None:
    """A folder holding files citebot did not write is refused, naming some of them."""
    other = seeds.parent / "documents"
    other.mkdir()
    (other / "thesis.docx").write_bytes(b"PK\x03\x04")
    (other / "manifest.json").write_text('{"name": "my web app"}')
    with pytest.raises(IndexLocationError, match=r"did not write \(thesis\.docx\)"):
        Retriever.open(seeds, other)
    assert sorted(p.name for p in other.iterdir()) == ["manifest.json", "thesis.docx"]


def test_index_dir_this_user_cannot_reach_is_one_line(
    seeds: Path, no_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """INDEX_DIR below a folder this user may not enter: IndexLocationError, not a PermissionError."""
    target = seeds.parent / "locked" / "index"

    def denied(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "exists", denied)
    with pytest.raises(IndexLocationError, match="cannot be read"):
        Retriever.open(seeds, target)


def test_folder_with_only_a_foreign_manifest_is_refused(tmp_path: Path) -> None:
    """A lone manifest.json that is not citebot's (a web app's) is not an index: write_index refuses it."""
    other = tmp_path / "app"
    other.mkdir()
    (other / "manifest.json").write_text('{"name": "my web app", "icons": []}')
    with pytest.raises(IndexLocationError, match="without a citebot manifest"):
        write_tiny_index(other)
    assert (other / "manifest.json").read_text() == '{"name": "my web app", "icons": []}'


def test_write_index_refuses_a_foreign_folder_even_when_called_directly(tmp_path: Path) -> None:
    """The store itself refuses to replace a folder holding other files, whoever calls it."""
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(IndexLocationError):
        write_tiny_index(other)
    assert (other / "cat.jpg").read_bytes() == b"\xff\xd8"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]


def test_empty_folder_and_existing_index_are_replaced(tmp_path: Path) -> None:
    """An empty folder becomes an index; an index of citebot's is replaced by the next write."""
    target = tmp_path / "index"
    target.mkdir()
    write_tiny_index(target, content_hash="1" * 64)
    assert (target / MARKER).is_file()
    write_tiny_index(target, content_hash="2" * 64)
    assert read_manifest(target)["content_hash"] == "2" * 64


def test_index_without_marker_but_with_a_citebot_manifest_is_replaced(tmp_path: Path) -> None:
    """An index built before build markers existed (its manifest names format and hash) is still ours."""
    target = tmp_path / "index"
    write_tiny_index(target, content_hash="1" * 64)
    (target / MARKER).unlink()
    write_tiny_index(target, content_hash="2" * 64)
    assert read_manifest(target)["content_hash"] == "2" * 64


def test_an_index_of_the_faiss_formats_is_replaced(tmp_path: Path) -> None:
    """An index the previous releases wrote (dense vectors in .faiss files, format 3) is ours: an
    upgrade rebuilds over it instead of refusing the folder."""
    target = tmp_path / "index"
    target.mkdir()
    for name in ("index.faiss", "sentences.faiss", "quotes.faiss", "chunks.jsonl", "quotes.jsonl", "tokens.npy"):
        (target / name).write_bytes(b"old")
    (target / "manifest.json").write_text(json.dumps({"format_version": 3, "content_hash": "0" * 64}))
    write_tiny_index(target, content_hash="2" * 64)
    assert read_manifest(target)["content_hash"] == "2" * 64
    assert not (target / "index.faiss").exists()


def test_index_reached_through_a_symlink_is_replaced_behind_it(tmp_path: Path) -> None:
    """INDEX_DIR as a symbolic link to an index: the index behind it is replaced; the link still leads to it."""
    real_dir = tmp_path / "real"
    write_tiny_index(real_dir, content_hash="1" * 64)
    link = tmp_path / "link"
    link.symlink_to(real_dir, target_is_directory=True)
    write_tiny_index(link, content_hash="2" * 64)
    assert link.is_symlink()
    assert read_manifest(link)["content_hash"] == "2" * 64


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def leftover(parent: Path, name: str, marker: dict[str, object] | None) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "tokens.npy").write_bytes(b"\x00" * 1024)
    if marker is not None:
        (folder / MARKER).write_text(json.dumps(marker))
    return folder


@pytest.mark.process  # a builder process that is gone, for real
def test_killed_builds_folders_are_removed_only_when_ours_and_their_builder_is_gone(tmp_path: Path) -> None:
    """Of four .index.tmp-* folders, only the marked one whose process ended is removed by the next build."""
    index_dir = tmp_path / ".index"
    me = builder()
    gone = leftover(tmp_path, ".index.tmp-gone", {**me, "pid": dead_pid(), "started": ""})
    running = leftover(tmp_path, ".index.tmp-running", me)
    unmarked = leftover(tmp_path, ".index.tmp-unmarked", None)
    elsewhere = leftover(tmp_path, ".index.tmp-elsewhere", {**me, "host": "another-host", "pid": dead_pid()})
    write_tiny_index(index_dir)
    assert not gone.exists()
    assert running.exists()
    assert unmarked.exists()
    assert elsewhere.exists()


def test_reused_pid_does_not_keep_a_leftover(tmp_path: Path) -> None:
    """A marker naming a live pid with another start time (the pid was reused) is stale."""
    marker = {**builder(), "started": "1"}
    folder = leftover(tmp_path, ".index.tmp-reused", marker)
    assert remove_leftovers(tmp_path / ".index") == [".index.tmp-reused"]
    assert not folder.exists()


@pytest.mark.process  # a builder process that is gone, for real
def test_leftover_previous_index_of_a_killed_swap_is_removed(tmp_path: Path) -> None:
    """An .index.old-PID folder holding an index, whose process is gone, is removed; one of a live process is kept."""
    index_dir = tmp_path / ".index"
    write_tiny_index(tmp_path / "template")
    stale = tmp_path / f".index.old-{dead_pid()}"
    live = tmp_path / f".index.old-{os.getpid()}"
    (tmp_path / "template").rename(stale)
    write_tiny_index(live)
    write_tiny_index(index_dir)
    assert not stale.exists()
    assert live.exists()

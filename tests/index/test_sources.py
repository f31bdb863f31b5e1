"""Reading the sources and watching them (index/sources.py): unreadable files skipped with a
reason, changes since the build noticed cheaply, identical passages answered once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from index.errors import NoSourcesError
from index.query import Retriever
from index.sources import SOURCES_CHANGED, SourceWatch, read_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"


def deny(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Reading the file called ``name`` fails as a file of mode 000 does (tests run as root,
    whom no mode stops)."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def test_unreadable_source_is_skipped_with_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be read is skipped, named with why, and the others are read."""
    (tmp_path / "a.txt").write_text("A readable sentence.")
    (tmp_path / "secret.txt").write_text("Locked away.")
    deny(monkeypatch, "secret.txt")
    sources = read_sources(tmp_path)
    assert [d.source for d in sources.documents] == [f"{tmp_path.name}/a.txt"]
    assert sources.skipped == (f"{tmp_path.name}/secret.txt: unreadable (permission denied)",)


def test_only_unreadable_sources_is_no_sources_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When every source is unreadable, the error is the usual one naming the fix."""
    (tmp_path / "secret.txt").write_text("Locked away.")
    deny(monkeypatch, "secret.txt")
    with pytest.raises(NoSourcesError, match="python -m bot index"):
        read_sources(tmp_path)


def test_unreadable_file_becoming_readable_changes_the_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fixing a file's permissions makes the index out of date, so the next open reads it."""
    (tmp_path / "a.txt").write_text("A readable sentence.")
    (tmp_path / "secret.txt").write_text("Locked away.")
    with monkeypatch.context() as patch:
        deny(patch, "secret.txt")
        locked = read_sources(tmp_path).digest
    assert read_sources(tmp_path).digest != locked


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files of any mode")
def test_mode_000_source_is_skipped(tmp_path: Path) -> None:
    """A real file of mode 000 is skipped, not a PermissionError."""
    (tmp_path / "a.txt").write_text("A readable sentence.")
    locked = tmp_path / "secret.txt"
    locked.write_text("Locked away.")
    locked.chmod(0)
    try:
        assert read_sources(tmp_path).skipped == (f"{tmp_path.name}/secret.txt: unreadable (permission denied)",)
    finally:
        locked.chmod(0o600)


@pytest.fixture
def watched(tmp_path: Path) -> tuple[Path, SourceWatch]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("First document.")
    (seeds / "b.md").write_text("# B\n\nSecond document.")
    return seeds, SourceWatch(seeds, read_sources(seeds).stats)


def test_watch_sees_no_change_in_untouched_sources(watched: tuple[Path, SourceWatch]) -> None:
    """Nothing changed: no note."""
    _, watch = watched
    assert watch.notes() == ()


@pytest.mark.parametrize("change", ["edit", "delete", "add", "titles", "same-size edit"])
def test_watch_sees_edits_deletions_and_additions(watched: tuple[Path, SourceWatch], change: str) -> None:
    """Editing, deleting or adding a source (or the titles file) gives the note naming `python -m bot index`."""
    seeds, watch = watched
    if change == "edit":
        (seeds / "a.txt").write_text("First document, edited.")
    elif change == "delete":
        (seeds / "b.md").unlink()
    elif change == "add":
        (seeds / "c.txt").write_text("Third.")
    elif change == "titles":
        (seeds / "titles.toml").write_text('"a.txt" = "A"\n')
    else:
        path = seeds / "a.txt"
        stat = path.stat()
        path.write_text("Fir5t document.")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert watch.notes() == (SOURCES_CHANGED,)
    assert "python -m bot index" in SOURCES_CHANGED


def test_answers_carry_the_note_once_a_source_changes(tmp_path: Path, embedder: object) -> None:
    """An opened retriever's answers and quotations say so after a seed is edited or deleted."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(FIXTURES / "field_notes.md", seeds / "field_notes.md")
    (seeds / "other.txt").write_text("Other\n\nThe ferry leaves at noon.\n")
    retriever = Retriever.open(seeds, tmp_path / "index")
    question = "How many boats did Moreno count?"
    assert SOURCES_CHANGED not in retriever.ask(question).notes
    (seeds / "other.txt").unlink()
    assert SOURCES_CHANGED in retriever.ask(question).notes
    assert SOURCES_CHANGED in retriever.ask_many([question, "   "])[0].notes  # type: ignore[union-attr]
    assert SOURCES_CHANGED in retriever.quotes("boats").notes


def test_duplicate_documents_answer_each_passage_once(tmp_path: Path, embedder: object) -> None:
    """The same document under two names: the top passages are distinct, and the index info counts the repeats."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(FIXTURES / "field_notes.md", seeds / "field_notes.md")
    shutil.copy(FIXTURES / "field_notes.md", seeds / "copy_of_notes.md")
    retriever = Retriever.open(seeds, tmp_path / "index")
    hits = retriever.ask("How many boats did Moreno count?", k=3).hits
    texts = [" ".join(h.text.split()) for h in hits]
    assert len(texts) == len(set(texts))
    assert retriever.info.duplicates == retriever.info.chunks // 2

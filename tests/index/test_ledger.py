"""``titles.toml`` written while a person may be editing it (index/ledger.py): each write reads the file
again at the last moment and keeps the person's edit, refuses when the edit touches the entries it writes,
and putting the file back after a failure takes back only what it wrote. No model: nothing is indexed."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index import ledger as ledger_mod
from index.errors import SourceEditError
from index.ledger import ADDED_BY, Ledger

NOW = datetime(2026, 11, 30, 17, 2, 11, tzinfo=UTC)
HAND = '# titles given by hand\n"harbour.txt" = "The Harbour of Vell"\n'
EDIT = '"orchards.txt" = "Orchards above Vell"\n'


def titles(seeds: Path) -> dict:
    return tomllib.loads((seeds / "titles.toml").read_text(encoding="utf-8"))


def recorded(seeds: Path, name: str = "ferry.txt") -> Ledger:
    """A ledger read now, with ``name`` recorded as added (not yet saved)."""
    ledger = Ledger(seeds)
    ledger.record(name, b"The ferry sails twice a day.\n", url=None, retrieved=None, now=NOW)
    return ledger


def edit(seeds: Path, text: str) -> None:
    """A person saves titles.toml with ``text`` on top (a title line goes before the tables `add` writes)."""
    path = seeds / "titles.toml"
    path.write_text(text + (path.read_text(encoding="utf-8") if path.exists() else ""), encoding="utf-8")


def test_an_edit_made_after_the_read_is_kept_by_the_write(tmp_path: Path) -> None:
    """A person adds a title while ``add`` holds the lock: the write applies ``add``'s entry to the file as it
    is now, keeping their line and comment; it wrote the file as read, losing the edit."""
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    edit(tmp_path, EDIT)
    ledger.save()
    text = (tmp_path / "titles.toml").read_text(encoding="utf-8")
    assert text.startswith(EDIT + HAND)
    assert titles(tmp_path)["ferry.txt"]["added_by"] == ADDED_BY
    assert titles(tmp_path)["orchards.txt"] == "Orchards above Vell"


def test_an_edit_of_the_same_entry_is_refused_and_left_as_edited(tmp_path: Path) -> None:
    """The person gave the very file ``add`` records a title meanwhile: nothing can merge the two, so the
    write refuses in one line and the file is the person's, byte for byte."""
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    edit(tmp_path, '"ferry.txt" = "The Ferry"\n')
    edited = (tmp_path / "titles.toml").read_bytes()
    with pytest.raises(SourceEditError, match=r"ferry\.txt too") as refused:
        ledger.save()
    assert "\n" not in str(refused.value)
    assert (tmp_path / "titles.toml").read_bytes() == edited
    ledger.restore()  # nothing was written, so nothing is taken back
    assert (tmp_path / "titles.toml").read_bytes() == edited


def test_a_file_left_unreadable_by_the_edit_is_refused_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    edit(tmp_path, '"orchards.txt" = \n')  # saved halfway through a line
    edited = (tmp_path / "titles.toml").read_bytes()
    with pytest.raises(SourceEditError, match="not valid TOML"):
        ledger.save()
    assert (tmp_path / "titles.toml").read_bytes() == edited


def test_putting_back_after_a_failure_keeps_an_edit_made_during_the_build(tmp_path: Path) -> None:
    """The index update fails after the ledger was saved, and a person had added a line meanwhile: only
    ``add``'s entry is taken back; the file was written back as first read, losing the edit."""
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    ledger.save()
    edit(tmp_path, EDIT)
    ledger.restore()
    assert (tmp_path / "titles.toml").read_text(encoding="utf-8").startswith(EDIT + HAND)
    assert titles(tmp_path) == {"harbour.txt": "The Harbour of Vell", "orchards.txt": "Orchards above Vell"}


def test_a_file_the_ledger_created_is_removed_only_while_nobody_changed_it(tmp_path: Path) -> None:
    """With no titles.toml at first, a failed add removes the one it wrote, unless a person has written in
    it since: then their lines stay and only ``add``'s entry goes (the file was deleted with their edit)."""
    alone = recorded(tmp_path)
    alone.save()
    alone.restore()
    assert not (tmp_path / "titles.toml").exists()
    edited = recorded(tmp_path)
    edited.save()
    edit(tmp_path, EDIT)
    edited.restore()
    assert titles(tmp_path) == {"orchards.txt": "Orchards above Vell"}


def test_an_entry_the_person_changed_after_the_save_is_theirs_and_stays(tmp_path: Path) -> None:
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    ledger.save()
    path = tmp_path / "titles.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('added_by = "python', 'title = "Mine"\nadded_by = "python')
    )
    ledger.restore()
    assert titles(tmp_path)["ferry.txt"]["title"] == "Mine"


def test_the_rename_waits_for_a_file_that_changed_after_the_last_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person saves between the write's last read and its rename: the rename does not happen, the write
    is made again from their version, and both are kept."""
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    real_read, reads = ledger_mod._read, []

    def read_with_an_edit_in_between(path: Path) -> bytes | None:
        reads.append(path)
        if len(reads) == 2:  # the check just before the first rename
            edit(tmp_path, EDIT)
        return real_read(path)

    monkeypatch.setattr(ledger_mod, "_read", read_with_an_edit_in_between)
    ledger.save()
    assert set(titles(tmp_path)) == {"harbour.txt", "orchards.txt", "ferry.txt"}
    assert len(reads) == 4 and not list(tmp_path.glob(".titles.toml.*"))  # no temporary file left


def test_a_file_that_keeps_changing_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    real_read, edits = ledger_mod._read, iter(range(100))

    def read_while_someone_types(path: Path) -> bytes | None:
        edit(tmp_path, f'"note-{next(edits)}.txt" = "A note"\n')
        return real_read(path)

    monkeypatch.setattr(ledger_mod, "_read", read_while_someone_types)
    with pytest.raises(SourceEditError, match="kept changing"):
        ledger.save()
    assert "ferry.txt" not in titles(tmp_path) and not list(tmp_path.glob(".titles.toml.*"))


MINE = '# My titles.\n"article.txt" = "The article"\n\n["notes.md"]\ntitle = "Notes"  # by hand\n'


def test_add_then_remove_leaves_titles_toml_as_it_was(tmp_path: Path) -> None:
    titles_file = tmp_path / "titles.toml"
    titles_file.write_text(MINE, encoding="utf-8")
    added = Ledger(tmp_path)
    added.record("night-trains.html", b"<p>x</p>", url="https://example.org/n", retrieved=None, now=datetime.now(UTC))
    added.save()
    assert '["night-trains.html"]' in titles_file.read_text(encoding="utf-8")

    removed = Ledger(tmp_path)
    removed.forget("night-trains.html")
    removed.save()

    assert titles_file.read_text(encoding="utf-8") == MINE


def test_putting_back_that_fails_is_logged_and_never_hides_the_error_being_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``restore`` runs while another error is on its way out (a full disk failed the build): a write that
    fails there too is logged, not raised, so the first error is the one the person is told."""
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    ledger = recorded(tmp_path)
    ledger.save()

    def disk_full(path: Path, raw: bytes, **_: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger_mod, "write_atomically", disk_full)
    ledger.restore()
    assert "could not put back" in caplog.text and "No space left on device" in caplog.text


def unreadable_titles(monkeypatch: pytest.MonkeyPatch) -> None:
    """titles.toml without read permission for the bot's user (the tests may run as root, which reads all)."""
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "titles.toml":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def test_a_titles_file_that_cannot_be_read_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``add`` and ``remove`` stop with one line naming the fix (it raised PermissionError, a traceback from
    the command line); ``sources`` shows the list without the dates (bot/core/library.py)."""
    (tmp_path / "titles.toml").write_text(HAND, encoding="utf-8")
    unreadable_titles(monkeypatch)
    with pytest.raises(SourceEditError, match=r"titles\.toml cannot be read \(Permission denied\)") as refused:
        Ledger(tmp_path)
    assert "\n" not in str(refused.value) and "let the bot's user read" in str(refused.value)


def test_a_symlinked_titles_file_stays_a_link_and_its_target_is_written(tmp_path: Path) -> None:
    """A person keeps titles.toml elsewhere and links it into the seeds folder: the write and the putting back
    change the file linked to and keep the link (the rename replaced the link with a copy)."""
    seeds, elsewhere = tmp_path / "seeds", tmp_path / "settings"
    seeds.mkdir()
    elsewhere.mkdir()
    (elsewhere / "titles.toml").write_text(HAND, encoding="utf-8")
    (seeds / "titles.toml").symlink_to(elsewhere / "titles.toml")
    ledger = recorded(seeds)
    ledger.save()
    assert (seeds / "titles.toml").is_symlink()
    assert titles(elsewhere)["ferry.txt"]["added_by"] == ADDED_BY
    ledger.restore()
    assert (seeds / "titles.toml").is_symlink()
    assert (elsewhere / "titles.toml").read_text(encoding="utf-8") == HAND
    assert not list(seeds.glob(".titles.toml.*")) and not list(elsewhere.glob(".titles.toml.*"))


def test_a_save_that_changes_no_entry_leaves_the_file_as_the_person_wrote_it(tmp_path: Path) -> None:
    """``add`` of a file already in the seeds folder records nothing: titles.toml keeps its bytes (its blank
    lines at the end were dropped, a change the index then read as an edit)."""
    mine = HAND + "\n\n"
    (tmp_path / "titles.toml").write_text(mine, encoding="utf-8")
    ledger = Ledger(tmp_path)
    ledger.save()
    assert (tmp_path / "titles.toml").read_text(encoding="utf-8") == mine

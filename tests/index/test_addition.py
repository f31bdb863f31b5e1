"""Placing added sources in the seeds folder (index/addition.py): which name each gets, what is
written, and that a file a person wrote or edited is never overwritten. No model: nothing is indexed."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.addition import Incoming, Placement, resolve
from index.errors import AddSourceError
from index.ledger import Ledger

URL = "https://gazette.example.org/travel/night-trains"
FIRST = b"<html><body><p>The night train leaves at nine.</p></body></html>"
SECOND = b"<html><body><p>The night train leaves at ten.</p></body></html>"


def fetched(raw: bytes) -> Incoming:
    return Incoming(URL, "night-trains.html", raw, URL, datetime(2026, 11, 30, tzinfo=UTC))


def place(seeds: Path, incoming: Incoming) -> tuple[str, list[str]]:
    said: list[str] = []
    ledger = Ledger(seeds)
    name = Placement(seeds, ledger, said.append).place(incoming)
    ledger.save()
    return name, said


def test_a_page_added_again_from_its_url_is_refreshed(tmp_path: Path) -> None:
    place(tmp_path, fetched(FIRST))
    name, said = place(tmp_path, fetched(SECOND))
    assert name == "night-trains.html" and (tmp_path / name).read_bytes() == SECOND
    assert said == [f"refreshed {tmp_path.name}/night-trains.html ({len(SECOND)} bytes)"]


def test_a_page_edited_since_it_was_added_is_not_overwritten_by_a_refresh(tmp_path: Path) -> None:
    place(tmp_path, fetched(FIRST))
    edited = FIRST.replace(b"nine", b"nine (my note: it was late)")
    (tmp_path / "night-trains.html").write_bytes(edited)
    name, said = place(tmp_path, fetched(SECOND))
    assert (tmp_path / "night-trains.html").read_bytes() == edited
    assert name == "night-trains-2.html" and (tmp_path / name).read_bytes() == SECOND
    assert any("adding as night-trains-2.html" in line for line in said)
    # The new copy is the one a later refresh of the same URL updates; the edited one stays as it is.
    name, _ = place(tmp_path, fetched(FIRST))
    assert name == "night-trains-2.html" and (tmp_path / name).read_bytes() == FIRST
    assert (tmp_path / "night-trains.html").read_bytes() == edited


def test_a_hidden_file_inside_the_seeds_folder_is_refused_not_silently_skipped(tmp_path: Path) -> None:
    """The index leaves out hidden files and folders: adding one would do nothing, and say nothing."""
    page = b"# Notes\n\nThe night train leaves at nine.\n"
    for rel in (".drafts/notes.md", ".notes.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(page)
        with pytest.raises(AddSourceError, match=r"hidden.*rename"):
            resolve(str(tmp_path / rel), tmp_path, allow_private=False)
    (tmp_path / "notes.md").write_bytes(page)
    assert resolve(str(tmp_path / "notes.md"), tmp_path, allow_private=False).inside


def test_the_same_file_given_twice_is_written_once(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    copy = Incoming("a/report.md", "report.md", b"# Report\n\nThe line opened in 1911.\n")
    other = Incoming("b/report.md", "report.md", b"# Report\n\nThe line closed in 1967.\n")
    said: list[str] = []
    placement = Placement(seeds, Ledger(seeds), said.append)
    names = [placement.place(one) for one in (copy, copy, other)]
    assert names == ["report.md", "report.md", "report-2.md"]
    assert sorted(p.name for p in seeds.iterdir()) == ["report-2.md", "report.md"]
    assert not any("report.md exists and differs" in line for line in said[:2])


def test_an_empty_name_or_a_pipe_is_refused_in_one_line(tmp_path: Path) -> None:
    """``add ""`` names no file (it was read as the current folder); a pipe would be read until its
    writer closes it, so ``add`` waited forever."""
    with pytest.raises(AddSourceError, match=r"^cannot add '': no file named; give a file's path"):
        resolve("", tmp_path, allow_private=False)
    pipe = tmp_path / "notes.md"
    os.mkfifo(pipe)
    with pytest.raises(AddSourceError, match=r"not a regular file \(a pipe or a device\); copy it to a file first"):
        resolve(str(pipe), tmp_path / "seeds", allow_private=False)

"""What the project writes for others to read (a bot run as another user than the operator who added a
source or built the index: a service account, a container's uid) has the permissions any new file gets,
and a file it rewrites keeps its own."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index import store
from index.ledger import Ledger, write_atomically
from index.location import new_file_mode
from tests.helpers import write_tiny_index


@pytest.fixture(autouse=True)
def umask() -> Iterator[int]:
    """A known umask for the test (it is the process's: restored after)."""
    before = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_mode_of_a_new_file_is_read_from_the_umask() -> None:
    assert (new_file_mode(), new_file_mode(folder=True)) == (0o640, 0o750)


def test_a_new_source_file_gets_a_new_files_mode_not_a_temporary_files(tmp_path: Path) -> None:
    """`bot add` wrote each source, and titles.toml, 0600: a bot running as another user could not read them."""
    write_atomically(tmp_path / "page.html", b"<p>words</p>")
    assert mode(tmp_path / "page.html") == 0o640


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path) -> None:
    """titles.toml, 0644 (readable by the bot's user), became 0600 at the first `bot add`."""
    titles = tmp_path / "titles.toml"
    titles.write_text('"a.txt" = "A"\n', encoding="utf-8")
    titles.chmod(0o664)
    ledger = Ledger(tmp_path)
    ledger.record("b.txt", b"b", url=None, retrieved=None, now=datetime.now(UTC))
    ledger.save()
    assert mode(titles) == 0o664 and "b.txt" in titles.read_text(encoding="utf-8")
    ledger.restore()
    assert mode(titles) == 0o664 and titles.read_text(encoding="utf-8") == '"a.txt" = "A"\n'


def test_a_new_index_folder_gets_a_new_folders_mode(tmp_path: Path) -> None:
    """The index folder was its temporary folder's 0700: built by the operator, unreadable to the bot's user."""
    write_tiny_index(tmp_path / "index")
    assert mode(tmp_path / "index") == 0o750
    assert {mode(p) for p in (tmp_path / "index").iterdir()} == {0o640}


def test_a_rebuilt_index_folder_keeps_the_mode_it_had(tmp_path: Path) -> None:
    write_tiny_index(tmp_path / "index")
    (tmp_path / "index").chmod(0o755)
    write_tiny_index(tmp_path / "index")
    assert mode(tmp_path / "index") == 0o755
    store.load_index(tmp_path / "index")

"""Indexes built once a test run and copied into each test that needs one.

Building an index embeds every passage with the model: seconds of CPU each time. Many
tests need the same small index (the article alone, or the project's seeds) without
testing the build itself; they take a copy of one built here instead. The ``prebuilt``
fixture (tests/conftest.py) hands out a :class:`Prebuilt`:

    seeds, index = prebuilt.copy(tmp_path, ARTICLE)          # tmp_path/seeds and tmp_path/index
    retriever = Retriever.open(seeds, index)                  # current: nothing is built

Each set of files is built once per run (keyed by the files' names and bytes), in a folder
every pytest-xdist worker of the run shares, under a file lock so that two workers never
build the same one; each caller gets its own copy, free to change or damage. A test that
checks what building does (a progress line, a repair) builds its own index instead.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO / "seeds" / "000_a7265f2ac828b9b1.txt"
TITLES = REPO / "seeds" / "titles.toml"  # the article's title
SEEDS = tuple(sorted(p for p in (REPO / "seeds").iterdir() if p.is_file()))  # all of the project's seeds


class Prebuilt:
    """Built indexes of a test run, under ``root`` (shared by the run's workers).

    Args:
        root: A folder for the built indexes; the first worker to need one builds it there.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def index(self, *files: Path) -> Path:
        """The folder of an index of ``files`` (in a seeds folder named ``seeds``): read it, never change it.

        The index is built on first use, with the model, as ``Retriever.open`` builds one.
        """
        key = hashlib.sha256()
        for path in sorted(files, key=lambda p: p.name):
            key.update(f"{path.name}\0{len(path.read_bytes())}\0".encode())
            key.update(path.read_bytes())
        return self.made(f"index-{key.hexdigest()[:16]}", lambda home: self._build(home, files)) / "index"

    def made(self, key: str, make: Callable[[Path], None]) -> Path:
        """A folder that ``make(folder)`` fills, once a run for each ``key``: read it, never change it.

        Args:
            key: Names what ``make`` builds; everything the result depends on must be in it.
            make: Fills the (new, empty) folder it is given, e.g. builds an index in it with the
                ``embedder`` fixture; a test that calls this needs that fixture anyway.
        """
        home = self.root / key
        with FileLock(f"{home}.lock"):
            if not (home / ".done").exists():
                shutil.rmtree(home, ignore_errors=True)  # what a failed test left half done
                home.mkdir()
                make(home)
                (home / ".done").touch()
        return home

    def copy(self, folder: Path, *files: Path) -> tuple[Path, Path]:
        """``folder/seeds`` holding ``files`` and ``folder/index`` their built index, both the caller's own.

        Returns:
            The seeds folder and the index folder.
        """
        built = self.index(*files)
        seeds = folder / "seeds"
        seeds.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copy(path, seeds / path.name)
        shutil.copytree(built, folder / "index")
        return seeds, folder / "index"

    @staticmethod
    def _build(home: Path, files: tuple[Path, ...]) -> None:
        from index.query import Retriever

        seeds = home / "seeds"
        seeds.mkdir()
        for path in files:
            shutil.copy(path, seeds / path.name)
        Retriever.open(seeds, home / "index")

"""The sources: every document of the seeds folder (.txt, .md, .html, .htm, .pdf), read for a
build, and a cheap check of whether they changed since (a helper of index/store.py).

A file that cannot be used (not UTF-8, binary, empty, a damaged or scanned PDF, a page
without an article, unreadable for lack of permission) is skipped with a reason, never fatal. Its name, size and modification time are recorded
with the rest, so making it readable, or editing, adding or removing any source, is noticed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from index.documents import SOURCE_SUFFIXES, Document
from index.errors import NoSourcesError
from index.formats import Entry, Unreadable, parse_titles, read_document

log = logging.getLogger(__name__)

TITLES_FILE = "titles.toml"
# The note an answer carries once the sources differ from those its index was built from.
SOURCES_CHANGED = "sources changed since the index was built: run `python -m bot index`"

# (path relative to the seeds folder, size in bytes, modification time in ns) of each file.
Stat = tuple[str, int, int]


@dataclass(frozen=True)
class Sources:
    """The documents of a seeds folder, and what was skipped and why."""

    documents: tuple[Document, ...]
    skipped: tuple[str, ...]
    digest: str  # sha256 over every file's name and bytes, and the titles file
    stats: tuple[Stat, ...] = ()  # every source file and the titles file, as read


def _candidates(seeds_dir: Path, unreadable: list[str]) -> list[str]:
    """Relative paths of the source files (hidden files and folders left out), sorted."""
    found: list[str] = []

    def note(error: OSError) -> None:
        if error.filename and Path(error.filename) != seeds_dir:
            rel = Path(error.filename).relative_to(seeds_dir).as_posix()
            unreadable.append(f"{rel}/: folder unreadable ({error.strerror or type(error).__name__})")

    for folder, dirs, files in os.walk(seeds_dir, onerror=note):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder).relative_to(seeds_dir)
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in SOURCE_SUFFIXES:
                found.append((base / name).as_posix())
    return sorted(found, key=lambda rel: PurePosixPath(rel).parts)


def _stat(path: Path, rel: str) -> Stat:
    try:
        facts = path.stat()
    except OSError:
        return (rel, -1, -1)
    return (rel, facts.st_size, facts.st_mtime_ns)


def snapshot(seeds_dir: Path) -> tuple[Stat, ...]:
    """Size and modification time of every source file and the titles file: no file is opened."""
    rels = _candidates(seeds_dir, [])
    if (seeds_dir / TITLES_FILE).is_file():
        rels.append(TITLES_FILE)
    return tuple(_stat(seeds_dir / rel, rel) for rel in rels)


def _titles(seeds_dir: Path, digest: hashlib._Hash) -> tuple[dict[str, Entry], Stat | None]:
    path = seeds_dir / TITLES_FILE
    if not path.is_file():
        return {}, None
    stat = _stat(path, TITLES_FILE)  # before reading: an edit during the read shows as a change
    try:
        raw = path.read_bytes()
    except OSError as error:
        log.warning("ignoring %s: %s", path, error.strerror or type(error).__name__)
        digest.update(b"titles\0unreadable")
        return {}, stat
    digest.update(b"titles\0" + raw)
    try:
        return parse_titles(raw), stat
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        log.warning("ignoring %s: %s", path, error)
        return {}, stat


def read_sources(seeds_dir: Path) -> Sources:
    """Read every source file (.txt, .md, .html, .htm, .pdf) under ``seeds_dir``.

    A file that cannot be read as its format (a binary dropped in by mistake, a damaged or
    scanned PDF, a page without an article), or that cannot be read at all (no permission),
    is skipped with a reason, never fatal. ``titles.toml`` in the folder may give titles
    and metadata by file name (index/formats).

    Raises:
        NoSourcesError: the folder is missing or holds no readable document.
    """
    if not seeds_dir.is_dir():
        raise NoSourcesError(seeds_dir)
    digest = hashlib.sha256()
    titles, titles_stat = _titles(seeds_dir, digest)
    documents: list[Document] = []
    skipped: list[str] = []
    unreadable_folders: list[str] = []
    stats: list[Stat] = []
    for rel in _candidates(seeds_dir, unreadable_folders):
        # Cite as "<folder name>/<file>" ("seeds/<file>" by default), never SEEDS_DIR's full path.
        cited = f"{seeds_dir.name}/{rel}"
        stats.append(_stat(seeds_dir / rel, rel))
        try:
            raw = (seeds_dir / rel).read_bytes()
        except OSError as error:
            digest.update(cited.encode() + b"\0unreadable")
            skipped.append(f"{cited}: unreadable ({(error.strerror or type(error).__name__).lower()})")
            continue
        digest.update(cited.encode() + b"\0" + hashlib.sha256(raw).digest())
        try:
            documents.append(read_document(cited, raw, titles.get(rel)))
        except Unreadable as reason:
            skipped.append(f"{cited}: {reason}")
    skipped.extend(f"{seeds_dir.name}/{reason}" for reason in unreadable_folders)
    if titles_stat is not None:
        stats.append(titles_stat)
    if not documents:
        raise NoSourcesError(seeds_dir)
    return Sources(tuple(documents), tuple(skipped), digest.hexdigest(), tuple(stats))


class SourceWatch:
    """Whether the sources still are what an opened index was built from, by sizes and
    modification times alone (no file is read: cheap enough to ask on every question).

    Args:
        seeds_dir: The seeds folder.
        stats: :attr:`Sources.stats` of the sources the index was checked against.
    """

    def __init__(self, seeds_dir: Path, stats: tuple[Stat, ...], index_dir: Path | None = None) -> None:
        self.seeds_dir = seeds_dir
        self.index_dir = index_dir
        self._stats = tuple(sorted(stats))
        self._changed = False
        self._manifest = _manifest_stamp(index_dir)

    def changed(self) -> bool:
        """True once any source was edited, added, removed or made (un)readable."""
        if not self._changed:  # once changed, it stays so until the index is reopened
            self._changed = tuple(sorted(snapshot(self.seeds_dir))) != self._stats
        return self._changed

    def notes(self) -> tuple[str, ...]:
        """The note an answer carries when the sources changed, else nothing; nothing either while
        the index is being rebuilt (`bot add`): a running bot swaps the new one in when it is done."""
        if not self.changed():
            return ()
        if self.index_dir is not None:
            from index.store import build_running

            # A build under way, or done and not yet swapped in by the running bot (bot/core/reload.py).
            if build_running(self.index_dir) or _manifest_stamp(self.index_dir) != self._manifest:
                return ()
        return (SOURCES_CHANGED,)


def _manifest_stamp(index_dir: Path | None) -> tuple[int, int] | None:
    """The index manifest's inode and modification time: another once a new index is swapped in."""
    if index_dir is None:
        return None
    try:
        facts = (index_dir / "manifest.json").stat()
    except OSError:
        return None
    return (facts.st_ino, facts.st_mtime_ns)

"""Turning what ``python -m bot add`` is given (paths, URLs) into files of the seeds folder.

:func:`resolve` reads a local file or fetches a URL and checks it reads as a source (nothing is
written yet); :class:`Placement` picks each one's file name and writes it, remembering what
it replaced, so :meth:`Placement.undo` can put the folder back exactly as it was when the
index update that follows fails.

Names: a file keeps its own name (a URL gets one from its path, index/fetch.py). A name that
is taken by a file with the same bytes is left as it is; by a file ``bot add`` wrote from the
same URL and nobody edited since, that file is refreshed; by any other file (an edited one
too), the new one is written as ``name-2.ext`` (then ``-3``...) and the caller is told. An
existing file is never overwritten silently.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from index.documents import SOURCE_SUFFIXES, Metadata
from index.errors import AddSourceError
from index.formats import Entry, Unreadable, read_document
from index.ledger import Ledger, sha256, write_atomically

log = logging.getLogger(__name__)

_FORMATS = ", ".join(SOURCE_SUFFIXES)


@dataclass(frozen=True)
class Incoming:
    """One source to add, read or fetched and checked.

    Attributes:
        item: As the user gave it.
        name: The file name wanted in the seeds folder (a path relative to it when already inside).
        raw: Its bytes.
        url: Where it was fetched from (None for a local file).
        retrieved: When it was fetched.
        inside: It is already a file of the seeds folder: nothing to write.
    """

    item: str
    name: str
    raw: bytes
    url: str | None = None
    retrieved: datetime | None = None
    inside: bool = False


def is_url(item: str) -> bool:
    return "://" in item.strip()[:12]


def resolve(item: str, seeds_dir: Path, *, allow_private: bool) -> Incoming:
    """Read or fetch ``item`` and check it reads as a source of its format.

    Raises:
        AddSourceError: missing, a folder, an unsupported format, unreadable, or nothing to index.
        FetchError: the URL was refused or could not be fetched.
    """
    if is_url(item):
        from index.fetch import fetch

        got = fetch(item, allow_private=allow_private)
        incoming = Incoming(item, got.file_name, got.content, got.url, got.retrieved)
    else:
        incoming = _local(item, seeds_dir)
    meta = Metadata(url=incoming.url, retrieved=incoming.retrieved.isoformat() if incoming.retrieved else None)
    try:
        read_document(f"{seeds_dir.name}/{incoming.name}", incoming.raw, Entry(meta=meta))
    except Unreadable as reason:
        raise AddSourceError(item, f"it cannot be indexed: {reason}", f"give a {_FORMATS} file with text") from None
    return incoming


def _local(item: str, seeds_dir: Path) -> Incoming:
    if not item.strip():  # Path("") is the current folder
        raise AddSourceError(repr(item), "no file named", "give a file's path or an http:// or https:// address")
    path = Path(item).expanduser()
    if not path.exists():
        raise AddSourceError(item, "no such file", "check the path, or give an http:// or https:// address")
    if path.is_dir():
        raise AddSourceError(item, "it is a folder", "give the files in it, e.g. `python -m bot add folder/*.pdf`")
    if not path.is_file():  # a pipe would be read until its writer closes it, a device forever
        raise AddSourceError(item, "it is not a regular file (a pipe or a device)", "copy it to a file first")
    suffix = path.suffix.lower()
    if suffix not in SOURCE_SUFFIXES:
        raise AddSourceError(item, f"{suffix or 'no suffix'} is not a source format", f"give a {_FORMATS} file")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise AddSourceError(
            item, f"it is unreadable ({error.strerror or type(error).__name__})", "check its permissions"
        ) from None
    resolved, seeds = path.resolve(), seeds_dir.resolve()
    if resolved.is_relative_to(seeds):
        rel = resolved.relative_to(seeds)
        if any(part.startswith(".") for part in rel.parts):  # the index leaves hidden files and folders out
            reason = "it is hidden in the seeds folder (a name starting with '.'), and hidden files are not indexed"
            raise AddSourceError(item, reason, "rename it, or its folder, without the leading '.'")
        return Incoming(item, rel.as_posix(), raw, inside=True)
    return Incoming(item, path.name.lstrip(".") or f"source{suffix}", raw)


@dataclass
class Placement:
    """Writes incoming sources into the seeds folder and the ledger, and can undo it all.

    Args:
        seeds_dir: The seeds folder.
        ledger: Its ``titles.toml``, read for editing.
        say: Receives a line for each file written, refreshed or renamed.
    """

    seeds_dir: Path
    ledger: Ledger
    say: Callable[[str], None]
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    _undo: list[tuple[Path, bytes | None]] = field(default_factory=list)
    _claimed: dict[str, bytes] = field(default_factory=dict)  # name -> the bytes placed under it

    def place(self, incoming: Incoming) -> str:
        """Write ``incoming`` (unless the same bytes are there already); the name it has in the seeds folder."""
        if incoming.inside:
            self._claimed[incoming.name] = incoming.raw
            return incoming.name
        name = self._free_name(incoming)
        target = self.seeds_dir / name
        previous = target.read_bytes() if target.is_file() else None
        cited = f"{self.seeds_dir.name}/{name}"
        if previous == incoming.raw:
            self.say(f"{cited} is already there, unchanged")
            return name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, incoming.raw)  # all or nothing: there is nothing to undo when it fails
        self._undo.append((target, previous))
        self.ledger.record(name, incoming.raw, url=incoming.url, retrieved=incoming.retrieved, now=self.now)
        self.say(f"{'refreshed' if previous is not None else 'saved'} {cited} ({len(incoming.raw):,} bytes)")
        return name

    def _free_name(self, incoming: Incoming) -> str:
        """``incoming.name``, unless another file holds it: then ``stem-2.ext``, ``stem-3.ext``..."""
        wanted = PurePosixPath(incoming.name)
        for n in range(1, 1000):
            name = wanted.name if n == 1 else f"{wanted.stem}-{n}{wanted.suffix}"
            if name in self._claimed:
                if self._claimed[name] == incoming.raw:  # the same file given twice: placed once
                    return name
                continue
            target = self.seeds_dir / name
            ours = self.ledger.entry(name)
            # A page `add` wrote from this URL is refreshed, unless a person edited it since.
            refresh = ours is not None and incoming.url is not None and ours.url == incoming.url
            refresh = refresh and (not target.exists() or _digest(target) == ours.sha256)
            if not target.exists() or refresh or _same_bytes(target, incoming.raw):
                if n > 1:
                    self.say(f"{self.seeds_dir.name}/{wanted.name} exists and differs: adding as {name}")
                self._claimed[name] = incoming.raw
                return name
        raise AddSourceError(incoming.item, f"every name like {wanted.name} is taken", "rename the file first")

    def undo(self) -> None:
        """Put back every file written (or remove it when it was new), last first."""
        for path, previous in reversed(self._undo):
            try:
                if previous is None:
                    path.unlink(missing_ok=True)
                else:
                    write_atomically(path, previous)
            except OSError as error:  # keep undoing the rest; the log names what is left
                log.error("could not undo %s: %s", path, os.strerror(error.errno or 0))
        self._undo.clear()


def _digest(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def _same_bytes(path: Path, raw: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(raw) and path.read_bytes() == raw
    except OSError:
        return False

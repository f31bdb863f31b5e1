"""What ``python -m bot add`` records in ``titles.toml``: which source files it wrote, from where, when.

A source added by ``bot add`` gets a table in the seeds folder's ``titles.toml``::

    ["night-trains.html"]
    url = "https://gazette.example.org/travel/night-trains"
    retrieved = 2026-11-30T17:02:11Z
    added = 2026-11-30T17:02:11Z
    added_by = "python -m bot add"
    sha256 = "9f2c..."

``url`` and ``retrieved`` are the metadata the index reads (so a rebuild works offline);
``added``, ``added_by`` and ``sha256`` are the proof ``bot remove`` asks for before it deletes
a file: the project deletes only a file it wrote, and only while its bytes are still the ones
it wrote. The file is edited with tomlkit, so a user's comments and layout survive.

A person may edit the file while ``add`` or ``remove`` holds the build lock (an index update can take
minutes). So each write reads the file again at the last moment: when it changed since it was read,
the ledger's own entries are applied to the file as it is now, keeping the person's edit, unless the
person changed those very entries or left the file unreadable; then the write is refused in one line
and the file is left as the person made it. The rename into place happens only while the file is
still the one the write was based on. Putting the file back after a failure takes back the ledger's
own entries the same way, and deletes the file only when the ledger created it and nobody changed it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from index.errors import SourceEditError
from index.location import new_file_mode
from index.sources import TITLES_FILE

log = logging.getLogger(__name__)

ADDED_BY = "python -m bot add"
ATTEMPTS = 3  # writes tried while the file keeps changing under them, before refusing


@dataclass(frozen=True)
class Added:
    """What the ledger says about one file ``bot add`` wrote."""

    name: str
    added: datetime | None
    sha256: str | None
    url: str | None


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _plain(item: Any) -> Any:
    """A tomlkit value as plain Python (tables as dicts), to compare what two versions of the file say."""
    return item.unwrap() if hasattr(item, "unwrap") else item


def _read(path: Path) -> bytes | None:
    """The file's bytes now, None when there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _parse(raw: bytes | None) -> tomlkit.TOMLDocument:
    return tomlkit.parse(raw.decode("utf-8")) if raw else tomlkit.document()


def _dumps(doc: tomlkit.TOMLDocument) -> str:
    # tomlkit keeps the blank line it put before an added table after the table is removed:
    # without this, `add` then `remove` left titles.toml one blank line longer.
    text = tomlkit.dumps(doc)
    return text.rstrip("\n") + "\n" if text.strip() else text


def _put(doc: tomlkit.TOMLDocument, name: str, table: Any) -> None:
    """``name``'s entry of ``doc`` made ``table`` (None: dropped), at the end of the file as tomlkit adds it."""
    if name in doc:
        del doc[name]
    if table is not None:
        doc[name] = table


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        # tomlkit's DateTime is a datetime subclass: hand callers a plain one.
        plain = datetime.fromisoformat(value.isoformat())
        return plain if plain.tzinfo else plain.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _as_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


class Ledger:
    """``titles.toml`` of a seeds folder, read for editing; :meth:`save` writes it back atomically.

    Raises:
        SourceEditError: the file is not valid TOML or not UTF-8, or cannot be read (nothing is changed then).
    """

    def __init__(self, seeds_dir: Path) -> None:
        self.path = seeds_dir / TITLES_FILE
        try:
            self.original: bytes | None = self.path.read_bytes() if self.path.is_file() else None
            self._doc = _parse(self.original)
        except (TOMLKitError, UnicodeDecodeError) as error:
            raise self._invalid(error) from None
        except OSError as error:  # no permission: the index skips such a file (index/sources.py), add stops
            reason = f"{TITLES_FILE} cannot be read ({error.strerror or type(error).__name__})"
            raise SourceEditError(str(self.path), reason, "let the bot's user read it, then try again") from None
        self._changes: dict[str, Any] = {}  # name -> the table recorded, or None when forgotten
        self.written: bytes | None = None  # what save() put in the file, which restore() may take back

    def _invalid(self, error: Exception) -> SourceEditError:
        reason = f"{TITLES_FILE} is not valid TOML ({str(error).splitlines()[0][:100]})"
        return SourceEditError(str(self.path), reason, f"fix or move {self.path}, then try again")

    def entry(self, name: str) -> Added | None:
        """The record of ``name`` when ``bot add`` wrote it, else None."""
        table = self._doc.get(name)
        if not isinstance(table, dict) or table.get("added_by") != ADDED_BY:
            return None
        digest = table.get("sha256")
        url = table.get("url")
        return Added(name, _as_datetime(table.get("added")), str(digest) if digest else None, str(url) if url else None)

    def added_at(self, name: str) -> datetime | None:
        """When ``name`` was added, as any table of it says (``added``), else None."""
        table = self._doc.get(name)
        return _as_datetime(table.get("added")) if isinstance(table, dict) else None

    def record(self, name: str, raw: bytes, *, url: str | None, retrieved: datetime | None, now: datetime) -> None:
        """Record that ``bot add`` wrote ``name`` with the bytes ``raw`` (a title given by hand is kept)."""
        old = self._doc.get(name)
        table = tomlkit.table()
        if isinstance(old, str):
            table["title"] = old
        elif isinstance(old, dict):
            for key, value in old.items():
                if key not in ("url", "retrieved", "added", "added_by", "sha256"):
                    table[key] = value
        if url is not None:
            table["url"] = url
        if retrieved is not None:
            table["retrieved"] = retrieved.astimezone(UTC).replace(microsecond=0)
        table["added"] = now.astimezone(UTC).replace(microsecond=0)
        table["added_by"] = ADDED_BY
        table["sha256"] = sha256(raw)
        _put(self._doc, name, table)
        self._changes[name] = table

    def forget(self, name: str) -> None:
        """Drop ``name``'s entry."""
        if name in self._doc:
            del self._doc[name]
            self._changes[name] = None

    def save(self) -> None:
        """Write the ledger's changes into the file as it is now (a temporary file renamed over it, so a crash
        leaves the old one): as read, the document edited here; edited by a person since, their version
        with these entries applied to it.

        Raises:
            SourceEditError: the person changed an entry this write changes too, or left the file unreadable,
                or it kept changing: the file is left as it is, and nothing is written.
        """
        if not self._changes:
            return  # nothing recorded or forgotten (every source added was already there): the file stays as it is
        for _ in range(ATTEMPTS):
            now = _read(self.path)
            doc = self._doc if now == self.original else self._merged(now)
            text = _dumps(doc)
            if now is None and not text.strip():
                return  # nothing there, and nothing to say
            raw = text.encode("utf-8")
            if write_atomically(self._target(), raw, unchanged=lambda now=now: _read(self.path) == now):
                self.written = raw
                return
        raise self._busy()

    def _merged(self, now: bytes | None) -> tomlkit.TOMLDocument:
        """The file as it is now with this ledger's changes applied, when the person's edit left their entries
        as they were read."""
        try:
            doc = _parse(now)
        except (TOMLKitError, UnicodeDecodeError) as error:
            raise self._invalid(error) from None
        was = _parse(self.original)
        for name, table in self._changes.items():
            if _plain(doc.get(name)) != _plain(was.get(name)):
                reason = f"{TITLES_FILE} was edited meanwhile, its entry for {name} too, so it is left as edited"
                raise SourceEditError(str(self.path), reason, "try again once the edit is saved")
            _put(doc, name, table)
        return doc

    def _target(self) -> Path:
        """The file a write replaces: the one a symlinked ``titles.toml`` points at (a person may keep it elsewhere),
        so the link stays and their file is the one changed; renamed over, the link became a stale copy."""
        return Path(os.path.realpath(self.path))

    def _busy(self) -> SourceEditError:
        reason = f"{TITLES_FILE} kept changing while it was being written, so it is left as it is"
        return SourceEditError(str(self.path), reason, "try again once nobody is editing it")

    def restore(self) -> None:
        """Take back what :meth:`save` wrote, after a failure: the file as it was read when nobody changed it
        since (removed when there was none: the ledger created it), else the person's version without the
        ledger's changes. An entry the person changed since is theirs and stays; so does a file they made
        unreadable (both are logged). Nothing is written when nothing was saved. An OSError is logged, not raised:
        the error on its way out (a full disk, a failed build) is the one to tell."""
        if self.written is None:
            return  # the file is as read, or as a person made it: neither is the ledger's to undo
        try:
            self._put_back()
        except OSError as error:
            log.error("could not put back %s: %s", self.path, error.strerror or type(error).__name__)

    def _put_back(self) -> None:
        for _ in range(ATTEMPTS):
            now = _read(self.path)
            if now is None:
                return  # a person removed it: not the ledger's to bring back
            if now == self.written:
                if self.original is None:
                    self._target().unlink(missing_ok=True)
                    return
                raw = self.original
            else:
                raw = self._taken_back(now)
                if raw is None:
                    return
            if write_atomically(self._target(), raw, unchanged=lambda now=now: _read(self.path) == now):
                return
        log.error("could not put back %s: %s", self.path, "it kept changing")

    def _taken_back(self, now: bytes) -> bytes | None:
        """The person's version of the file without the ledger's changes (entries they changed stay theirs)."""
        try:
            doc = _parse(now)
        except (TOMLKitError, UnicodeDecodeError):
            log.error("%s was edited and is not valid TOML: the entries `add` wrote are left in it", self.path)
            return None
        was, written = _parse(self.original), _parse(self.written)
        for name in self._changes:
            if _plain(doc.get(name)) != _plain(written.get(name)):
                log.warning("%s: the entry for %s was edited since `add` wrote it, and is kept", self.path, name)
                continue
            _put(doc, name, was.get(name))
        return _dumps(doc).encode("utf-8")


def write_atomically(path: Path, raw: bytes, *, unchanged: Callable[[], bool] | None = None) -> bool:
    """Write ``raw`` to ``path`` through a temporary file in the same folder, renamed into place, with the
    permissions ``path`` had (a new file: those any new file gets, as the umask leaves them; a temporary
    file's own 0600 would keep a bot of another user from reading the sources).

    With ``unchanged``, asked last, once the temporary file is written, the rename happens only when it
    says yes (the file is still the one ``raw`` was made from); else the temporary file is removed.

    Returns:
        Whether ``path`` now holds ``raw``.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = new_file_mode()
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        if unchanged is not None and not unchanged():
            Path(tmp).unlink()
            return False
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True

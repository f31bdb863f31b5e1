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
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
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


@dataclass(frozen=True)
class Added:
    """What the ledger says about one file ``bot add`` wrote."""

    name: str
    added: datetime | None
    sha256: str | None
    url: str | None


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


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
        SourceEditError: the file is not valid TOML or not UTF-8 (nothing is changed then).
    """

    def __init__(self, seeds_dir: Path) -> None:
        self.path = seeds_dir / TITLES_FILE
        try:
            self.original: bytes | None = self.path.read_bytes() if self.path.is_file() else None
            self._doc = tomlkit.parse(self.original.decode("utf-8")) if self.original else tomlkit.document()
        except (TOMLKitError, UnicodeDecodeError) as error:
            reason = f"{TITLES_FILE} is not valid TOML ({str(error).splitlines()[0][:100]})"
            raise SourceEditError(str(self.path), reason, f"fix or move {self.path}, then try again") from None

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
        if name in self._doc:
            del self._doc[name]
        self._doc[name] = table

    def forget(self, name: str) -> None:
        """Drop ``name``'s entry."""
        if name in self._doc:
            del self._doc[name]

    def text(self) -> str:
        # tomlkit keeps the blank line it put before an added table after the table is removed:
        # without this, `add` then `remove` left titles.toml one blank line longer.
        text = tomlkit.dumps(self._doc)
        return text.rstrip("\n") + "\n" if text.strip() else text

    def save(self) -> None:
        """Write the file back (a temporary file renamed over it, so a crash leaves the old one)."""
        text = self.text()
        if self.original is None and not text.strip():
            self.path.unlink(missing_ok=True)  # it was not there, and there is nothing to say
            return
        write_atomically(self.path, text.encode("utf-8"))

    def restore(self) -> None:
        """Put back the file as it was when read (or remove it when there was none); nothing is written when
        it is as it was (a save that failed: the folder may be read-only)."""
        try:
            now = self.path.read_bytes() if self.path.is_file() else None
        except OSError:
            now = b""  # unreadable: written back below
        if now == self.original:
            return
        if self.original is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomically(self.path, self.original)


def write_atomically(path: Path, raw: bytes) -> None:
    """Write ``raw`` to ``path`` through a temporary file in the same folder, renamed into place, with the
    permissions ``path`` had (a new file: those any new file gets, as the umask leaves them; a temporary
    file's own 0600 would keep a bot of another user from reading the sources)."""
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
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

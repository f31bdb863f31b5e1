"""Reading sources of every format into :class:`~index.documents.Document`.

Each format has its module: ``plain`` (.txt, .md), ``html`` (.html, .htm, with trafilatura)
and ``pdf`` (with pypdf). They take the file's bytes and never touch disk (index/store.py
reads the files). A file that cannot be read as its format raises :class:`Unreadable`
with a short reason, which the index reports as ``skipping <file>: <reason>``.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from index.documents import HTML_SUFFIXES, METADATA_KEYS, SOURCE_SUFFIXES, TEXT_SUFFIXES, Document, Metadata
from index.formats.common import Unreadable

log = logging.getLogger(__name__)

__all__ = ["SOURCE_SUFFIXES", "Entry", "Unreadable", "parse_titles", "read_document"]


@dataclass(frozen=True)
class Entry:
    """What ``seeds/titles.toml`` says about one file: its title and metadata, each optional."""

    title: str | None = None
    meta: Metadata = field(default_factory=Metadata)


def parse_titles(raw: bytes) -> dict[str, Entry]:
    """Read ``titles.toml``: file name -> title, or file name -> table.

    Both forms may be mixed::

        "article.txt" = "IBM quits facial recognition"

        ["page.html"]
        title = "How bees find their way home"
        url = "https://example.org/bees"
        author = "A. Writer"
        date = 2024-05-01
        retrieved = 2026-01-02T10:00:00Z

    Raises:
        tomllib.TOMLDecodeError: not TOML. UnicodeDecodeError: not UTF-8.
    """
    out: dict[str, Entry] = {}
    for name, value in tomllib.loads(raw.decode("utf-8")).items():
        if isinstance(value, dict):
            fields = {METADATA_KEYS[k]: _as_text(v) for k, v in value.items() if k in METADATA_KEYS}
            title = value.get("title")
            out[str(name)] = Entry(None if title is None else str(title), Metadata(**fields))
        else:
            out[str(name)] = Entry(str(value))
    return out


def _as_text(value: Any) -> str:
    # TOML gives dates and times as objects; the metadata keeps ISO 8601 text.
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def read_document(source: str, raw: bytes, entry: Entry | None = None) -> Document:
    """Parse one source file by its suffix.

    Args:
        source: The path to cite, e.g. ``seeds/page.html`` (its suffix picks the format).
        raw: The file's bytes.
        entry: What ``titles.toml`` says about it; its title and metadata win over the file's own.

    Returns:
        The document.

    Raises:
        Unreadable: not a readable file of its format, or nothing to index in it.
    """
    entry = entry or Entry()
    suffix = PurePosixPath(source).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        from index.formats.plain import read_plain

        return read_plain(source, raw, entry.title, entry.meta)
    if suffix in HTML_SUFFIXES:
        from index.formats.html import read_html as read
    elif suffix == ".pdf":
        from index.formats.pdf import read_pdf as read
    else:
        raise Unreadable(f"not a supported format (use one of {', '.join(SOURCE_SUFFIXES)})")
    try:
        return read(source, raw, entry.title, entry.meta)
    except Unreadable:
        raise
    except Exception as error:
        # The parsers read files from anywhere; whatever one raises on a strange file, that file
        # is skipped with its reason and the other sources are still indexed.
        log.debug("cannot read %s", source, exc_info=True)
        raise Unreadable(f"could not be read ({type(error).__name__})") from None

"""Plain-text sources: .txt and .md (Markdown front matter may give title, url, author and date)."""

from __future__ import annotations

import logging

from index.documents import Document, Metadata, parse_document
from index.formats.common import Unreadable

log = logging.getLogger(__name__)


def read_plain(source: str, raw: bytes, title: str | None = None, meta: Metadata | None = None) -> Document:
    """Decode UTF-8 text (a byte-order mark allowed, CRLF read as LF) and parse it.

    Raises:
        Unreadable: not UTF-8, binary content (NUL bytes) or nothing but white space.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    if "\x00" in text:
        raise Unreadable("binary content")
    if not text.strip():
        raise Unreadable("empty")
    return parse_document(source, text.replace("\r\n", "\n"), title, meta)

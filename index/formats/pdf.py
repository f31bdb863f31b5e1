"""PDF sources, read with pypdf: text per page, a paragraph being a text block on a page.

pypdf gives each run of text with its position. Runs are gathered into lines, and a line
starts a new block when the gap above it is clearly wider than the page's usual line
spacing (``BLOCK_GAP`` times the median), or when the text moves up the page (a new column).
Lines of a block are joined with a space, so a passage reads as the page does; a line
ending in a hyphen is joined without one ("twenty-" + "two").

The verbatim text is the blocks, one blank line apart, page after page. Paragraphs carry
their page and their number on it, which citations show: "Title, p. 2 ¶3".
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import statistics
import warnings
from dataclasses import dataclass

from index.documents import Document, Metadata, Paragraph, looks_like_title, readable_name
from index.formats.common import Unreadable, quiet_logs

log = logging.getLogger(__name__)

# A gap above a line of more than this many times the page's median line gap starts a block.
# Lines of a paragraph are evenly spaced; paragraphs are set apart by at least a quarter of a
# line more (word processors' defaults give a half line or more). The sweep in docs/sources.md
# (bench/formats_bench.py) reads every paragraph back whole at 1.1 and 1.2 for quarter-line
# gaps and above, and loses quarter-line gaps from 1.3 on; 1.2 keeps the most room above the
# small differences in spacing that real pages have between the lines of one paragraph.
BLOCK_GAP = 1.2
_LETTER = re.compile(r"[^\W\d_]")
# Latin ligatures (U+FB00-FB06) some fonts' text layers give for "ff", "fi", ...: read as their
# letters, which is what a reader reads and what a search for the word matches.
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)
# Titles some tools write in place of the real one.
_JUNK_TITLE = re.compile(r"^(untitled|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|tex|indd))$", re.IGNORECASE)


@dataclass
class _Line:
    text: str
    y: float
    size: float


def _page_lines(page: object) -> list[_Line]:
    """The page's text lines in content order, each with the baseline height of its first run."""
    lines: list[_Line] = []
    current: list[str] = []
    position: list[float] = []  # [y, size] of the line being read, once it has text

    def close() -> None:
        text = "".join(current).strip()
        if text and position:
            lines.append(_Line(" ".join(text.split()), position[0], position[1]))
        current.clear()
        position.clear()

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                close()
            if piece.strip() and not position:
                # The run's origin in page space: the text matrix times the current transformation.
                position.extend([tm[4] * cm[1] + tm[5] * cm[3] + cm[5], abs(size * (tm[3] or 1) * (cm[3] or 1))])
            current.append(piece)

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    close()
    return lines


def _blocks(lines: list[_Line]) -> list[str]:
    """Group a page's lines into text blocks."""
    gaps = [a.y - b.y for a, b in itertools.pairwise(lines) if a.y - b.y > 0]
    usual = statistics.median(gaps) if gaps else 0.0
    blocks: list[list[str]] = []
    previous: _Line | None = None
    for line in lines:
        gap = previous.y - line.y if previous else 0.0
        new_block = previous is None or gap < -line.size or (usual > 0 and gap > BLOCK_GAP * usual)
        if new_block:
            blocks.append([])
        blocks[-1].append(line.text)
        previous = line
    out = []
    for block in blocks:
        text = block[0]
        for line in block[1:]:
            text += line if text.endswith("-") else " " + line
        if _LETTER.search(text):  # a page number or a rule of dashes is not a paragraph
            out.append(text.translate(_LIGATURES))
    return out


def _read_pages(raw: bytes) -> tuple[list[list[str]], dict[str, str]]:
    """Every page's blocks and the document information (title, author), or :class:`Unreadable`."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings(), quiet_logs("pypdf"):
            # pypdf warns about files it can still read; those warnings are not the reader's concern.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("encrypted (save an unprotected copy)")
            pages = [_blocks(_page_lines(page)) for page in reader.pages]
            info = reader.metadata or {}
            details = {key: str(info.get(f"/{key.title()}") or "").strip() for key in ("title", "author")}
    except Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as error:
        log.debug("unreadable PDF", exc_info=True)
        raise Unreadable(f"not a readable PDF ({type(error).__name__})") from None
    return pages, details


def read_pdf(source: str, raw: bytes, title: str | None = None, meta: Metadata | None = None) -> Document:
    """Read a PDF's text layer into a document whose paragraphs know their page.

    Args:
        source: The path to cite.
        raw: The file's bytes.
        title: A title given from outside (titles.toml); else the PDF's own title, else a short
            first block, else the file name.
        meta: Metadata given from outside; it wins over the PDF's author.

    Raises:
        Unreadable: not a PDF, damaged, encrypted, or without a text layer.
    """
    if not raw.lstrip()[:5] == b"%PDF-":
        raise Unreadable("not a PDF file")
    pages, details = _read_pages(raw)
    if not any(pages):
        raise Unreadable("no text layer (a scanned PDF? run OCR on it first, e.g. with ocrmypdf)")
    pieces: list[str] = []
    paragraphs: list[Paragraph] = []
    offset = 0
    for page_number, blocks in enumerate(pages, start=1):
        for on_page, block in enumerate(blocks, start=1):
            if pieces:
                pieces.append("\n\n")
                offset += 2
            paragraphs.append(Paragraph(len(paragraphs) + 1, offset, offset + len(block), page_number, on_page))
            pieces.append(block)
            offset += len(block)
    text = "".join(pieces)
    first = text[paragraphs[0].start : paragraphs[0].end]
    own_title = details["title"] if details["title"] and not _JUNK_TITLE.match(details["title"]) else None
    title_paragraph = 0
    if title is None and own_title is None and len(paragraphs) > 1 and looks_like_title(first):
        title, title_paragraph = first, 1
    elif " ".join(first.split()).casefold() == " ".join((title or own_title or "").split()).casefold():
        title_paragraph = 1  # the first block only repeats the title
    found = Metadata(author=details["author"] or None)
    return Document(
        source=source,
        title=title or own_title or readable_name(source),
        text=text,
        paragraphs=tuple(paragraphs),
        title_paragraph=title_paragraph,
        meta=found.merged(meta or Metadata()),
        kind="pdf",
    )

"""Source documents: their title and their paragraphs, with offsets into the verbatim text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

SOURCE_SUFFIXES = (".txt", ".md")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_FRONT_MATTER_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Paragraph:
    number: int  # non-empty paragraphs counted from 1
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """One source file.

    Attributes:
        source: Its path as cited, e.g. ``seeds/article.txt``.
        title: Its title, or a readable form of its file name.
        text: The verbatim text.
        paragraphs: Every non-empty paragraph, in order.
        title_paragraph: Number of the paragraph that is only the title (not indexed), or 0.
    """

    source: str
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    title_paragraph: int = 0


def readable_name(file_name: str) -> str:
    """``ibm_facial-recognition.txt`` -> ``ibm facial recognition``."""
    stem = PurePosixPath(file_name).stem
    return re.sub(r"[_\-]+", " ", stem).strip() or file_name


def split_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Non-empty paragraphs (blocks between blank lines), numbered from 1, white space trimmed."""
    paragraphs: list[Paragraph] = []
    cursor = 0
    for piece_end, next_start in [
        *((m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)),
        (len(text), len(text)),
    ]:
        a, b = cursor, piece_end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            paragraphs.append(Paragraph(len(paragraphs) + 1, a, b))
        cursor = next_start
    return tuple(paragraphs)


def _looks_like_title(line: str) -> bool:
    # A short single line with no sentence punctuation at its end, e.g. "Super Bowl 50".
    return (
        "\n" not in line
        and len(line) <= 120
        and not line.rstrip().endswith((".", "!", "?", ":", ";", ",", "\u201d", '"'))
    )


def parse_document(source: str, text: str, title: str | None = None) -> Document:
    """Split a source into paragraphs and find its title.

    Args:
        source: The path to cite, e.g. ``seeds/article.txt``.
        text: The verbatim text.
        title: A title given from outside (``seeds/titles.toml``); otherwise a Markdown heading,
            a ``title:`` front-matter line, or a short first line is used, else the file name.

    Returns:
        The parsed :class:`Document`.
    """
    paragraphs = split_paragraphs(text)
    title_paragraph = 0
    if paragraphs and title is None:
        first = text[paragraphs[0].start : paragraphs[0].end]
        heading = _MD_HEADING.match(first) if source.endswith(".md") else None
        front = _FRONT_MATTER_TITLE.search(first) if first.startswith("---") else None
        if heading:
            title, title_paragraph = heading.group(1), 1
        elif front:
            title, title_paragraph = front.group(1).strip("\"'"), 1
        elif len(paragraphs) > 1 and _looks_like_title(first):
            title, title_paragraph = first.strip(), 1
    return Document(
        source=source,
        title=title or readable_name(source),
        text=text,
        paragraphs=paragraphs,
        title_paragraph=title_paragraph,
    )

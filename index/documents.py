"""Source documents: their title, metadata and paragraphs, with offsets into the verbatim text.

Reading the formats (.txt, .md, .html, .pdf) into documents is index/formats/; this module is
the model they all produce, and the plain-text parsing that .txt and .md share.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from index.links import paragraph_links
from index.text import has_words

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SOURCE_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".pdf")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\v\u00a0]*\n\s*")  # a form feed alone on a line is a page break: blank
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"(?P<block>---[ \t]*\n.*?\n---)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w-]*):[ \t]*(.*?)[ \t]*$", re.MULTILINE)
# Keys of front matter or of a titles.toml table, and the metadata field each fills.
METADATA_KEYS = {
    "url": "url",
    "author": "author",
    "date": "published",
    "published": "published",
    "retrieved": "retrieved",
}


@dataclass(frozen=True)
class Paragraph:
    """A non-empty paragraph: offsets into its document's text.

    Attributes:
        number: Its number among the document's non-empty paragraphs, from 1.
        start: Offset of its first character.
        end: Offset just past its last character.
        page: The PDF page it is on, from 1; None for formats without pages.
        on_page: Its number among its page's paragraphs, from 1 (what a PDF citation shows); 0 without pages.
    """

    number: int
    start: int
    end: int
    page: int | None = None
    on_page: int = 0


@dataclass(frozen=True)
class Metadata:
    """Where and when a document was published, as far as it says.

    Attributes:
        url: The address of the page it was published on.
        author: Who wrote it.
        published: Its publication date, as the source gives it (ISO 8601 where known).
        retrieved: When it was fetched, ISO 8601.
    """

    url: str | None = None
    author: str | None = None
    published: str | None = None
    retrieved: str | None = None

    def merged(self, over: Metadata) -> Metadata:
        """These values, each replaced by ``over``'s where ``over`` has one."""
        return Metadata(**{k: v if v is not None else getattr(self, k) for k, v in asdict(over).items()})

    def as_dict(self) -> dict[str, str]:
        """The fields that are set (for the manifest)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Document:
    """One source file.

    Attributes:
        source: Its path as cited, e.g. ``seeds/article.txt``.
        title: Its title, or a readable form of its file name.
        text: The verbatim text.
        paragraphs: Every non-empty paragraph, in order.
        title_paragraph: Number of the paragraph that is only the title or front matter (not indexed), or 0.
        meta: Where and when it was published.
        kind: ``"text"`` (.txt, .md), ``"html"`` or ``"pdf"``: how its paragraphs are cited and linked.
    """

    source: str
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    title_paragraph: int = 0
    meta: Metadata = field(default_factory=Metadata)
    kind: str = "text"

    def summary(self) -> dict[str, Any]:
        """What the manifest lists for the document: source, title, paragraph count, and its metadata that is set."""
        return {"source": self.source, "title": self.title, "paragraphs": len(self.paragraphs), **self.meta.as_dict()}

    def citation_fields(self, number: int) -> dict[str, Any]:
        """What a chunk or quotation record of paragraph ``number`` says about where it is.

        ``paragraph`` is the number a citation shows (on a PDF, the paragraph's number on its
        page); ``page`` and ``url`` are there only when the document has them, so the records
        of a plain document are as they always were.
        """
        para = self.paragraphs[number - 1]
        fields: dict[str, Any] = {"paragraph": para.on_page if para.page is not None else para.number}
        if para.page is not None:
            fields["page"] = para.page
        if self.meta.url:
            fields["url"] = self._links[number - 1]
        return fields

    @functools.cached_property
    def _links(self) -> tuple[str, ...]:
        # Each paragraph's link, made once: an HTML page's carries a text fragment of the
        # paragraph's first words, a PDF's the page (``#page=N``, read by browsers' PDF viewers).
        url = self.meta.url or ""
        if self.kind == "html":
            return tuple(paragraph_links(url, [self.text[p.start : p.end] for p in self.paragraphs]))
        if self.kind == "pdf":
            base = url.partition("#")[0]
            return tuple(f"{base}#page={p.page}" for p in self.paragraphs)
        return tuple(url for _ in self.paragraphs)


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


def looks_like_title(line: str) -> bool:
    # A short single line with no sentence punctuation at its end, e.g. "Super Bowl 50"; a line with
    # no letter or digit is a rule ("---"), not a title.
    return (
        "\n" not in line
        and has_words(line)
        and len(line) <= 120
        and not line.rstrip().endswith((".", "!", "?", ":", ";", ",", "\u201d", '"'))
    )


def front_matter(first: str) -> dict[str, str]:
    """The ``key: value`` lines of a front-matter block (a first paragraph opening with ``---``), quotes removed."""
    if not first.startswith("---"):
        return {}
    values = {m.group(1): _scalar(m.group(2)) for m in _FRONT_MATTER_LINE.finditer(first)}
    return {key: value for key, value in values.items() if value}


def _scalar(value: str) -> str:
    """A YAML scalar on one line: ``"quoted"`` or ``'quoted'`` up to its quote, else up to a `` #`` comment."""
    if value[:1] in ("'", '"') and value[0] in value[1:]:
        return value[1 : value.index(value[0], 1)]
    return value.split(" #", 1)[0].strip()


def _front_matter_apart(text: str, paragraphs: tuple[Paragraph, ...]) -> tuple[Paragraph, ...]:
    """Text on the lines right after front matter's closing ``---`` is a paragraph of its own (else it
    would be part of the front matter, which is never indexed)."""
    closed = _FRONT_MATTER.match(text, paragraphs[0].start) if paragraphs else None
    if closed is None or closed.end() >= paragraphs[0].end or not front_matter(closed.group("block")):
        return paragraphs
    first, rest = paragraphs[0], paragraphs[1:]
    body = closed.end() + len(text[closed.end() : first.end]) - len(text[closed.end() : first.end].lstrip())
    return (
        Paragraph(1, first.start, closed.end("block")),
        Paragraph(2, body, first.end),
        *(Paragraph(p.number + 1, p.start, p.end) for p in rest),
    )


def parse_document(source: str, text: str, title: str | None = None, meta: Metadata | None = None) -> Document:
    """Split a .txt or .md source into paragraphs and find its title and metadata.

    Args:
        source: The path to cite, e.g. ``seeds/article.txt``.
        text: The verbatim text.
        title: A title given from outside (``seeds/titles.toml``); otherwise a Markdown heading,
            a ``title:`` front-matter line, or a short first line is used, else the file name.
        meta: Metadata given from outside (``seeds/titles.toml``); each value it has wins over
            the front matter's (``url:``, ``author:``, ``date:``, ``retrieved:``).

    Returns:
        The parsed :class:`Document`. A front-matter paragraph is never indexed as text.
    """
    paragraphs = _front_matter_apart(text, split_paragraphs(text))
    title_paragraph = 0
    first = text[paragraphs[0].start : paragraphs[0].end] if paragraphs else ""
    front = front_matter(first)
    if paragraphs and title is None:
        heading = _MD_HEADING.match(first) if source.endswith(".md") else None
        if heading:
            title, title_paragraph = heading.group(1), 1
        elif front.get("title"):
            title, title_paragraph = front["title"], 1
        elif len(paragraphs) > 1 and looks_like_title(first):
            title, title_paragraph = first.strip(), 1
    if any(key in front for key in ("title", *METADATA_KEYS)):
        title_paragraph = 1
    found = Metadata(**{METADATA_KEYS[k]: v for k, v in front.items() if k in METADATA_KEYS})
    if found.url and not found.url.startswith(("http://", "https://")):
        found = Metadata(None, found.author, found.published, found.retrieved)  # a relative path is no link
    return Document(
        source=source,
        title=title or readable_name(source),
        text=text,
        paragraphs=paragraphs,
        title_paragraph=title_paragraph,
        meta=found.merged(meta or Metadata()),
    )

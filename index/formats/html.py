"""HTML sources (a saved web page): the article's main text, found with trafilatura.

trafilatura drops what surrounds an article (navigation, cookie banners, footers, related
links) and reads the page's title, author, date and URL (its canonical or og:url link).
Each ``<p>`` element of the article is a paragraph; so is a list item or a block quote
holding text of its own, since a reader sees each as a paragraph too. Headings are not
indexed (they are the article's structure, not its text).

The verbatim text is the paragraphs, white space folded as a browser shows it, one blank
line apart; a citation's text fragment is made from those words, so it matches the page.
"""

from __future__ import annotations

import codecs
import logging
import re
from typing import Any

from index.documents import Document, Metadata, Paragraph, readable_name
from index.formats.common import Unreadable, quiet_logs

log = logging.getLogger(__name__)

# Elements of trafilatura's output that are paragraphs (its XML names: item = <li>, quote = <blockquote>).
_PARAGRAPH_TAGS = ("p", "item", "quote")


# A page's own word on its encoding, which a saved copy keeps: a meta tag near its start.
_META_CHARSET = re.compile(rb"<meta[^>]+charset", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LABEL = re.compile(r"[A-Za-z0-9._:-]{1,40}")  # an encoding's label, nothing that could close the tag


def charset_written_in(raw: bytes, charset: str | None) -> bytes:
    """A fetched page with the charset its server declared (``Content-Type: text/html;
    charset=...``) written into it as a meta tag, when the page names none itself: the saved copy
    is read later without the header, and would be guessed at ("très" read as "trčs"). A byte order
    mark or a meta tag of the page's own wins, as in a browser; UTF-8 needs no tag."""
    if not charset or raw.startswith(_BOMS) or _META_CHARSET.search(raw[:4096]):
        return raw
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return raw  # a name no reader knows: the page is read as it would be without it
    if name == "utf-8" or not _LABEL.fullmatch(charset):
        return raw
    return f'<meta charset="{charset}">\n'.encode("ascii") + raw  # the server's own label


def _extract(raw: bytes) -> Any:
    """trafilatura's reading of the page (``None`` when it finds no article), or :class:`Unreadable`."""
    import trafilatura

    try:
        with quiet_logs("trafilatura", "htmldate", "courlan"):
            return trafilatura.bare_extraction(
                raw,
                with_metadata=True,
                include_comments=False,
                include_tables=False,
                include_images=False,
                output_format="python",
            )
    except (ValueError, TypeError, AttributeError, LookupError, UnicodeError) as error:
        log.debug("unreadable HTML", exc_info=True)
        raise Unreadable(f"not readable as HTML ({type(error).__name__})") from None


def _paragraph_texts(body: Any) -> list[str]:
    """The article's paragraphs in order, each with its white space folded and a ``<br>`` kept as a line break."""
    texts = []
    for element in body.iter(*_PARAGRAPH_TAGS):
        # Soft hyphens are invisible on the page: a reader sees (and searches for) one word.
        shown = "".join(_shown_text(element)).replace("\u00ad", "")
        lines = (" ".join(line.split()) for line in shown.split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            texts.append(text)
    return texts


def _shown_text(element: Any) -> list[str]:
    """The element's own text as a browser lays it out: a line break (trafilatura's ``lb``) as ``\\n``.

    A paragraph inside it (a nested list's items, a quote's ``<p>``) is left out: it is a paragraph
    of its own, after this one. A list item made only of paragraphs has no text of its own.
    """
    parts = [(element.text or "").replace("\n", " ")]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag not in _PARAGRAPH_TAGS:
            parts.extend(_shown_text(child))
        parts.append((child.tail or "").replace("\n", " "))
    return parts


def read_html(source: str, raw: bytes, title: str | None = None, meta: Metadata | None = None) -> Document:
    """Read the main text of a saved web page.

    Args:
        source: The path to cite.
        raw: The page's bytes (its encoding is read from the page, UTF-8 when it says none).
        title: A title given from outside (titles.toml); else the page's own, else the file name.
        meta: Metadata given from outside; each value it has wins over the page's.

    Raises:
        Unreadable: binary content, or no article text on the page.
    """
    if b"\x00" in raw[:4096]:
        raise Unreadable("binary content")
    if not raw.strip():
        raise Unreadable("empty")
    extracted = _extract(raw)
    texts = _paragraph_texts(extracted.body) if extracted is not None and extracted.body is not None else []
    if not texts:
        raise Unreadable("no article text found on the page")
    paragraphs = []
    offset = 0
    for number, text in enumerate(texts, start=1):
        paragraphs.append(Paragraph(number, offset, offset + len(text)))
        offset += len(text) + 2
    found = Metadata(
        url=_http_url(extracted.url),
        author=extracted.author or None,
        published=extracted.date or None,
    )
    return Document(
        source=source,
        title=title or extracted.title or readable_name(source),
        text="\n\n".join(texts),
        paragraphs=tuple(paragraphs),
        meta=found.merged(meta or Metadata()),
        kind="html",
    )


def _http_url(url: str | None) -> str | None:
    # A page saved from disk can name a file:// or relative address; only a web address is a link.
    return url if url and url.startswith(("http://", "https://")) else None

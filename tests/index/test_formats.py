"""Reading each source format: paragraphs, pages, metadata, titles.toml tables, skip reasons (index/formats/)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from index.documents import Document, Metadata, parse_document
from index.formats import Entry, Unreadable, parse_titles, read_document
from index.sources import read_sources
from index.types import Hit

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
HTML = FIXTURES / "night_trains.html"
PDF = FIXTURES / "lighthouse.pdf"
MARKDOWN = FIXTURES / "glass_harmonica.md"
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
PAGE_URL = "https://gazette.example.org/travel/night-trains-are-back"
BOILERPLATE = (
    "cookies",
    "Accept all",
    "Subscribe",
    "Related stories",
    "Ferry fares",
    "All rights reserved",
    "newsletter",
)


def read(path: Path, entry: Entry | None = None) -> Document:
    return read_document(f"seeds/{path.name}", path.read_bytes(), entry)


def paragraph_texts(doc: Document) -> list[str]:
    return [doc.text[p.start : p.end] for p in doc.paragraphs]


def test_html_paragraphs_are_the_articles_p_elements() -> None:
    """The six <p> of the article are the paragraphs, white space folded, in order, one blank line apart."""
    doc = read(HTML)
    texts = paragraph_texts(doc)
    assert len(texts) == 6
    assert texts[0].startswith("After decades of decline, sleeper trains are returning")
    assert texts[1].startswith("The revival began in Austria.")
    assert texts[4] == (
        "“We are not competing with the plane on speed,” said Henrik Aalto, who runs the Helsinki route. "
        "“We are competing on the whole evening: dinner, a good night’s sleep, and breakfast in Berlin.”"
    )
    assert doc.text == "\n\n".join(texts)
    assert [p.number for p in doc.paragraphs] == [1, 2, 3, 4, 5, 6]
    assert doc.title_paragraph == 0


def test_html_boilerplate_is_not_in_the_text() -> None:
    """Navigation, cookie banner, related links, footer and headings are left out."""
    doc = read(HTML)
    for phrase in (*BOILERPLATE, "Why travellers are switching"):
        assert phrase not in doc.text


def test_html_metadata_comes_from_the_page() -> None:
    """Title, author, date and canonical URL are read from the page's head."""
    doc = read(HTML)
    assert doc.title == "The night trains are back"
    assert doc.kind == "html"
    assert doc.meta == Metadata(url=PAGE_URL, author="Marta Lindqvist", published="2024-03-18")


def test_html_paragraph_link_carries_a_text_fragment_of_its_first_words() -> None:
    """A passage of ¶2 links to the page with `#:~:text=` and the paragraph's first eight words."""
    fields = read(HTML).citation_fields(2)
    assert fields == {
        "paragraph": 2,
        "url": PAGE_URL + "#:~:text=The%20revival%20began%20in%20Austria.%20In%202016%20the",
    }


def test_titles_toml_entry_wins_over_the_pages_own_title_and_url() -> None:
    """What titles.toml says about a file is used over what the file says; the rest is kept."""
    entry = Entry("Sleepers return", Metadata(url="https://other.example/n", retrieved="2026-01-02T10:00:00+00:00"))
    doc = read(HTML, entry)
    assert doc.title == "Sleepers return"
    assert doc.meta.url == "https://other.example/n"
    assert doc.meta.author == "Marta Lindqvist"
    assert doc.meta.retrieved == "2026-01-02T10:00:00+00:00"


def test_html_without_an_address_cites_without_a_link() -> None:
    """A saved page that names no http(s) address has no url: its passages cite as a text file's do."""
    html = b"<html><head><title>Notes</title></head><body><article>" + b"<p>A paragraph of notes. " * 30 + b"</article>"
    doc = read_document("seeds/notes.html", html)
    assert doc.meta.url is None
    assert doc.citation_fields(1) == {"paragraph": 1}


def test_pdf_paragraphs_are_text_blocks_with_their_page() -> None:
    """Each block of lines is a paragraph, numbered on its page; lines are joined with spaces."""
    doc = read(PDF)
    where = [(p.page, p.on_page) for p in doc.paragraphs]
    assert where == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3)]
    texts = paragraph_texts(doc)
    assert texts[0] == "The Keepers of Skerry Point"
    assert texts[2] == (
        "Three families shared the station. The principal keeper, Agnes Whitlow, kept the log in a green "
        "ledger; every ship that passed, every storm and every broken pane was written down in her hand."
    )
    assert texts[4].startswith("Electric light came to Skerry Point in 1936.")
    assert doc.text == "\n\n".join(texts)


def test_pdf_title_and_author_come_from_its_information_and_the_title_block_is_not_indexed() -> None:
    """The PDF's /Title names it, its first block only repeats that title, /Author is kept."""
    doc = read(PDF)
    assert doc.title == "The Keepers of Skerry Point"
    assert doc.title_paragraph == 1
    assert doc.kind == "pdf"
    assert doc.meta == Metadata(author="Harbour Historical Society")


def test_pdf_citation_names_the_page_and_the_paragraph_on_it() -> None:
    """The record of the 6th block says page 2, paragraph 2; the hit's label reads "p. 2 ¶2"."""
    doc = read(PDF)
    fields = doc.citation_fields(6)
    assert fields == {"paragraph": 2, "page": 2}
    hit = Hit("text", "seeds/lighthouse.pdf", doc.title, score=1.0, sentence="text", sentence_start=0, **fields)
    assert hit.citation(1) == "[1] The Keepers of Skerry Point, p. 2 ¶2"


def test_pdf_with_a_url_links_to_the_page() -> None:
    """A PDF published at a URL links each passage to its page (`#page=N`, read by browsers' viewers)."""
    doc = read(PDF, Entry(meta=Metadata(url="https://harbour.example.org/keepers.pdf")))
    assert doc.citation_fields(5) == {
        "paragraph": 1,
        "page": 2,
        "url": "https://harbour.example.org/keepers.pdf#page=2",
    }


def test_markdown_front_matter_gives_title_url_author_and_date() -> None:
    """`title:`, `url:`, `author:` and `date:` are read; the front matter is ¶1 and is not indexed."""
    doc = read(MARKDOWN)
    assert doc.title == "The Glass Harmonica"
    assert doc.meta == Metadata(
        url="https://music.example.net/instruments/glass-harmonica", author="Clara Montague", published="2023-11-05"
    )
    assert doc.title_paragraph == 1
    assert paragraph_texts(doc)[1].startswith("Benjamin Franklin invented the glass harmonica in 1761")
    assert doc.citation_fields(2) == {"paragraph": 2, "url": "https://music.example.net/instruments/glass-harmonica"}


def test_front_matter_without_a_title_is_still_not_indexed() -> None:
    """Front matter with a url and retrieval time but no title is not indexed; the title comes from the file name."""
    text = "---\nurl: https://x.example/b\nretrieved: 2026-01-02T10:00:00Z\n---\n\nBees forage at dawn."
    doc = parse_document("seeds/bees_today.md", text)
    assert doc.title == "bees today"
    assert doc.title_paragraph == 1
    assert doc.meta == Metadata(url="https://x.example/b", retrieved="2026-01-02T10:00:00Z")


def test_front_matter_is_not_indexed_when_titles_toml_names_the_document() -> None:
    """A title given from outside does not make the front matter text."""
    doc = parse_document("seeds/g.md", MARKDOWN.read_text(encoding="utf-8"), "Given")
    assert doc.title == "Given"
    assert doc.title_paragraph == 1


def test_plain_documents_cite_exactly_as_before() -> None:
    """A .txt without metadata: every record says only its paragraph, and labels read "Title, ¶N"."""
    doc = read(ARTICLE, Entry("IBM quits facial recognition"))
    assert doc.meta == Metadata()
    assert all(doc.citation_fields(p.number) == {"paragraph": p.number} for p in doc.paragraphs)
    assert doc == parse_document(
        f"seeds/{ARTICLE.name}", ARTICLE.read_text(encoding="utf-8"), "IBM quits facial recognition"
    )
    hit = Hit("t", "seeds/a.txt", "IBM quits facial recognition", 6, 0.5, "t", 0)
    assert hit.citation(2) == "[2] IBM quits facial recognition, ¶6"


def test_titles_toml_takes_both_the_old_strings_and_tables() -> None:
    """A file name maps to a title string, or to a table of title, url, author, date and retrieved."""
    raw = b"""
"a.txt" = "Plain title"

["page.html"]
title = "Page title"
url = "https://example.org/page"
date = 2024-05-01
retrieved = 2026-01-02T10:00:00Z

["only-url.md"]
url = "https://example.org/md"
"""
    titles = parse_titles(raw)
    assert titles["a.txt"] == Entry("Plain title")
    assert titles["page.html"] == Entry(
        "Page title",
        Metadata(url="https://example.org/page", published="2024-05-01", retrieved="2026-01-02T10:00:00+00:00"),
    )
    assert titles["only-url.md"] == Entry(None, Metadata(url="https://example.org/md"))


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(PDF))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("scan.pdf", (FIXTURES / "scanned.pdf").read_bytes(), "no text layer (a scanned PDF? run OCR on it first"),
        ("cut.pdf", PDF.read_bytes()[:900], "not a readable PDF ("),
        ("fake.pdf", b"Just some text in a file named .pdf", "not a PDF file"),
        ("locked.pdf", _encrypted_pdf(), "encrypted (save an unprotected copy)"),
        ("empty.html", b" \n ", "empty"),
        ("image.htm", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        (
            "menu.html",
            b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
            "no article text found on the page",
        ),
    ],
)
def test_unreadable_files_of_the_new_formats_say_why(name: str, content: bytes, reason: str) -> None:
    """A damaged, encrypted, scanned, empty or article-less file raises Unreadable with a one-line reason."""
    with pytest.raises(Unreadable) as caught:
        read_document(f"seeds/{name}", content)
    assert str(caught.value).startswith(reason)
    assert "\n" not in str(caught.value)


def test_read_sources_reads_every_format_and_skips_with_reasons(tmp_path: Path) -> None:
    """A seeds folder with each format and a scanned PDF: three documents, one skip line, titles.toml urls used."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in (HTML, PDF, MARKDOWN, FIXTURES / "scanned.pdf"):
        (seeds / path.name).write_bytes(path.read_bytes())
    (seeds / "titles.toml").write_text('["lighthouse.pdf"]\nurl = "https://harbour.example.org/keepers.pdf"\n')
    sources = read_sources(seeds)
    assert [d.source for d in sources.documents] == [
        "seeds/glass_harmonica.md",
        "seeds/lighthouse.pdf",
        "seeds/night_trains.html",
    ]
    assert sources.documents[1].meta.url == "https://harbour.example.org/keepers.pdf"
    assert sources.skipped == (
        "seeds/scanned.pdf: no text layer (a scanned PDF? run OCR on it first, e.g. with ocrmypdf)",
    )


def test_any_failure_of_a_parser_is_a_skip_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a third-party parser raises on a strange file becomes a reason naming the error, not a traceback."""
    import trafilatura

    def explode(*_: object, **__: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    with pytest.raises(Unreadable, match=r"^could not be read \(RecursionError\)$"):
        read(HTML)

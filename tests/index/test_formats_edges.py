"""Break-it cases of the readers: what a page, a Markdown file or a PDF does that the fixtures do not (index/formats/)."""

from __future__ import annotations

from index.documents import Document
from index.formats import read_document

URL = "https://ex.example.org/page?id=7"
HEAD = f'<html><head><title>T</title><link rel="canonical" href="{URL}"></head><body><article><h1>T</h1>'
# trafilatura wants some article text before it trusts a page; this paragraph is that text.
FILLER = (
    "<p>" + " ".join(f"Sentence {i} of the opening paragraph is about trains and rails." for i in range(5)) + "</p>"
)


def page(body: str) -> Document:
    return read_document("seeds/page.html", (HEAD + FILLER + body + "</article></body></html>").encode())


def texts(doc: Document) -> list[str]:
    return [doc.text[p.start : p.end] for p in doc.paragraphs]


def test_a_line_break_in_a_paragraph_separates_its_words() -> None:
    """`<br>` is shown as a line break: the words either side are not run together."""
    doc = page("<p>First line here<br>second line after the break</p>")
    assert texts(doc)[1] == "First line here\nsecond line after the break"


def test_a_text_fragment_stops_at_a_line_break() -> None:
    """A browser does not match text across a `<br>` (a block boundary): the fragment is the first line's words."""
    doc = page("<p>First line here<br>second line after the break</p>")
    assert doc.citation_fields(2)["url"] == f"{URL}#:~:text=First%20line%20here"


def test_a_list_item_with_a_nested_list_keeps_its_own_words() -> None:
    """An item's own text is a paragraph before its nested items; it was left out when the item held a list."""
    doc = page("<ul><li>Parent item text<ul><li>child one</li><li>child two</li></ul></li><li>Sibling</li></ul>")
    assert texts(doc)[1:] == ["Parent item text", "child one", "child two", "Sibling"]


def test_soft_hyphens_are_not_in_the_text_nor_the_fragment() -> None:
    """A soft hyphen is invisible on the page: "re&shy;vival" is the word "revival" in the index and the link."""
    doc = page("<p>The re&shy;vi&shy;val began&nbsp;in Austria.</p>")
    assert texts(doc)[1] == "The revival began in Austria."
    assert doc.citation_fields(2)["url"].endswith("#:~:text=The%20revival%20began%20in%20Austria.")


def markdown(raw: bytes) -> Document:
    return read_document("seeds/notes.md", raw)


def test_text_right_after_the_front_matter_is_a_paragraph() -> None:
    """Front matter closed by `---` with the text on the next line (no blank line): the text is indexed."""
    doc = markdown(b"---\nurl: https://ex.example.org/b\n---\nBody right after the front matter.\n\nSecond.\n")
    assert texts(doc) == ["---\nurl: https://ex.example.org/b\n---", "Body right after the front matter.", "Second."]
    assert doc.title_paragraph == 1
    assert doc.meta.url == "https://ex.example.org/b"


def test_front_matter_values_are_read_as_yaml_scalars_and_only_a_web_address_is_a_url() -> None:
    """A quoted value ends at its quote, an unquoted one at ` #` (a comment); a relative `url:` is no link."""
    doc = markdown(b"---\nurl: 'https://ex.example.org/g' # canonical\nauthor: Ada # guest\n---\n\nBody.\n")
    assert (doc.meta.url, doc.meta.author) == ("https://ex.example.org/g", "Ada")
    assert markdown(b"---\nurl: /relative/page\n---\n\nBody.\n").meta.url is None


def test_pdf_ligatures_are_read_as_their_letters() -> None:
    """A line set with the ﬁ and ﬂ ligatures reads "find" and "flow", so a search for the words finds it."""
    from index.formats.pdf import _blocks, _Line

    assert _blocks([_Line("We ﬁnd the ﬂow of oﬃce work", 700.0, 11.0)]) == ["We find the flow of office work"]

"""Paragraph numbering and title detection (index/documents.py, titles.toml in index/store.py)."""

from __future__ import annotations

from pathlib import Path

from index.documents import parse_document, readable_name, split_paragraphs
from index.sources import read_sources

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
FIXTURES = ROOT / "tests" / "fixtures"


def test_paragraphs_are_the_non_empty_blocks_numbered_from_one() -> None:
    """Blank lines (even holding spaces or nbsp) separate paragraphs; blanks before and after count for nothing."""
    text = "\n\n  A.\n\n\n\nB.\n \u00a0\nC.\nstill C.\n\n   \n"
    paragraphs = split_paragraphs(text)
    assert [p.number for p in paragraphs] == [1, 2, 3]
    assert [text[p.start : p.end] for p in paragraphs] == ["A.", "B.", "C.\nstill C."]


def test_a_form_feed_alone_on_a_line_is_a_blank_line() -> None:
    """A text exported page by page puts a form feed between pages: the pages' paragraphs stay apart."""
    text = "End of page one.\n\f\nStart of page two.\n\x0b\nThird.\fstill third."
    assert [text[p.start : p.end] for p in split_paragraphs(text)] == [
        "End of page one.",
        "Start of page two.",
        "Third.\fstill third.",
    ]


def test_article_paragraph_6_is_ibm_no_longer_offers_and_15_is_qualified_immunity() -> None:
    """The article's 18 paragraphs are numbered so that ¶6 and ¶15 are the ones the eval cites."""
    text = ARTICLE.read_text(encoding="utf-8")
    doc = parse_document("seeds/" + ARTICLE.name, text)
    by_number = {p.number: text[p.start : p.end] for p in doc.paragraphs}
    assert len(by_number) == 18
    assert by_number[6].startswith("“IBM no longer offers general purpose")
    assert "qualified immunity doctrine" in by_number[15]
    assert by_number[1].startswith("RESEARCH TRIANGLE PARK")


def test_article_without_a_title_line_is_named_after_its_file() -> None:
    """A first paragraph that is a sentence is not a title: the readable file name is used and nothing is skipped."""
    text = ARTICLE.read_text(encoding="utf-8")
    doc = parse_document("seeds/" + ARTICLE.name, text)
    assert doc.title == "000 a7265f2ac828b9b1"
    assert doc.title_paragraph == 0


def test_markdown_heading_is_the_title() -> None:
    """A .md file's leading `# Heading` is its title, and that paragraph is marked as the title paragraph."""
    doc = parse_document("seeds/bees.md", "# Why Honeybee Colonies Are Collapsing\n\nBeekeepers opened their hives.")
    assert doc.title == "Why Honeybee Colonies Are Collapsing"
    assert doc.title_paragraph == 1


def test_front_matter_title_line_is_the_title() -> None:
    """A `title:` line in front matter names the document, quotes removed."""
    doc = parse_document("seeds/x.md", '---\ntitle: "Harbour Notes"\n---\n\nBody here.')
    assert doc.title == "Harbour Notes"


def test_short_first_line_is_the_title() -> None:
    """A short first paragraph without closing punctuation, followed by more text, is the title."""
    doc = parse_document("seeds/sb.txt", "Super Bowl 50\n\nThe game was played in Santa Clara.")
    assert doc.title == "Super Bowl 50"
    assert doc.title_paragraph == 1


def test_a_rule_opening_a_file_is_no_title() -> None:
    """A Markdown file opening with a rule (not front matter: nothing closes it) was titled "---"."""
    doc = parse_document(
        "seeds/harbour_notes.md", "---\n\nThe harbour was dredged in 1911.\n\n* * *\n\nIt opened in 1912."
    )
    assert doc.title == "harbour notes" and doc.title_paragraph == 0


def test_a_lone_short_line_is_text_not_a_title() -> None:
    """A document that is a single short line keeps it as text and is named after its file."""
    doc = parse_document("seeds/super_bowl.txt", "Super Bowl 50")
    assert doc.title == "super bowl"
    assert doc.title_paragraph == 0


def test_given_title_wins_over_the_heading() -> None:
    """A title passed in (from titles.toml) is used as is, and the heading stays an ordinary paragraph."""
    doc = parse_document("seeds/bees.md", "# Heading\n\nBody.", title="Given Title")
    assert doc.title == "Given Title"
    assert doc.title_paragraph == 0


def test_titles_toml_names_documents_in_the_seeds_folder(tmp_path: Path) -> None:
    """read_sources takes titles from seeds/titles.toml by file name; other files keep their own title."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "ibm.txt").write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    (seeds / "honeybees.md").write_bytes((FIXTURES / "multi" / "honeybees.md").read_bytes())
    (seeds / "titles.toml").write_text('"ibm.txt" = "IBM quits facial recognition"\n', encoding="utf-8")
    titles = {doc.source: doc.title for doc in read_sources(seeds).documents}
    assert titles == {
        "seeds/ibm.txt": "IBM quits facial recognition",
        "seeds/honeybees.md": "Why Honeybee Colonies Are Collapsing",
    }


def test_readable_name_turns_underscores_and_dashes_into_spaces() -> None:
    """`ibm_facial-recognition.txt` reads as `ibm facial recognition`."""
    assert readable_name("ibm_facial-recognition.txt") == "ibm facial recognition"

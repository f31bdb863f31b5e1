"""Quotation extraction and attribution (index/quotes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.documents import parse_document
from index.quotes import QuoteRecord, extract_quotes

ARTICLE = Path(__file__).resolve().parents[2] / "seeds" / "000_a7265f2ac828b9b1.txt"


@pytest.fixture(scope="module")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def article_quotes(article_text: str) -> list[QuoteRecord]:
    return extract_quotes(parse_document("seeds/" + ARTICLE.name, article_text))


def quote_starting(quotes: list[QuoteRecord], text: str, prefix: str) -> QuoteRecord:
    (found,) = [q for q in quotes if text[q.start : q.end].startswith(prefix)]
    return found


def quotes_of(text: str) -> list[tuple[str, str | None]]:
    return [(text[q.start : q.end], q.speaker) for q in extract_quotes(parse_document("seeds/x.txt", text))]


def test_every_quotation_in_the_article_is_found_verbatim_between_its_marks(
    article_text: str, article_quotes: list[QuoteRecord]
) -> None:
    """All eight “…” quotations are found; each text is the source between an opening and a closing curly quote."""
    assert len(article_quotes) == article_text.count("“") == 8
    for q in article_quotes:
        assert article_text[q.start - 1] == "“"
        assert article_text[q.end] == "”"
        assert "“" not in article_text[q.start : q.end]


@pytest.mark.parametrize(
    ("prefix", "paragraph", "how"),
    [
        ("IBM no longer offers", 6, "“…,” Krishna wrote"),
        ("IBM firmly opposes", 8, "a paragraph that is only a quotation, after Krishna's"),
        ("Artificial Intelligence is a powerful tool", 10, "“…,” he explained"),
        ("Congress should bring more police misconduct", 15, "“…,” he said, after the misspelt Khrisna"),
        ("Congress should also establish a federal registry", 16, "a stand-alone quotation paragraph"),
    ],
)
def test_krishna_quotes_are_attributed_to_arvind_krishna(
    article_text: str, article_quotes: list[QuoteRecord], prefix: str, paragraph: int, how: str
) -> None:
    """Surname, pronoun, typo and stand-alone paragraphs all resolve to the full name Arvind Krishna."""
    q = quote_starting(article_quotes, article_text, prefix)
    assert q.paragraph == paragraph
    assert q.speaker == "Arvind Krishna", how


def test_pursuit_of_justice_is_attributed_to_ibm(article_text: str, article_quotes: list[QuoteRecord]) -> None:
    """“IBM called for a “pursuit of justice and racial equity.”” names the organisation as speaker."""
    q = quote_starting(article_quotes, article_text, "pursuit of justice and racial equity.")
    assert (q.paragraph, q.speaker) == (4, "IBM")


def test_significant_revenue_is_attributed_to_cnbc(article_text: str, article_quotes: list[QuoteRecord]) -> None:
    """“CNBC notes that … “significant revenue”” names CNBC."""
    q = quote_starting(article_quotes, article_text, "significant revenue")
    assert (q.paragraph, q.speaker) == (12, "CNBC")


def test_she_said_after_a_named_woman_is_attributed_to_her() -> None:
    """A pronoun speaker means the person named just before."""
    text = "Mayor Jane Porter spoke first. “We will rebuild the bridge,” she said."
    assert quotes_of(text) == [("We will rebuild the bridge,", "Jane Porter")]


@pytest.mark.parametrize(
    "text",
    ["“The river is rising,” said Jane Doe on Monday.", '"The river is rising," said Jane Doe on Monday.'],
)
def test_said_followed_by_a_name_is_attributed_to_that_name(text: str) -> None:
    """`“…,” said Jane Doe` gives Jane Doe, with curly or straight quotes."""
    assert quotes_of(text) == [("The river is rising,", "Jane Doe")]


def test_quote_with_no_attribution_has_no_speaker() -> None:
    """A quoted phrase nobody is said to have said has speaker None."""
    assert quotes_of("The sign on the door read “closed for repairs” all week.") == [("closed for repairs", None)]


def test_opening_stand_alone_quotation_with_no_earlier_speaker_has_no_speaker() -> None:
    """A quotation paragraph with no quotation before it to continue is not attributed."""
    text = "“Nothing lasts for ever.”\n\nThe town was quiet that winter."
    assert quotes_of(text) == [("Nothing lasts for ever.", None)]


def test_second_quotation_of_a_sentence_pair_keeps_the_speaker() -> None:
    """`“…,” said Maria Lindqvist. “…”` attributes both parts to her."""
    text = (
        "Maria Lindqvist keeps bees.\n\n"
        "“You lift the lid and there is nobody home,” said Maria Lindqvist. “The comb is full.”"
    )
    assert quotes_of(text) == [
        ("You lift the lid and there is nobody home,", "Maria Lindqvist"),
        ("The comb is full.", "Maria Lindqvist"),
    ]


def test_name_particles_stay_in_the_speaker() -> None:
    """`said Karl von Frisch` gives the whole name, and `she` after `Ursula van der Berg` resolves to her."""
    text = "“Bees are clever,” said Karl von Frisch.\n\nUrsula van der Berg agreed. “They count landmarks,” she said."
    assert quotes_of(text) == [
        ("Bees are clever,", "Karl von Frisch"),
        ("They count landmarks,", "Ursula van der Berg"),
    ]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('According to Geoffrey Parker, "France alone lost almost a million people."', "Geoffrey Parker"),
        ("“Sales rose in every quarter,” according to Acme Corp.", "Acme Corp"),
        ("According to the company, “sales rose in every quarter.”", None),
    ],
)
def test_according_to_names_the_source_and_is_no_speaker_itself(text: str, speaker: str | None) -> None:
    """`According to X, "…"` and `"…," according to X` give X; "According" opening a sentence is never the
    speaker (it was, for the SQuAD Black Death article's quotation of Geoffrey Parker)."""
    ((_, found),) = quotes_of(text)
    assert found == speaker


def test_a_quotation_running_on_across_paragraphs_keeps_every_paragraph_and_its_speaker() -> None:
    """News copy leaves a long quotation's mark open at a paragraph's end and opens the next paragraph with
    another: each open paragraph is a quotation too (it was dropped), said by whoever says its continuation."""
    text = (
        "The mayor spoke on Monday.\n\n"
        "“We will build the bridge. It will take two years.\n\n"
        "“It will cost less than the last one.\n\n"
        "“And it will be safe,” Jane Smith said.\n\n"
        "The river rose near the “old ferry” again."
    )
    assert quotes_of(text) == [
        ("We will build the bridge. It will take two years.", "Jane Smith"),
        ("It will cost less than the last one.", "Jane Smith"),
        ("And it will be safe,", "Jane Smith"),
        ("old ferry", None),
    ]


def test_a_running_quotation_named_before_it_opens_gives_its_continuation_the_speaker() -> None:
    """`Jane Smith said: "…` left open runs on; the next paragraph, unattributed, is hers too."""
    text = 'Jane Smith said: "We will build the bridge.\n\n"It will take two years."\n\nThe river was high.'
    assert quotes_of(text) == [("We will build the bridge.", "Jane Smith"), ("It will take two years.", "Jane Smith")]


def test_a_mark_left_open_with_no_continuation_is_no_quotation() -> None:
    """An open mark whose next paragraph does not open with one is a typo, not a quotation running on."""
    assert quotes_of("He called it “the plan.\n\nThe river was high.") == []


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“Hola a todos,” said José Álvarez.", "José Álvarez"),
        ("“Nous partons,” Émile Zola wrote.", "Émile Zola"),
        ("Łukasz Nowak spoke first. “We will win,” he said.", "Łukasz Nowak"),
        ("Øystein Ødegaard said: “It is cold.”", "Øystein Ødegaard"),
    ],
)
def test_a_name_may_start_with_any_capital_letter(text: str, speaker: str) -> None:
    """A name word starts with a capital of any script, not of A to Z alone: "Émile Zola" was no speaker and
    "José Álvarez" was cut to "José"."""
    assert quotes_of(text) == [(quotes_of(text)[0][0], speaker)]

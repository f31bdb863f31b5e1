"""Sentence splitting and normalisation (index/text.py)."""

from __future__ import annotations

import pytest

from index.text import clean_question, normalize, plain, split_sentences, strip_controls


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Smith went home. He slept.", ["Dr. Smith went home.", "He slept."]),
        ("Mr. J. R. Tolley met her. She smiled.", ["Mr. J. R. Tolley met her.", "She smiled."]),
        ("John F. Kennedy was president. He died in 1963.", ["John F. Kennedy was president.", "He died in 1963."]),
        (
            "The U.S. economy grew, e.g. in steel. Prices rose.",
            ["The U.S. economy grew, e.g. in steel.", "Prices rose."],
        ),
        ("It was 6 a.m. on Tuesday. She left.", ["It was 6 a.m. on Tuesday.", "She left."]),
        ("Prices rose 3.5 percent. Costs fell.", ["Prices rose 3.5 percent.", "Costs fell."]),
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    """Titles, initials, dotted abbreviations and decimals stay inside their sentence."""
    assert sentences(text) == expected


def test_closing_quotes_stay_with_their_sentence() -> None:
    """A sentence ending inside curly or straight quotes keeps the closing mark; the next starts at the opening one."""
    text = '“We are done,” she said. “Really done.” Then silence fell. "Stop." Why? Because.'
    assert sentences(text) == [
        "“We are done,” she said.",
        "“Really done.”",
        "Then silence fell.",
        '"Stop."',
        "Why?",
        "Because.",
    ]


def test_a_sentence_may_open_with_a_capital_of_any_script() -> None:
    """ "Émile", "Ørsted" and "Δ" start sentences as "Emile" does; a lower-case word after a period does not."""
    text = "Zola wrote it. Émile was 58. Ørsted agreed. Δ is a letter. It says e.g. émile here."
    assert sentences(text) == [
        "Zola wrote it.",
        "Émile was 58.",
        "Ørsted agreed.",
        "Δ is a letter.",
        "It says e.g. émile here.",
    ]


def test_sentence_spans_are_offsets_into_the_whole_text_within_the_range() -> None:
    """With start and end, spans are offsets into the whole text, inside the range, trimmed of white space."""
    text = "Ignore this. First one here.  Second one here.\n\nNot this."
    start, end = text.index("First"), text.index("\n\n")
    spans = split_sentences(text, start, end)
    assert [text[a:b] for a, b in spans] == ["First one here.", "Second one here."]
    assert all(start <= a < b <= end for a, b in spans)


def test_blank_text_has_no_sentences() -> None:
    """White space alone gives no sentence."""
    assert split_sentences("  \n\t ") == []


def test_plain_applies_nfkc_and_straightens_quotes_dashes_and_spaces() -> None:
    """NFKC folds ligatures and full-width letters; curly quotes, dashes and nbsp become plain ASCII."""
    assert plain("“Hi” — it’s\u00a0ok \ufb01ne \uff21\uff22  x\n y ") == '"Hi" - it\'s ok fine AB x y'


def test_normalize_case_folds_after_plain() -> None:
    """normalize() is plain() case folded (ß becomes ss)."""
    assert normalize("“HI” Straße") == '"hi" strasse'


def test_strip_controls_removes_control_and_invisible_characters_but_keeps_tab_and_newline() -> None:
    """NUL, ESC, zero-width space and BOM become spaces; tab and newline survive."""
    assert strip_controls("a\x00b\x1b[31mc\u200bd\ufeffe\tf\ng") == "a b [31mc d e\tf\ng"


@pytest.mark.parametrize("question", ["Who is \udcff Tim Humphrey?", "Who is \ud83d Tim Humphrey?\udc00"])
def test_a_question_with_lone_surrogates_is_read_without_them(question: str) -> None:
    """Bytes that were not UTF-8 (`ask "$(printf '\\xff')"`, read with surrogateescape) or a JSON "\\udcff"
    escape give lone surrogates, which the tokenizer refuses (a TypeError, then an apology): they are dropped."""
    cleaned, notes = clean_question(question, 1000)
    assert cleaned == "Who is Tim Humphrey?" and notes == ()
    cleaned.encode("utf-8")  # what the tokenizer needs

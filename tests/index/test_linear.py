"""Every text pass of the build is linear in the document's length (index/text.py, index/quotes.py).

Timing is for `make bench`; these tests count work instead. The source text is a ``str``
subclass that adds up the characters of every slice taken of it: a pass that copies the text
before each period, or the sentence before each quotation, takes quadratically many.
"""

from __future__ import annotations

from typing import Any

import pytest

import index.names
from index.documents import parse_document
from index.quotes import CONTEXT_CHARS, extract_quotes
from index.text import split_sentences


class CountingText(str):
    """A string that counts the characters copied out of it by slicing."""

    copied = 0

    def __getitem__(self, key: Any) -> str:
        piece = str.__getitem__(self, key)
        CountingText.copied += len(piece)
        return piece


@pytest.fixture(autouse=True)
def reset_count() -> None:
    CountingText.copied = 0


def test_sentence_splitting_copies_each_character_a_bounded_number_of_times() -> None:
    """Splitting 2,000 sentences full of abbreviations copies O(n) characters, not one prefix a period."""
    text = CountingText("Dr. Moreno met Mr. J. Smith of the U.S. Navy at St. Ives on the quay. " * 2000)
    spans = split_sentences(text)
    assert len(spans) == 2000
    assert CountingText.copied <= 5 * len(text)


def test_quote_extraction_in_one_endless_sentence_is_linear() -> None:
    """A 1-line paragraph with 1,000 quotations and no sentence end copies O(n) characters."""
    body = " ".join(f"and the council called it “a plan number {i}” while others disagreed" for i in range(1000))
    text = CountingText(f"Title\n\nMayor Ana Ruiz said {body}\n")
    quotes = extract_quotes(parse_document("seeds/x.txt", text))
    assert len(quotes) == 1000
    assert CountingText.copied <= 10 * len(text)


def test_quotation_context_is_bounded_however_long_the_sentence() -> None:
    """Each quotation keeps at most CONTEXT_CHARS either side of it as context, not its whole sentence."""
    body = " ".join(f"word{i} “quoted words {i}” more words here" for i in range(500))
    doc = parse_document("seeds/x.txt", f"Title\n\n{body}\n")
    quotes = extract_quotes(doc)
    assert len(quotes) == 500
    for q in quotes:
        assert q.context_start <= q.start and q.end <= q.context_end
        assert (q.start - q.context_start) <= CONTEXT_CHARS + 1
        assert (q.context_end - q.end) <= CONTEXT_CHARS + 1


def test_repeated_mentions_of_a_name_are_not_compared_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A surname mentioned 2,000 times among 300 people costs its comparisons once, not once a mention."""
    calls = 0
    real = index.names.within_edits

    def counting(a: str, b: str, limit: int) -> bool:
        nonlocal calls
        calls += 1
        return real(a, b, limit)

    monkeypatch.setattr(index.names, "within_edits", counting)
    people = " ".join(f"Person{chr(65 + i % 26)}{i} Surname{i} spoke." for i in range(300))
    mentions = " ".join("The Bartholomew boat sank." for _ in range(2000))
    extract_quotes(parse_document("seeds/x.txt", f"Title\n\n{people}\n\n{mentions}\n"))
    assert calls <= 2 * 300

"""Text-fragment links to a cited paragraph, encoded as the URL Fragment Text Directives spec says (index/links.py)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from index.links import encode_text_parameter, first_words, paragraph_link, paragraph_links, text_fragment

# The spec's TextDirectiveString: explicit characters and percent-encoded bytes, nothing else.
TEXT_DIRECTIVE_STRING = re.compile(r"^(?:[a-zA-Z0-9!$'()*+./:;=?@_~]|%[0-9A-F]{2})+$")


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("an example text fragment", "an%20example%20text%20fragment"),  # the spec's first example
        ("self-driving", "self%2Ddriving"),  # "-" marks a prefix or suffix: always encoded
        ("salt, pepper", "salt%2C%20pepper"),  # "," separates the parameters
        ("fish & chips", "fish%20%26%20chips"),  # "&" separates directives
        ("100% sure #1", "100%25%20sure%20%231"),
        ("!$'()*+./:;=?@_~", "!$'()*+./:;=?@_~"),  # every explicit character stands as it is
        ("“We", "%E2%80%9CWe"),  # UTF-8 bytes, upper-case hex
        ("البحرين", "%D8%A7%D9%84%D8%A8%D8%AD%D8%B1%D9%8A%D9%86"),  # the spec's BiDi example
    ],
)
def test_text_parameter_is_percent_encoded_as_the_spec_says(text: str, encoded: str) -> None:
    """`-`, `&`, `,`, white space, `%`, `#` and non-ASCII are encoded; the spec's explicit characters are not."""
    assert encode_text_parameter(text) == encoded


@pytest.mark.parametrize(
    "text", ["a-b,c&d e", "Café—naïve “quotes”", "tab\tand\nnew line", "%41 is not A", '<>"`{}|\\^[]']
)
def test_encoding_decodes_back_and_holds_only_what_the_grammar_allows(text: str) -> None:
    """Any text encodes to a valid TextDirectiveString that percent-decodes to the text itself."""
    encoded = encode_text_parameter(text)
    assert TEXT_DIRECTIVE_STRING.match(encoded)
    assert unquote(encoded, errors="strict") == text


def test_text_fragment_folds_white_space_like_the_rendered_page() -> None:
    """Runs of white space become one space before encoding, as a browser renders them."""
    assert text_fragment("The  revival\nbegan, in\tAustria") == ":~:text=The%20revival%20began%2C%20in%20Austria"


def test_first_words_are_eight_words_of_the_paragraph() -> None:
    """The fragment starts the paragraph with its first eight words, punctuation kept."""
    paragraph = "After decades of decline, sleeper trains are returning to the timetables of Europe."
    assert first_words(paragraph) == "After decades of decline, sleeper trains are returning"


def test_first_words_grow_until_they_start_nothing_earlier_on_the_page() -> None:
    """When the opening words also occur before the paragraph, words are added until they do not."""
    earlier = "The council met on Monday. The council met on Monday and voted to close the pier."
    paragraph = "The council met on Monday and voted to reopen the pier after repairs."
    assert first_words(paragraph, earlier) == "The council met on Monday and voted to reopen"


def test_a_short_paragraph_is_taken_whole() -> None:
    """A paragraph of fewer words than the default is the fragment entire."""
    assert first_words("Short one.") == "Short one."


def test_paragraph_link_appends_the_fragment_and_keeps_an_element_id() -> None:
    """The directive follows `#`; an existing `#id` stays before it; an old directive is replaced."""
    assert paragraph_link("https://a.example/p", "Hello, world") == "https://a.example/p#:~:text=Hello%2C%20world"
    assert paragraph_link("https://a.example/p#top", "Hi") == "https://a.example/p#top:~:text=Hi"
    assert paragraph_link("https://a.example/p#:~:text=old", "New") == "https://a.example/p#:~:text=New"


def test_paragraph_link_without_words_is_the_url() -> None:
    """A paragraph with no words has nothing to point at: the page's URL is returned as it is."""
    assert paragraph_link("https://a.example/p", "   ") == "https://a.example/p"


def test_links_for_a_whole_page_agree_with_one_paragraph_at_a_time() -> None:
    """paragraph_links (one pass over the page) gives each paragraph the link paragraph_link gives it."""
    page = [
        "The council met on Monday.",
        "The council met on Monday and voted to close the pier.",
        "The council met on Monday and voted to reopen the pier after repairs.",
        "Straße und Strasse, naïve—café.",
        "",
    ]
    one_by_one = [paragraph_link("https://a.example/p", p, "\n\n".join(page[:i])) for i, p in enumerate(page)]
    assert paragraph_links("https://a.example/p", page) == one_by_one
    assert one_by_one[2].endswith("Monday%20and%20voted%20to%20reopen")


def test_a_paragraph_whose_whole_opening_occurs_earlier_gets_a_prefix() -> None:
    """A short paragraph repeated ("Yes.") would highlight its first occurrence: the paragraph
    before it is named as the directive's prefix (`prefix-,start`), on both paths."""
    page = ["Is it open?", "Yes.", "Does it run at night?", "Yes."]
    links = paragraph_links("https://a.example/p", page)
    assert links[1] == "https://a.example/p#:~:text=Yes."
    assert links[3] == "https://a.example/p#:~:text=Does%20it%20run%20at%20night?-,Yes."
    assert paragraph_link("https://a.example/p", page[3], "\n\n".join(page[:3])) == links[3]


def test_a_prefix_is_taken_from_the_last_line_of_the_paragraph_before() -> None:
    """A prefix, like the start, is matched within one block: after a `<br>`, only the last line counts."""
    links = paragraph_links("https://a.example/p", ["Yes.", "Question one\nand its second line", "Yes."])
    assert links[2] == "https://a.example/p#:~:text=and%20its%20second%20line-,Yes."

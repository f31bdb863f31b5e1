"""Links to where a passage was published: the page's URL, and on HTML pages a text fragment.

A text fragment (``#:~:text=...``, the URL Fragment Text Directives spec, WICG) makes a
browser scroll to and highlight the cited words. The spec's grammar allows only
``[a-zA-Z0-9]`` and ``! $ ' ( ) * + . / : ; = ? @ _ ~`` unencoded in a text parameter;
everything else, notably ``-``, ``&`` and ``,`` (which are the directive's own syntax),
white space, ``%`` and every non-ASCII character, is percent-encoded as UTF-8 bytes.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

# TextDirectiveExplicitChar in the spec's grammar: what may stand unencoded in a text parameter.
_EXPLICIT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$'()*+./:;=?@_~")
_WORD = re.compile(r"\S+")
# Enough words to be found on the page and short enough to read in a link; more are added
# when the first ones also start an earlier paragraph of the same page.
FRAGMENT_WORDS = 8
MAX_FRAGMENT_WORDS = 24


def encode_text_parameter(text: str) -> str:
    """Percent-encode one text parameter (textStart, textEnd, prefix or suffix) as the spec says.

    Args:
        text: The words as shown on the page.

    Returns:
        ASCII: explicit characters as they are, every other byte of the UTF-8 encoding as ``%XX``
        (upper-case hex), e.g. ``"self-driving cars, & more"`` -> ``"self%2Ddriving%20cars%2C%20%26%20more"``.
    """
    return "".join(chr(byte) if byte in _EXPLICIT else f"%{byte:02X}" for byte in text.encode("utf-8"))


def text_fragment(start: str) -> str:
    """The fragment directive that highlights the first instance of ``start`` on a page.

    Args:
        start: Words of the page, matched whole (white space runs are read as one space).

    Returns:
        ``":~:text=<encoded>"``, to follow the ``#`` of a URL.
    """
    return ":~:text=" + encode_text_parameter(" ".join(start.split()))


def first_words(paragraph: str, page_text: str = "", *, words: int = FRAGMENT_WORDS) -> str:
    """The paragraph's first words, enough that they start nothing earlier in ``page_text``.

    A browser highlights the first instance of the words on the page, so when a shorter
    opening also occurs before this paragraph, words are added (up to ``MAX_FRAGMENT_WORDS``).

    Args:
        paragraph: The paragraph as shown.
        page_text: The page's text up to this paragraph (for the uniqueness check); empty skips it.
        words: How many words to start from. Defaults to ``FRAGMENT_WORDS`` (8).

    Returns:
        The opening words, separated by single spaces.
    """
    earlier = " ".join(page_text.split()).casefold()
    return _opening(paragraph, lambda opening: opening in earlier, words)[0]


def _opening(paragraph: str, seen_before: Callable[[str], bool], words: int = FRAGMENT_WORDS) -> tuple[str, bool]:
    """The opening words, and whether even they occur earlier on the page (all the words it may take do)."""
    # A browser matches the words within one block, and a line break (``<br>``) ends one: only
    # the first line's words can be matched together.
    tokens = _WORD.findall(paragraph.split("\n", 1)[0])
    count = min(words, len(tokens))
    while count < min(MAX_FRAGMENT_WORDS, len(tokens)) and seen_before(" ".join(tokens[:count]).casefold()):
        count += 1
    opening = " ".join(tokens[:count])
    return opening, bool(opening) and seen_before(opening.casefold())


def _prefix(previous: str) -> str:
    """The last words of the paragraph before (its last line: a prefix, too, is matched within one block)."""
    return " ".join(_WORD.findall(previous.rsplit("\n", 1)[-1])[-FRAGMENT_WORDS:])


def _with_fragment(url: str, opening: str, prefix: str = "") -> str:
    if not opening:
        return url
    base, _, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0]  # a directive already on the URL is replaced, not stacked
    directive = text_fragment(opening)
    if prefix:  # ``text=prefix-,start``: the start must follow the prefix, with only white space between
        directive = f":~:text={encode_text_parameter(prefix)}-,{directive[len(':~:text=') :]}"
    return f"{base}#{fragment}{directive}"


def paragraph_link(url: str, paragraph: str, page_text: str = "") -> str:
    """A link to ``url`` that lands on ``paragraph``: the URL with a text fragment of its first words.

    An existing ``#fragment`` of the URL is kept before the directive (``#top:~:text=...``). When
    the whole opening the paragraph can give also occurs earlier (a short paragraph repeated, "Yes."),
    the last words of the paragraph before are added as the directive's ``prefix-``, since a
    browser highlights the first match.

    Args:
        url: The page's address.
        paragraph: The cited paragraph as shown on the page.
        page_text: The page's text before the paragraph (paragraphs a blank line apart), so the
            words chosen start nothing earlier.

    Returns:
        The link, or ``url`` unchanged when the paragraph has no words.
    """
    earlier = " ".join(page_text.split()).casefold()
    opening, repeated = _opening(paragraph, lambda words: words in earlier)
    return _with_fragment(url, opening, _prefix(page_text) if repeated else "")


def _found_before(page: str, start: int, opening: str) -> bool:
    return page.find(opening, 0, start - 1 + len(opening)) >= 0


def paragraph_links(url: str, paragraphs: Sequence[str]) -> list[str]:
    """:func:`paragraph_link` for every paragraph of a page, in order, in one pass over the page.

    Args:
        url: The page's address.
        paragraphs: The page's paragraphs, in order.

    Returns:
        One link per paragraph.
    """
    folded = [" ".join(p.split()).casefold() for p in paragraphs]
    page = " ".join(folded)
    links: list[str] = []
    start = 0  # where the current paragraph begins in ``page``
    previous = ""
    for paragraph, fold in zip(paragraphs, folded, strict=True):
        # An occurrence that begins before this paragraph ends within start - 1 + len(opening).
        opening, repeated = _opening(paragraph, functools.partial(_found_before, page, start))
        links.append(_with_fragment(url, opening, _prefix(previous) if repeated else ""))
        start += len(fold) + 1
        previous = paragraph
    return links

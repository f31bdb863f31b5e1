"""Text helpers shared by chunking, search and quotes: normalisation and sentence splitting.

Normalised text is only ever used for matching; what users see is always the
verbatim source, addressed by character offsets.
"""

from __future__ import annotations

import re
import unicodedata

from index.errors import EmptyQuestionError

# Curly quotes, primes and dashes that NFKC leaves alone, made plain for matching.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
# The same change made only where one of those characters is: str.translate looks every
# character up, 4 times the time of this search on a passage that has none or few.
_PLAIN_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _PLAIN) + "]")
_SPACE = re.compile(r"\s+")
# C0/C1 control characters other than tab and newline, plus zero-width and bidi marks.
# Lone surrogates too: bytes that were not UTF-8 (an argument, a JSON "\udcff" escape), which
# no tokenizer takes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")


def plain(text: str) -> str:
    """NFKC, straight quotes and dashes, one space for any run of white space (keeps case)."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _PLAIN_CHARS.sub(_plain_char, text)).strip()


def _plain_char(match: re.Match[str]) -> str:
    return _PLAIN[ord(match.group())]  # type: ignore[return-value]


def normalize(text: str) -> str:
    """:func:`plain`, case folded: the form every comparison uses."""
    return plain(text).casefold()


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit: a line or paragraph without one is a rule or ornament."""
    return any(c.isalnum() for c in text)


def strip_controls(text: str) -> str:
    """Remove control and invisible formatting characters (a question is text, not a terminal script)."""
    return _CONTROL.sub(" ", text)


# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets),
# then white space, then something that starts a sentence: a capital (any script's: "Émile"),
# a digit or an opening quote.
# Every capital letter of the Basic Multilingual Plane, title case ("ǅ") too: sentences and names open with one.
CAPITALS = "".join(re.escape(c) for c in map(chr, range(0x10000)) if c.isalpha() and (c.isupper() or c.istitle()))
_BOUNDARY = re.compile(rf"""[.!?]+["'\u201d\u2019)\]]*\s+(?=["'\u201c\u2018(\[]?[{CAPITALS}0-9])""")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "rev",
        "hon",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "vol",
        "fig",
        "approx",
        "est",
        "dept",
        "univ",
        "mt",
        "ft",
    ]
)


_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or initial rather than a sentence."""
    # Walk back over the word before the period only (ASCII letters and dots), never over the
    # text before it: a copy of text[:dot] for every period made splitting quadratic.
    start = dot
    while start > 0 and text[start - 1] in _WORD_CHARS:
        start -= 1
    if start == dot:
        return False
    token = text[start:dot]
    if len(token) == 1 and token.isupper():  # "John F. Kennedy"
        return True
    if "." in token:  # "U.S.", "e.g."
        return True
    return token.casefold() in _ABBREVIATIONS


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, as offsets into ``text``, white space trimmed.

    Args:
        text: The whole source text.
        start: Where the span to split begins. Defaults to 0.
        end: Where it ends. Defaults to the end of ``text``.

    Returns:
        A list of ``(start, end)`` offsets covering every non-blank sentence, in order.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if text[match.start()] == "." and match.end() - match.start() and _is_abbreviation(text, match.start()):
            continue
        stop = match.end()
        while stop > cursor and text[stop - 1].isspace():
            stop -= 1
        spans.append((cursor, stop))
        cursor = match.end()
    spans.append((cursor, end))
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def within_edits(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` in at most ``limit`` insertions, deletions, substitutions
    or swaps of neighbouring letters ("Khrisna" is one swap from "Krishna")."""
    if abs(len(a) - len(b)) > limit:
        return False
    before = previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current.append(value)
        before, previous = previous, current
        if min(previous) > limit:
            return False
    return previous[-1] <= limit


def clean_question(text: str, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """A question as the retriever reads it: controls removed, white space folded, long ones cut.

    Returns:
        The question, and notes for the asker (that it was shortened).

    Raises:
        EmptyQuestionError: nothing but white space (or controls) is left.
    """
    question = plain(strip_controls(text))
    if not question:
        raise EmptyQuestionError
    if len(question) > max_chars:
        cut = question[:max_chars].rsplit(" ", 1)[0] or question[:max_chars]
        return cut, (f"the question was {len(question):,} characters; only the first {len(cut):,} were read",)
    return question, ()

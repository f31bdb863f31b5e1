"""Quotations: every passage inside quotation marks, with its speaker as the source attributes it.

Attribution follows how news copy is written:

1. a speech verb next to the quote names the speaker: ``"...," Krishna wrote`` or
   ``Krishna said: "..."`` (or ``according to Krishna``); ``he``/``she`` there means the person last named;
2. otherwise the subject of the sentence that opens the quote, as in
   ``CNBC notes that ... "significant revenue"`` or ``IBM called for a "..."``;
3. a paragraph that is nothing but a quotation continues the previous quotation's speaker;
   a quotation left open at a paragraph's end, the next paragraph opening with a mark, runs
   on (news copy's way with a long quotation) and is said by whoever says its continuation;
4. surnames resolve to the full name used earlier ("Krishna" -> "Arvind Krishna"),
   and a near-miss spelling of a known name resolves to it ("Khrisna").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

from index.documents import Document, Paragraph
from index.names import NAME, NAME_AT_WORD, People, clean_name
from index.text import split_sentences

_QUOTE = re.compile(r"\u201c([^\u201c\u201d]{3,}?)\u201d|(?<![\w])\"([^\"\n]{3,}?)\"")
# A quotation whose mark is still open at the paragraph's end.
_RUNNING = re.compile(r"\u201c([^\u201c\u201d]{3,})$|(?<![\w])\"([^\"\n]{3,})$")
_VERBS = (
    "said|says|wrote|writes|explained|explains|added|adds|noted|notes|told|tells|stated|states|argued|argues|"
    "asked|asks|warned|warns|continued|continues|declared|declares|insisted|insists|replied|replies|"
    "announced|announces|acknowledged|acknowledges|emphasized|emphasised|stressed|recalled|admitted|"
    "claimed|claims|observed|remarked|commented|concluded|posted|tweeted"
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
# After the closing quote: `," Krishna wrote` / `," he explained` / `," said Krishna` / `," according to Krishna`.
_AFTER = re.compile(rf"[\s,.;:!?\u2014-]*(?:(?P<pro>he|she|they|He|She|They)|(?P<name>{NAME}))\s+(?:{_VERBS})\b")
_AFTER_INV = re.compile(rf"[\s,.;:!?\u2014-]*(?:{_VERBS}|according\s+to)\s+(?P<name>{NAME})")
# Before the opening quote: `Krishna said: "` / `According to Krishna, "`.
_BEFORE = re.compile(
    rf"(?:(?P<name>{NAME}|he|she|He|She)\s+(?:{_VERBS})(?:\s+\w+){{0,3}}|[Aa]ccording\s+to\s+(?P<source>{NAME}))[\s,:]*$"
)


@dataclass(frozen=True)
class QuoteRecord:
    """A quotation found in a document, with offsets into its verbatim text."""

    source: str
    paragraph: int
    start: int  # of the words inside the marks
    end: int
    speaker: str | None
    context_start: int  # the sentence(s) around it, for topic search
    context_end: int


# How far before an opening quote and after a closing one attribution looks ("Krishna said:"),
# and how much of the sentence around a quotation is kept as its context for topic search.
# Sentences are rarely longer (the longest SQuAD evidence is 1,222 characters); these bounds
# keep one endless line from making every quotation carry all of it (docs/retrieval.md).
ATTRIBUTION_WINDOW = 400
CONTEXT_CHARS = 400


def extract_quotes(doc: Document) -> list[QuoteRecord]:
    """Every quotation in ``doc`` with its speaker (None when the source does not say).

    Linear in the document's length: each paragraph's sentences and quotations are
    matched up by position (two sorted lists), never each against all.
    """
    people = People()
    found: list[QuoteRecord] = []
    previous: list[str | None] = [None]  # the last speaker named, for a paragraph that is all quotation
    running: list[int] = []  # where in ``found`` the quotations running on into the next paragraph are
    paragraphs = doc.paragraphs
    for i, para in enumerate(paragraphs):
        if para.number == doc.title_paragraph:
            continue  # a title or front matter (`title: "..."`) is not quoting anyone
        sentences = split_sentences(doc.text, para.start, para.end)
        quotes = list(_QUOTE.finditer(doc.text, para.start, para.end))
        whole = doc.text[para.start : para.start + 200].lstrip().startswith(("\u201c", '"'))
        _paragraph_quotes(doc, para.number, sentences, quotes, whole, people, previous, found)
        after = quotes[-1].end() if quotes else para.start
        if i + 1 < len(paragraphs) and (m := _running_on(doc.text, para, after, paragraphs[i + 1])):
            running.append(len(found))
            found.append(_running_record(doc, para, sentences, m, people, previous))
    for j in reversed(running):  # unattributed: said by whoever says its continuation, first in the next paragraph
        if found[j].speaker is None and j + 1 < len(found) and found[j + 1].paragraph == found[j].paragraph + 1:
            found[j] = replace(found[j], speaker=found[j + 1].speaker)
    return found


def _running_on(text: str, para: Paragraph, after: int, following: Paragraph) -> re.Match[str] | None:
    """The quotation left open at the end of ``para`` (after ``after``), when ``following`` opens with the same mark."""
    m = _RUNNING.search(text, after, para.end)
    opening = text[following.start : following.start + 200].lstrip()[:1]
    return m if m is not None and opening == ("\u201c" if m.group(1) is not None else '"') else None


def _running_record(
    doc: Document,
    para: Paragraph,
    sentences: list[tuple[int, int]],
    m: re.Match[str],
    people: People,
    previous: list[str | None],
) -> QuoteRecord:
    """The record of a quotation running on: from its mark to the paragraph's end, attributed as any other."""
    text, group = doc.text, 1 if m.group(1) is not None else 2
    a, b = m.start(group), m.start(group) + len(m.group(group).rstrip())
    j = min(bisect_right([end for _, end in sentences], m.start()), len(sentences) - 1)
    s_start, s_end = sentences[j] if sentences else (para.start, para.end)
    speaker = _attribute(text, s_start, para.end, m.start(), para.end, people)
    if speaker is _UNSAID:
        speaker = _Subject(text, s_start, s_end, people).before(m.start())
    if speaker is not None:
        previous[0] = speaker  # its continuation, unattributed, is said by the same person
    return QuoteRecord(
        doc.source, para.number, a, b, speaker, max(s_start, a - CONTEXT_CHARS), min(para.end, b + CONTEXT_CHARS)
    )


def _paragraph_quotes(
    doc: Document,
    number: int,
    sentences: list[tuple[int, int]],
    quotes: list[re.Match[str]],
    whole: bool,
    people: People,
    previous: list[str | None],
    found: list[QuoteRecord],
) -> None:
    text = doc.text
    starts = [q.start() for q in quotes]
    ends = [q.end() for q in quotes]
    sentence_ends = [b for _, b in sentences]
    for s_start, s_end in sentences:
        # Quotations starting in this sentence, and those ending in it (quotations never overlap).
        first_start, last_start = bisect_left(starts, s_start), bisect_left(starts, s_end)
        first_end, last_end = bisect_right(ends, s_start), bisect_right(ends, s_end)
        touching = range(min(first_start, first_end), max(last_start, last_end))
        if not touching:
            people.see(text[s_start:s_end])
            continue
        # Only what lies outside quotation marks says who is who.
        outside = _mask(text, s_start, s_end, [(starts[i], ends[i]) for i in touching])
        quote_here = range(first_start, last_start)
        if not quote_here:
            people.see(outside)
            continue
        people.see(outside[: starts[quote_here[0]] - s_start])
        subject = _Subject(text, s_start, s_end, people)
        for i in quote_here:
            q = quotes[i]
            group = 1 if q.group(1) is not None else 2
            j = bisect_left(sentence_ends, q.end())
            close_end = sentence_ends[j] if j < len(sentences) and sentences[j][0] < q.end() else s_end
            speaker = _attribute(text, s_start, close_end, q.start(), q.end(), people)
            if speaker is _UNSAID:  # otherwise the sentence's subject, when the quote does not open it
                speaker = subject.before(q.start())
            if speaker is None and whole:
                speaker = previous[0]
            if speaker is not None:
                previous[0] = speaker
            a, b = q.start(group), q.end(group)
            found.append(
                QuoteRecord(
                    doc.source,
                    number,
                    a,
                    b,
                    speaker,
                    max(s_start, a - CONTEXT_CHARS),
                    min(close_end, b + CONTEXT_CHARS),
                )
            )


def _mask(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """``text[start:end]`` with the given spans blanked out, built in one pass."""
    pieces, cursor = [], start
    for span_start, span_end in spans:
        a, b = max(span_start, start), min(span_end, end)
        pieces.append(text[cursor:a])
        pieces.append(" " * (b - a))
        cursor = b
    pieces.append(text[cursor:end])
    return "".join(pieces)


class _Subject:
    """The sentence's subject: its first name-like words, found once for all its quotations."""

    def __init__(self, text: str, start: int, end: int, people: People) -> None:
        self._found: tuple[int, str | None] | None = None
        self._args = (text, start, end, people)

    def before(self, open_at: int) -> str | None:
        """The subject when it stands before ``open_at`` (the quotation does not open the sentence)."""
        if self._found is None:
            text, start, end, people = self._args
            self._found = (end + 1, None)
            for match in NAME_AT_WORD.finditer(text, start, end):
                if match.group(0).split()[0] in {"He", "She"}:
                    self._found = (match.end(), people.last_person)
                    break
                name = clean_name(match.group(0))
                if name:
                    self._found = (match.end(), people.resolve(name))
                    break
        end_at, speaker = self._found
        return speaker if end_at <= open_at else None


_UNSAID = "\0"  # no speech verb names the speaker: the sentence's subject decides


def _attribute(text: str, s_start: int, s_end: int, open_at: int, close_at: int, people: People) -> str | None:
    """The speaker a speech verb next to the quotation names, or :data:`_UNSAID`."""
    # Matched in place (pos/endpos), so no slice of a long sentence is copied per quotation.
    after = (text, close_at, min(s_end, close_at + ATTRIBUTION_WINDOW))
    before = (text, max(s_start, open_at - ATTRIBUTION_WINDOW), open_at)
    if m := _AFTER.match(*after):
        if m.group("pro"):
            return people.last_person
        name = clean_name(m.group("name"))
        if name:
            return people.resolve(name)
    if m := _AFTER_INV.match(*after):
        name = clean_name(m.group("name"))
        if name:
            return people.resolve(name)
    if m := _BEFORE.search(*before):
        raw = m.group("name") or m.group("source")
        if raw.casefold() in _PRONOUNS:
            return people.last_person
        name = clean_name(raw)
        if name:
            return people.resolve(name)
    return _UNSAID

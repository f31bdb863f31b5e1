"""Quotations: every passage inside quotation marks, with its speaker as the source attributes it.

Attribution follows how news copy is written:

1. a speech verb next to the quote names the speaker: ``"...," Krishna wrote`` or
   ``Krishna said: "..."``; ``he``/``she`` there means the person last named;
2. otherwise the subject of the sentence that opens the quote, as in
   ``CNBC notes that ... "significant revenue"`` or ``IBM called for a "..."``;
3. a paragraph that is nothing but a quotation continues the previous quotation's speaker;
4. surnames resolve to the full name used earlier ("Krishna" -> "Arvind Krishna"),
   and a near-miss spelling of a known name resolves to it ("Khrisna").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.documents import Document
from index.text import split_sentences, within_edits

_QUOTE = re.compile(r"\u201c([^\u201c\u201d]{3,}?)\u201d|(?<![\w])\"([^\"\n]{3,}?)\"")
_NAME_WORD = r"(?:[A-Z][\w.'\u2019-]*|[A-Z]{2,})"
# Name particles stay inside a name: "Karl von Frisch", "Ursula van der Berg".
_PARTICLES = r"(?:(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn)[ \u00a0]+)*"
_NAME = rf"{_NAME_WORD}(?:[ \u00a0]+{_PARTICLES}{_NAME_WORD}){{0,4}}"
_VERBS = (
    "said|says|wrote|writes|explained|explains|added|adds|noted|notes|told|tells|stated|states|argued|argues|"
    "asked|asks|warned|warns|continued|continues|declared|declares|insisted|insists|replied|replies|"
    "announced|announces|acknowledged|acknowledges|emphasized|emphasised|stressed|recalled|admitted|"
    "claimed|claims|observed|remarked|commented|concluded|posted|tweeted"
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
# After the closing quote: `," Krishna wrote` / `," he explained` / `," said Krishna`.
_AFTER = re.compile(rf"^[\s,.;:!?\u2014-]*(?:(?P<pro>he|she|they|He|She|They)|(?P<name>{_NAME}))\s+(?:{_VERBS})\b")
_AFTER_INV = re.compile(rf"^[\s,.;:!?\u2014-]*(?:{_VERBS})\s+(?P<name>{_NAME})")
# Before the opening quote: `Krishna said: "` / `... according to Krishna, "`.
_BEFORE = re.compile(rf"(?P<name>{_NAME}|he|she|He|She)\s+(?:{_VERBS})(?:\s+\w+){{0,3}}[\s,:]*$")
_SKIP_LEAD = {
    "But",
    "And",
    "The",
    "A",
    "An",
    "In",
    "On",
    "As",
    "At",
    "However",
    "Also",
    "So",
    "Yet",
    "Then",
    "After",
    "When",
    "While",
    "This",
    "That",
}
_ROLES = {
    "CEO",
    "Chief",
    "President",
    "Chairman",
    "Chairwoman",
    "Director",
    "Senator",
    "Governor",
    "Mayor",
    "exec",
    "Secretary",
    "Minister",
    "Professor",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
}
_NOT_NAMES = {"I", "We", "It", "They", "He", "She", "There", "Here", "Read", "Congress"} | _SKIP_LEAD


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


def _clean_name(raw: str) -> str | None:
    words = raw.replace("\u00a0", " ").split()
    while words and words[0] in _SKIP_LEAD:
        words = words[1:]
    # "IBM CEO Arvind Krishna" -> "Arvind Krishna": the person follows the role.
    for i, word in enumerate(words):
        if word.strip(".,") in _ROLES and i + 1 < len(words):
            words = words[i + 1 :]
            break
    name = " ".join(w.strip(".,;:") for w in words).strip()
    if not name or name in _NOT_NAMES:
        return None
    return name


class _People:
    """Names seen so far in a document, for resolving surnames, typos and pronouns."""

    def __init__(self) -> None:
        self.full: list[str] = []  # multi-word names, in order seen
        self.last_person: str | None = None  # the person a following "he"/"she" means

    def resolve(self, name: str) -> str:
        if " " in name:
            return name
        for full in self.full:
            surname = full.split()[-1]
            if name == surname or (len(name) >= 5 and within_edits(name.casefold(), surname.casefold(), 2)):
                return full
        return name

    def _person(self, raw: str) -> str | None:
        name = _clean_name(raw)
        if not name or name.isupper():
            return None
        if " " in name:
            parts = [part for part in name.split() if not re.fullmatch(_PARTICLES, part + " ")]
            return name if all(part[0].isupper() and not part.isupper() for part in parts) else None
        resolved = self.resolve(name)
        return resolved if resolved in self.full else None

    def see(self, sentence: str) -> None:
        """Note the names in a sentence; its first person-like name becomes the pronoun target."""
        subject_found = False
        for match in re.finditer(rf"\b{_NAME}", sentence):
            person = self._person(match.group(0))
            if person is None:
                continue
            if " " in person and person not in self.full:
                self.full.append(person)
            if not subject_found:
                self.last_person = person
                subject_found = True


def extract_quotes(doc: Document) -> list[QuoteRecord]:
    """Every quotation in ``doc`` with its speaker (None when the source does not say)."""
    people = _People()
    found: list[QuoteRecord] = []
    previous_speaker: str | None = None
    for para in doc.paragraphs:
        if para.number == doc.title_paragraph:
            continue  # a title or front matter (`title: "..."`) is not quoting anyone
        sentences = split_sentences(doc.text, para.start, para.end)
        quotes = list(_QUOTE.finditer(doc.text, para.start, para.end))
        whole = doc.text[para.start : para.end].lstrip().startswith(("\u201c", '"'))
        for s_start, s_end in sentences:
            # Only what lies outside quotation marks says who is who.
            outside = doc.text[s_start:s_end]
            for q in quotes:
                if s_start <= q.start() < s_end or s_start < q.end() <= s_end:
                    a, b = max(q.start(), s_start) - s_start, min(q.end(), s_end) - s_start
                    outside = outside[:a] + " " * (b - a) + outside[b:]
            quote_here = [q for q in quotes if s_start <= q.start() < s_end]
            if not quote_here:
                people.see(outside)
                continue
            first_open = quote_here[0].start() - s_start
            people.see(outside[:first_open])
            for q in quote_here:
                group = 1 if q.group(1) is not None else 2
                close_sentence = next(((a, b) for a, b in sentences if a < q.end() <= b), (s_start, s_end))
                speaker = _attribute(doc.text, s_start, close_sentence[1], q.start(), q.end(), people)
                if speaker is None and whole:
                    speaker = previous_speaker
                if speaker is not None:
                    previous_speaker = speaker
                found.append(
                    QuoteRecord(
                        doc.source, para.number, q.start(group), q.end(group), speaker, s_start, close_sentence[1]
                    )
                )
    return found


def _attribute(text: str, s_start: int, s_end: int, open_at: int, close_at: int, people: _People) -> str | None:
    after = text[close_at:s_end]
    before = text[s_start:open_at]
    if m := _AFTER.match(after):
        if m.group("pro"):
            return people.last_person
        name = _clean_name(m.group("name"))
        if name:
            return people.resolve(name)
    if m := _AFTER_INV.match(after):
        name = _clean_name(m.group("name"))
        if name:
            return people.resolve(name)
    if m := _BEFORE.search(before):
        raw = m.group("name")
        if raw.casefold() in _PRONOUNS:
            return people.last_person
        name = _clean_name(raw)
        if name:
            return people.resolve(name)
    # Otherwise the sentence's subject, when the quote does not open the sentence.
    for match in re.finditer(rf"\b{_NAME}", before):
        if match.group(0).split()[0] in {"He", "She"}:
            return people.last_person
        name = _clean_name(match.group(0))
        if name:
            return people.resolve(name)
    return None

"""The people a document names, for attributing its quotations (index/quotes.py).

A name is up to five capitalised words, with particles inside ("Karl von Frisch"); a surname
alone resolves to the first full name with it ("Krishna" -> "Arvind Krishna"), and a near-miss
spelling of a known surname to that name ("Khrisna").
"""

from __future__ import annotations

import re

from index.text import CAPITALS, within_edits

# A name's words start with a capital of any script ("Émile Zola", "Łukasz Nowak"), not of A to Z alone.
_CAPITAL = f"[{CAPITALS}]"
_NAME_WORD = rf"(?:{_CAPITAL}[\w.'\u2019-]*)"
# Name particles stay inside a name: "Karl von Frisch", "Ursula van der Berg".
_PARTICLES = r"(?:(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn)[ \u00a0]+)*"
NAME = rf"{_NAME_WORD}(?:[ \u00a0]+{_PARTICLES}{_NAME_WORD}){{0,4}}"
# Word lists read better as one string than as one word a line (noqa SIM905).
_SKIP_LEAD = set("But And The A An In On As At However Also So Yet Then After When While This That According".split())  # noqa: SIM905
_ROLES_WORDS = "CEO Chief President Chairman Chairwoman Director Senator Governor Mayor exec Secretary Minister"
_ROLES = set(f"{_ROLES_WORDS} Professor Dr Mr Mrs Ms".split())
_NOT_NAMES = {"I", "We", "It", "They", "He", "She", "There", "Here", "Read", "Congress"} | _SKIP_LEAD
NAME_AT_WORD = re.compile(rf"\b{NAME}")


def clean_name(raw: str) -> str | None:
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


# Near-miss spellings ("Khrisna") are compared with the first this many full names of a
# document only: a news article names a few dozen people, and a book-length source with
# thousands would otherwise cost every new spelling a comparison with each of them.
FUZZY_NAMES = 256


class People:
    """Names seen so far in a document, for resolving surnames, typos and pronouns.

    Lookups are indexed (surname -> first full name) and remembered (a spelling already
    compared with the first n full names is only compared with the ones added since), so
    a mention costs a dictionary lookup, and each distinct spelling at most :data:`FUZZY_NAMES`
    comparisons in all.
    """

    def __init__(self) -> None:
        self.full: list[str] = []  # multi-word names, in order seen
        self.last_person: str | None = None  # the person a following "he"/"she" means
        self._known: set[str] = set()
        self._by_surname: dict[str, int] = {}  # surname -> index in self.full of the first with it
        self._near: dict[str, tuple[int, int | None]] = {}  # spelling -> (names compared, first near one)

    def add(self, full: str) -> None:
        if full in self._known:
            return
        self._known.add(full)
        self._by_surname.setdefault(full.rsplit(maxsplit=1)[-1], len(self.full))
        self.full.append(full)

    def _first_near(self, name: str) -> int | None:
        folded = name.casefold()
        compared, found = self._near.get(folded, (0, None))
        if found is None:
            for i in range(compared, min(len(self.full), FUZZY_NAMES)):
                if within_edits(folded, self.full[i].split()[-1].casefold(), 2):
                    found = i
                    break
            self._near[folded] = (min(len(self.full), FUZZY_NAMES), found)
        return found

    def resolve(self, name: str) -> str:
        """The first full name whose surname is ``name`` or (5 letters or more) within 2 edits of it."""
        if " " in name:
            return name
        hits = [self._by_surname.get(name)]
        if len(name) >= 5:
            hits.append(self._first_near(name))
        first = min((i for i in hits if i is not None), default=None)
        return name if first is None else self.full[first]

    def _person(self, raw: str) -> str | None:
        name = clean_name(raw)
        if not name or name.isupper():
            return None
        if " " in name:
            parts = [part for part in name.split() if not re.fullmatch(_PARTICLES, part + " ")]
            return name if all(part[0].isupper() and not part.isupper() for part in parts) else None
        resolved = self.resolve(name)
        return resolved if resolved in self._known else None

    def see(self, sentence: str) -> None:
        """Note the names in a sentence; its first person-like name becomes the pronoun target."""
        subject_found = False
        for match in NAME_AT_WORD.finditer(sentence):
            person = self._person(match.group(0))
            if person is None:
                continue
            if " " in person:
                self.add(person)
            if not subject_found:
                self.last_person = person
                subject_found = True

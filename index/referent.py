"""Finer rules for what a follow-up's words point back to (pure functions over text, used by
:mod:`index.reference`; docs/retrieval.md, "Eighth pass: follow-ups", has the measurements).

Each rule is an option of :class:`Rules`, off by default: the answer's name that does what the
question asked ("CBS also aired ..." for "Which network aired ...?"), a name the previous question
makes a person ("What does Krishna want ...?": not "it"), the latest of two names of a question
("the Normans" in "What did the Byzantines call the Normans?"), and the kind a which-question asks
for when no auxiliary follows ("Which network aired ...?" asks for a network).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.anaphora import AUXILIARIES, CALENDAR
from index.lexical import STOPWORDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rules:
    """Which of the finer reference rules are read (docs/retrieval.md, eighth pass).

    Attributes:
        predicate: The previous answer is the name of its sentence that does what the question
            asked (:func:`predicate_name`), not its longest name.
        person_verbs: A name the previous question makes the subject of a verb of saying,
            wanting or thinking (:func:`acts_as_person`) is no "it" and no bare "this".
        topic_last: Of two names of the same length in the previous question, its subject is
            the later one, not the first.
        which_kind: A which-question with no auxiliary after its noun asks for that noun
            (:func:`which_kind`).
    """

    predicate: bool = False
    person_verbs: bool = False
    topic_last: bool = False
    which_kind: bool = False


# Verbs whose subject is a person ("What does Krishna want ...?", "What did Twigg suggest ...?").
PERSON_VERBS = frozenset(
    [
        "say",
        "says",
        "said",
        "want",
        "wants",
        "wanted",
        "ask",
        "asks",
        "asked",
        "think",
        "thinks",
        "thought",
        "believe",
        "believes",
        "believed",
        "argue",
        "argues",
        "argued",
        "claim",
        "claims",
        "claimed",
        "write",
        "writes",
        "wrote",
        "explain",
        "explains",
        "explained",
        "acknowledge",
        "acknowledges",
        "acknowledged",
        "announce",
        "announces",
        "announced",
        "demand",
        "demands",
        "demanded",
        "tell",
        "tells",
        "told",
        "hope",
        "hopes",
        "hoped",
        "suggest",
        "suggests",
        "suggested",
        "describe",
        "describes",
        "described",
        "feel",
        "feels",
        "felt",
        "insist",
        "insists",
        "insisted",
        "urge",
        "urges",
        "urged",
        "call",
        "calls",
        "called",
    ]
)
_NUMBERS = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019\-]*")
_NEAR = 25  # characters between a name's end and the verb it does


def acts_as_person(question: str, name: str) -> bool:
    """Whether ``question`` makes ``name`` the subject of a verb only a person does, right after
    it or one word later ("What does Krishna want ...?", "Krishna also acknowledged ...")."""
    said = [w.casefold() for w in _WORD.findall(name)]
    words = [w.casefold() for w in _WORD.findall(question)]
    if not said:
        return False
    for i in range(len(words) - len(said) + 1):
        if words[i : i + len(said)] == said and PERSON_VERBS & set(words[i + len(said) : i + len(said) + 2]):
            return True
    return False


def which_kind(question: str) -> str:
    """The nouns a which-question asks for when no auxiliary follows them: its first one or two
    lower-case words that are not figures ("network aired" for "Which network aired ...?",
    "company" for "Which two companies ..."); "" for any other question."""
    words = _WORD.findall(question)
    if not words or words[0].casefold() != "which":
        return ""
    kept: list[str] = []
    for word in words[1:4]:
        low = word.casefold()
        if low in AUXILIARIES:
            break
        if word[:1].isupper() or low in _NUMBERS:
            continue
        kept.append(low)
        if len(kept) == 2:
            break
    return " ".join(kept)


def predicate_name(question: str, sentence: str, names: Sequence[str]) -> str:
    """The name of ``names`` that does in ``sentence`` what ``question`` asks about: the closest
    one ending just before the question's first content verb that the sentence holds ("CBS" in
    "... CBS also aired a special episode of The Late Late Show with James Corden" for "Which
    network aired ...?"); "" when none does."""
    for word in _WORD.findall(question)[1:]:
        low = word.casefold()
        if low in AUXILIARIES or low in STOPWORDS or word[:1].isupper():
            continue
        stem = low[: max(4, len(low) - 2)]
        verb = re.search(r"\b" + re.escape(stem) + r"[a-z]*\b", sentence, re.IGNORECASE)
        if verb is None:
            continue
        gaps = []
        for name in names:
            end = sentence.find(name) + len(name)
            between = sentence[end : verb.start()]
            # A figure or a date does nothing; a name closed in brackets is not the subject ("Walter
            # Camp (former captain of the Yale football team), suggested").
            if (
                name in sentence
                and end <= verb.start()
                and len(between) <= _NEAR
                and ")" not in between
                and _a_name(name)
            ):
                gaps.append((len(between), name))
        return min(gaps)[1] if gaps else ""
    return ""


def _a_name(name: str) -> bool:
    """Not a figure ("21st") and not a single calendar word ("May")."""
    return not name[:1].isdigit() and not (len(name.split()) == 1 and name.casefold() in CALENDAR)

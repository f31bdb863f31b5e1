"""Words that point back in a follow-up, and what they can stand for (pure functions over
text, used by :mod:`index.followup` and :mod:`index.reference`)."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

AUXILIARIES = frozenset(
    ["is", "are", "was", "were", "be", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would"]
)
_NAME_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019\-\.]*[A-Za-z0-9]|[A-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019\-]*")
_PRONOUNS = frozenset(["he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their", "theirs"])
_DEMONSTRATIVES = frozenset(["this", "that", "these", "those"])
_ANAPHORS = _PRONOUNS | _DEMONSTRATIVES
_ARTICLES = frozenset(["the", "a", "an"])
# "And in 2010?", "What about Paris?": a fragment that only makes sense after another question.
_ELLIPSIS_LEADS = frozenset(["and", "or", "also", "what about", "how about"])
# "there" is a place already named, except in "is there", "are there" ...
_EXISTENTIAL = frozenset(["is", "are", "was", "were", "be", "been"])


def refers_back(question: str) -> bool:
    """Whether the question's words point outside it: a pronoun or demonstrative ("When did
    he die?", "Does that include ..."), "there" as a place, "which one", or a fragment that
    continues another question ("And in 2010?", "What about Paris?")."""
    words = [w.casefold().replace("\u2019", "'") for w in _WORD.findall(question)]
    if not words:
        return False
    if words[0] in _ELLIPSIS_LEADS or " ".join(words[:2]) in _ELLIPSIS_LEADS:
        return True
    for i, word in enumerate(words):
        if word in _ANAPHORS:
            return True
        if word == "there" and (i == 0 or words[i - 1] not in _EXISTENTIAL):
            return True
        if word == "one" and i and words[i - 1] in ("which", "that", "this", "the"):
            return True
    return False


def bare(word: str) -> str:
    """A word casefolded without its possessive, straight or curly ("IBM’s" is IBM)."""
    return word.casefold().removesuffix("'s").removesuffix("\u2019s")


def asked_kind(words: list[str]) -> str:
    """The noun a which / what question asks for: the last word before its verb ("Which
    Egyptian city did ..." asks for a city); "" when no verb follows within three words."""
    for i, word in enumerate(words[1:4], start=1):
        if word in AUXILIARIES:
            return words[i - 1] if i > 1 else ""
    return ""


# Calendar words are capitalised but name no one ("published Monday evening").
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def one_person(name: str, question: str) -> bool:
    """Whether "he" or "she" in ``question`` can be ``name``: one person, so not a pair ("Susan
    Scott and Christopher Duncan"), not an all-capital acronym (IBM, NFL: an organisation), not a
    day or month, and not a name the question itself gives ("What did he ask Congress ...?":
    a pronoun does not stand for a name of its own clause)."""
    words = name.split()
    if not words or any(w.casefold() in ("and", "or", "&") for w in words):
        return False
    # A person has a name: "the bubonic plague theory" is not "he".
    if not any(w[:1].isupper() or w[:1].isdigit() for w in words if w.casefold() not in _ARTICLES):
        return False
    if len(words) == 1 and (name.isupper() or name.casefold() in _CALENDAR):
        return False
    asked = {bare(w) for w in _NAME_WORD.findall(question)}
    return not all(bare(w) in asked for w in words)


def same_kind(noun: str, kind: str) -> bool:
    """ "that country" is not what "Which Egyptian city ...?" asked for; "those teams" is a team."""
    return not kind or not noun or noun.casefold().removesuffix("s") == kind.removesuffix("s")

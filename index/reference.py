"""Rule-based reference resolution for follow-ups: "When did he die?" after "Who was Nikola
Tesla?" becomes "When did Nikola Tesla die?" before it is embedded (pure functions over text,
no parser and no model; docs/retrieval.md has the measurements).

The words that point back (personal pronouns, "it", "that", "the company") take one of two
candidates the previous turn leaves: the **answer's entity**, the longest run of capitalised
words in the sentence that answered the previous question that the question did not give
("Von Miller" for "Who was named MVP?"), when that question asked for one (who, which, what +
noun, where); or the **question's topic**, its own subject ("the Amazon basin"). "he" / "she"
take a name that can be one person; "it", "they" and a demonstrative take the topic, or the
answer when the previous question asked which thing it was and the noun fits ("that team"
after "Which team ...?", not "that country" after "Which city ...?").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from index import anaphora
from index.lexical import STOPWORDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Referents:
    """What a previous turn leaves for the next question's pronouns.

    Attributes:
        entity: The name the previous answer gave (its sentence), or "".
        topic: The previous question's subject, or "".
        asked_who: Whether the previous question asked for a person ("who", "whom", "whose").
        asked_which: Whether it asked which thing (which / what + noun, where): its answer is
            what "it" and "that" then point to.
        question: The previous question itself.
        names: Every name of the answer's sentence the question did not give.
        kind: The noun a which / what question asked for ("city" in "Which Egyptian city did
            ...?"), or "": what its answer is.
    """

    entity: str = ""
    topic: str = ""
    asked_who: bool = False
    asked_which: bool = False
    question: str = ""
    names: tuple[str, ...] = ()
    kind: str = ""


_TOKEN = anaphora.NAME_WORD
_PERSONAL = {"he": "", "him": "", "his": "'s", "she": "", "her": "", "hers": "'s"}
_NEUTER = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s", "theirs": "'s"}
_PLURAL = frozenset(["they", "them", "their", "theirs"])
_DEMONSTRATIVE = frozenset(["that", "this", "these", "those"])
# "the company", "the team": a definite description of the previous answer or topic.
_GENERIC_NOUNS = frozenset(["company", "team", "city", "country", "person", "man", "woman", "group", "organization"])
# Words after which a capitalised word is not part of a name ("In 2010 ..." starts a sentence).
_CONNECTORS = frozenset(["of", "de", "von", "van", "the", "and", "du", "da", "la", "le"])
_WH_WORDS = frozenset(["who", "whom", "whose", "what", "which", "where", "when", "why", "how"])
_AUXILIARIES = anaphora.AUXILIARIES
_NAME_OR_FIGURE = re.compile(r"[A-Z][A-Za-z\-]*|\d[\d,.\u2013\-]*")


def _runs(text: str, skip: set[str]) -> list[str]:
    """Runs of capitalised words (with the figures and "of", "de" ... inside them) of ``text``,
    leaving out words in ``skip`` (casefolded); a sentence's first word counts only when the
    next is capitalised too. Punctuation between two words ends a run."""
    found = list(_TOKEN.finditer(text))
    runs: list[list[str]] = []
    current: list[str] = []
    for i, match in enumerate(found):
        token = match.group(0)
        folded = token.casefold().removesuffix("'s").removesuffix("\u2019s")
        joined = i > 0 and not text[found[i - 1].end() : match.start()].strip()
        if current and not joined:
            runs.append(current)
            current = []
        capital = token[0].isupper() and folded not in STOPWORDS
        # An acronym opening a sentence is still a name ("CNBC notes that ...").
        acronym = len(token) > 1 and token.isupper()
        sentence_start = i == 0 and not acronym and not (len(found) > 1 and found[1].group(0)[0].isupper())
        inside = bool(current) and i + 1 < len(found) and found[i + 1].group(0)[0].isupper()
        if (capital and not sentence_start) or (current and (token[0].isdigit() or (folded in _CONNECTORS and inside))):
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    # A name the question already gave is not what the answer adds ("Harvard" in "John Harvard" is kept).
    runs = [kept for kept in (_trim(run, skip) for run in runs) if kept]
    # A name neither starts nor ends with "of", "and" ... (left when trimming took the word beside it).
    cleaned = [_strip_connectors(run) for run in runs]
    # A run of several all-capital words is a dateline or a heading ("RESEARCH TRIANGLE PARK"), not a name.
    return [
        " ".join(run).removesuffix("'s").removesuffix("\u2019s")
        for run in cleaned
        if run and not (len(run) > 1 and all(w.isupper() for w in run))
    ]


def _trim(run: list[str], skip: set[str]) -> list[str]:
    """The run without the words the question gave at either end ("IBM CEO Arvind Krishna"
    answering "Who is IBM's CEO?" is "Arvind Krishna")."""
    kept = list(run)
    while kept and anaphora.bare(kept[0]) in skip:
        kept.pop(0)
    while kept and anaphora.bare(kept[-1]) in skip:
        kept.pop()
    return kept


def _strip_connectors(run: list[str]) -> list[str]:
    """ "and Virgin Media" from "BSkyB and Virgin Media" once "BSkyB" was trimmed: Virgin Media.
    A capitalised one opens a name ("Von Miller")."""
    kept = list(run)
    while kept and kept[0].islower() and kept[0] in _CONNECTORS:
        kept.pop(0)
    while kept and kept[-1].casefold() in _CONNECTORS:
        kept.pop()
    return kept


def _longest(runs: list[str]) -> str:
    """The run of most words: the first of equally long ones."""
    return max(runs, key=lambda r: (len(r.split()), -runs.index(r)), default="")


def _noun_phrase(question: str) -> str:
    """The words after the question's last "the" / "a" up to the next stop word ("the Amazon basin")."""
    words = re.findall(r"[A-Za-z0-9'\u2019\-]+", question)
    lowered = [w.casefold() for w in words]
    starts = [i for i, w in enumerate(lowered) if w in ("the", "a", "an")]
    if not starts:
        return ""
    phrase: list[str] = []
    for word, low in zip(words[starts[-1] :], lowered[starts[-1] :], strict=True):
        if phrase and low in STOPWORDS:
            break
        phrase.append(word)
    return " ".join(phrase) if len(phrase) > 1 else ""


def question_topic(question: str) -> str:
    """The subject of a question: its last noun phrase after "the" when that holds its
    longest run of capitalised words or there is none, else that run."""
    name = _longest(_runs(question, set()))
    phrase = _noun_phrase(question)
    if phrase and (not name or name in phrase):
        return phrase
    return name


def answer_names(sentence: str, question: str) -> str:
    """Capitalised words and figures of an answer's sentence that its question did not use:
    who or what the answer named ("James Bryant Conant"), for a follow-up's "he"."""
    asked = {w.casefold() for w in re.findall(r"[A-Za-z0-9]+", question)}
    found = [
        t for t in _NAME_OR_FIGURE.findall(sentence) if t.casefold() not in asked and t.casefold() not in STOPWORDS
    ]
    return " ".join(found)


def referents(question: str, sentence: str) -> Referents:
    """What a question and the sentence that answered it leave for the next question."""
    asked = {w.casefold().removesuffix("'s") for w in _TOKEN.findall(question)}
    first = re.findall(r"[a-z0-9]+", question.casefold())
    lead = first[0] if first else ""
    topic = question_topic(question)
    # "Who is Tim Humphrey?" asks about the person it names: "he" is Tim Humphrey.
    defining = len(first) > 2 and first[1] in _AUXILIARIES and " ".join(first[2:]) == topic.casefold()
    asked_who = lead in ("who", "whom", "whose") and not defining
    asked_which = lead in ("which", "where") or (
        lead == "what" and len(first) > 1 and first[1] not in _AUXILIARIES and first[1] not in _WH_WORDS
    )
    names = tuple(_runs(sentence, asked))
    kind = anaphora.asked_kind(first) if lead in ("which", "what") else ""
    return Referents(_longest(list(names)), topic, asked_who, asked_which, question, names, kind)


def _after_function_word(before: list[str]) -> bool:
    words = re.findall(r"[A-Za-z'\u2019]+", "".join(before))
    return not words or words[-1].casefold() in STOPWORDS


def _named_before(noun: str, question: str) -> str:
    """ "facial technology" for "technology" when the earlier question said "facial technology"."""
    words = re.findall(r"[A-Za-z0-9'\u2019\-]+", question)
    for i, word in enumerate(words):
        if word.casefold() == noun.casefold():
            if i and words[i - 1].casefold() not in STOPWORDS and not words[i - 1].endswith("'s"):
                return f"{words[i - 1]} {word}"
            return word
    return ""


def resolve(question: str, previous: Referents, *, strict: bool = True, which_person: bool = True) -> str:
    """The question with its words that point back replaced by what they point to; the
    question unchanged when nothing in it points back or there is nothing to point to.

    ``strict`` (the shipped rules; False: the third pass's): "he" / "she" stand for one person
    (:func:`one_person`), and a demonstrative or definite noun ("that country", "the company")
    stands for the previous answer only when it names the kind that question asked for.
    """
    person = _person(question, previous, strict, which_person)
    thing = previous.entity if previous.asked_which and previous.entity else previous.topic or previous.entity
    # "they" after "Who studied ...?" are the people the answer named, as "he" would be.
    people = (previous.entity or previous.topic) if previous.asked_who else thing
    tokens = re.split(r"([A-Za-z'\u2019]+)", question)
    # "What registry did he want it to set up?": "he" and "it" are not the same referent.
    personal = any(t.casefold() in _PERSONAL for t in tokens)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        low = token.casefold()
        noun = tokens[i + 2] if i + 2 < len(tokens) and tokens[i + 1] == " " else ""
        # The previous answer is what a noun stands for only when it is that kind of thing.
        fits = not strict or anaphora.same_kind(noun, previous.kind)
        replaced, used = token, 1
        if low in _PERSONAL and person:
            replaced = person + _PERSONAL[low]
        elif low in _PLURAL and people and not personal:
            replaced = people + _NEUTER[low]
        elif low in _NEUTER and thing and (thing != person or not personal):
            replaced = thing + _NEUTER[low]
        elif low in _DEMONSTRATIVE and _after_function_word(out) and (thing or previous.question):
            replaced, used = _demonstrative(token, noun, previous, thing if fits else "", strict)
        elif low == "the" and noun.casefold() in _GENERIC_NOUNS and thing and fits:
            replaced, used = thing, 3
        out.append(replaced)
        i += used
    resolved = "".join(out)
    return resolved if resolved != "".join(tokens) else question


def _person(question: str, previous: Referents, strict: bool, which_person: bool = True) -> str:
    """Who "he" / "she" is: after a who-question, the answer's name (strict: the longest that
    can be one person), else the previous question's subject."""
    if not strict:
        return previous.entity if previous.asked_who and previous.entity else previous.topic or previous.entity
    named = _longest([n for n in previous.names if anaphora.one_person(n, question)])
    if previous.asked_who and named:
        return named
    subject = previous.topic or ("" if previous.asked_who else previous.entity)
    if subject and anaphora.one_person(subject, question):
        return subject
    # "Which zoologist challenged the theory?" asked for a person its subject cannot be.
    return named if previous.asked_which and which_person else ""


def _demonstrative(token: str, noun: str, previous: Referents, thing: str, strict: bool) -> tuple[str, int]:
    """What "that ..." stands for, and how many tokens it replaces: "that technology" after
    "... facial technology ...?" is facial technology; "that stadium" answered by "... at Levi's
    Stadium in ..." is the name holding the noun; "that team" after "Which team ...?" is the
    answer (``thing``; "" when the noun is not what was asked). A bare "that" before a verb
    ("Does that include ...?") points at the previous answer's content, which the thread's words
    already carry: left as it is."""
    if strict and thing and previous.kind and noun and anaphora.same_kind(noun, previous.kind):
        return thing, 3
    named = _named_before(noun, previous.question) if noun else ""
    holding = [n for n in previous.names if noun and noun.casefold() in n.casefold().split()]
    named = named or (holding[0] if holding else "")
    if named:
        return named, 3
    if not thing or not (noun.casefold() in STOPWORDS or previous.asked_which):
        return token, 1
    return thing, 1

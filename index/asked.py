"""What a question asks for, and whether a sentence holds that kind of thing (pure functions
over text, used by index/confidence.py; docs/retrieval.md has the measurements).

"How many ...?" asks for a figure, "How much did IBM pay ...?" for a sum of money, "How long ...?"
for a span, "When ...?" for a date, "Who ...?" for a name; a how-many question also names what it
counts ("How many *employees* ...?"), and a who-question the deed it asks about ("Who *founded*
IBM?"). A question's acronym may stand for words the passage spells out ("US", "the United States").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Literal

from index.lexical import STOPWORDS, _stem, terms

AnswerType = Literal["figure", "money", "duration", "date", "name"]

_FIGURE_QUESTION = re.compile(
    r"\bhow (many|much|old|long|far|large|big|tall|high|fast|often)\b"
    r"|\bwhat (percentage|percent|share|proportion|fraction|number|amount)\b"
)
# "How long did it last?" asks for a span; "How long since ...?" / "How long ago ...?" for a date.
_DURATION_QUESTION = re.compile(r"\bhow long\b(?! (since|ago)\b)")
_DATE_QUESTION = re.compile(r"\b(what|which) (year|date|day|month|century|decade)\b|\bin what year\b")
# The question's own wh-word: "What happens to the fleas *when* the rats die?" asks no date.
_WH_WORD = re.compile(r"\b(what|which|who|whom|whose|where|when|why|how)\b")
_NAME_QUESTION = re.compile(r"\b(who|whom|whose|where)\b")
_WHO_QUESTION = re.compile(r"\s*who\b", re.IGNORECASE)


def word_set(text: str) -> frozenset[str]:
    """A word list kept as text, several words a line (a list literal takes a line a word)."""
    return frozenset(text.split())


_NUMBER_WORDS = word_set(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens half "
    "third quarter twice"
)
# A count told without a figure ("only a *few* came from there"): the closer reading's.
_VAGUE_COUNTS = word_set("few several numerous")
_DATE_WORDS = word_set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday century centuries decade "
    "yesterday today spring summer autumn fall winter"
)
# What a how-much question asks about when it asks for a sum of money (by word, lower case).
_MONEY_QUESTION_WORDS = word_set(
    "pay paid pays paying cost costs costing price prices priced spend spends spent spending revenue "
    "revenues earn earned earns earning earnings income profit profits budget budgets worth charge "
    "charged charges sell sold sells bid bids fund funds funding funded donate donated donation "
    "donations endowment salary salaries tuition fee fees fine fined raise raised invest invested "
    "investment investments money loan loans debt debts valued value sales buy bought buys afford "
    "wage wages rent tax taxes cash capital"
)
# A sum of money: a currency sign, or a currency's name ("free" answers "how much does it cost").
_MONEY = re.compile(
    r"[$£€¥₹]|\b(dollars?|euros?|pounds?|yen|francs?|rupees?|pesos?|shillings?|guineas?|cents?|usd|gbp|eur|free)\b",
    re.IGNORECASE,
)
# A span of time or a length: its unit, or a word that says how long without a figure ("a brief
# period", "week-long", "five-year").
_DURATION_WORDS = word_set(
    "second seconds minute minutes hour hours day days week weeks fortnight month months year years "
    "decade decades century centuries millennium millennia lifetime period brief temporarily "
    "permanently mile miles km kilometre kilometres kilometer kilometers metre metres meter meters "
    "foot feet ft yard yards inch inches cm mm"
)
# What a what-question asks for when its subject is a measure ("What is IBM's *stock price*?", "What
# was the *population* of ...?"): a sum of money or a figure, though no "how" says so. "age" and
# "value" are left out: "the Bronze Age", "the values of the university".
_MONEY_MEASURES = word_set(
    "salary salaries price prices cost costs revenue revenues budget budgets tuition fee fees income "
    "profit profits endowment wage wages worth sales earnings"
)
_FIGURE_MEASURES = word_set(
    "population height length area size temperature speed weight depth width capacity attendance "
    "elevation altitude distance"
)
_COPULAS = word_set("is was are were s")  # "s": "What's"
_DETERMINERS = word_set("the a an its their his her")
_WORD = re.compile(r"[A-Za-z]+")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_DIGIT = re.compile(r"\d")
LOWER_WORD = re.compile(r"[a-z]+")
TOKEN = re.compile(r"[^\W\d_][\w'\u2019\-]*|\d+(?:[.,]\d+)*")
# An acronym or a word with a capital inside ("CNBC", "BSkyB"): a name even as a sentence's first word.
_ACRONYM = re.compile(r"[A-Z][A-Za-z]*[A-Z][A-Za-z]*")


def answer_type(question: str, closer: bool = True, measures: bool = True) -> AnswerType | None:
    """What kind of thing the question asks for, when the words say so plainly.

    ``closer`` is the eighth pass's reading (docs/retrieval.md, "Eighth pass: confidence"): "how
    long" asks for a span of time or a length, "how much of" for a part (not a sum of money), and
    "when" asks for a date only as the question's own wh-word ("What happens to the fleas *when*
    the rats die?" does not). False reads as the seventh pass did. ``measures`` is the ninth pass's:
    a what-question about a measure ("What is IBM's stock price?") asks for a sum of money or a
    figure (docs/retrieval.md, "Ninth pass: confidence")."""
    lowered = LOWER_WORD.findall(question.casefold())
    text = " ".join(lowered)
    if closer and _DURATION_QUESTION.search(text):
        return "duration"
    if _FIGURE_QUESTION.search(text):
        share = closer and "how much of" in text
        money = "how much" in text and not share and _MONEY_QUESTION_WORDS.intersection(lowered)
        return "money" if money else "figure"
    wh = _WH_WORD.search(text)
    if _DATE_QUESTION.search(text) or (wh and wh.group(1) == "when") or (not closer and "when" in lowered):
        return "date"
    if measures and (measure := _measure_asked(question)):
        return measure
    if _NAME_QUESTION.search(text):
        return "name"
    return None


def _measure_asked(question: str) -> AnswerType | None:
    """A sum of money or a figure when "what is / was" is followed by a short noun phrase whose
    noun is a measure: a determiner first, then words that are not function words (the possessive
    "s" apart), so "What is the reason *the price* rose?" asks no price. A capitalised measure is a
    name's word ("the Sales Office")."""
    words = _WORD.findall(question)
    lowered = [w.casefold() for w in words]
    start = 1 if lowered[:1] == ["and"] else 0
    if lowered[start : start + 1] != ["what"] or not set(lowered[start + 1 : start + 2]) & _COPULAS:
        return None
    for at in range(start + 2, min(len(words), start + 7)):
        word, low = words[at], lowered[at]
        if low in _MONEY_MEASURES or low in _FIGURE_MEASURES:
            if word[0].isupper():
                return None
            return "money" if low in _MONEY_MEASURES else "figure"
        if not (low == "s" or (at == start + 2 and low in _DETERMINERS) or low not in STOPWORDS):
            return None
    return None


def has_answer_type(kind: AnswerType | None, sentence: str, question: str, closer: bool = True) -> bool:
    """Whether the sentence holds something of the kind asked: a figure (digits or number
    words; with ``closer``, "a few" and "several" too), a sum of money (a currency's sign or
    name), a span (a unit of time or length, or a word such as "brief"), a date (a year, a month,
    a weekday, a century), or a name the question did not already give (a capitalised word after
    the sentence's first, or an acronym anywhere: "CNBC notes ...")."""
    if kind is None:
        return True
    lowered = set(LOWER_WORD.findall(sentence.casefold()))
    if kind == "money":
        return bool(_MONEY.search(sentence))
    if kind == "figure":
        return bool(_DIGIT.search(sentence) or lowered & _NUMBER_WORDS or (closer and lowered & _VAGUE_COUNTS))
    if kind == "duration":
        return bool(lowered & _DURATION_WORDS)
    if kind == "date":
        return bool(_YEAR.search(sentence)) or bool(lowered & _DATE_WORDS)
    asked = {w.casefold() for w in TOKEN.findall(question)}
    tokens = TOKEN.findall(sentence)
    return any(
        (i > 0 or _ACRONYM.fullmatch(t))
        and t[0].isupper()
        and t.casefold() not in asked
        and t.casefold() not in STOPWORDS
        for i, t in enumerate(tokens)
    )


def question_names(question: str) -> list[str]:
    """The figures and capitalised words (after the first) of a question."""
    out = []
    for i, token in enumerate(TOKEN.findall(question)):
        if token[0].isdigit() or (i > 0 and token[0].isupper() and token.casefold() not in STOPWORDS):
            out.append(token)
    return out


_DIGIT_WORDS = dict(
    zip(
        map(str, range(1, 13)),
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
        strict=True,
    )
)


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'\u2019\-]*(?:\s+(?:of\s+|and\s+|for\s+)?[A-Z][\w'\u2019\-]*)+")


def acronyms(text: str) -> frozenset[str]:
    """The acronyms the text spells out, lower-cased: the initials of each run of capitalised
    words ("the *U*nited *S*tates" -> "us", "*N*ational *P*hysical *L*aboratory" -> "npl"), "of",
    "and" and "for" inside a run skipped, and of each stretch of two or more of its words."""
    out = set()
    for run in _CAPITALISED_RUN.findall(text):
        initials = "".join(w[0] for w in run.split() if w[0].isupper()).casefold()
        out.update(initials[i:j] for i in range(len(initials)) for j in range(i + 2, len(initials) + 1))
    return frozenset(out)


def held(term: str, passage: frozenset[str]) -> bool:
    """A question's word is in the passage as itself, as a longer or shorter form sharing
    its first letters ("1980" in "1980s", "21" in "21st", "saharan" / "sahara"), or a small
    figure spelt out ("3" as "three")."""
    if term in passage or _DIGIT_WORDS.get(term) in passage:
        return True
    if term.isdigit():
        return any(p.startswith(term) and not p[len(term) :].isdigit() for p in passage)
    return len(term) >= 4 and any(
        len(p) >= 4 and (p.startswith(term) or term.startswith(p)) and abs(len(p) - len(term)) <= 2 for p in passage
    )


# A question's auxiliaries: they end the phrase a how-many question counts ("How many *plant
# species* have ..."), and open the "Who did S V?" shape (index/predicate.py).
AUXILIARIES = word_set("did does do are were is was have has had can could will would should might may")
# ... or at a preposition or a past form after its first word ("How many *doctors* died of ...",
# "How many *people* in France ..."); "of" stays inside ("How many *tons* of *carbon* ...").
_PREPOSITIONS = word_set("in at on for from to by with during after before since within across into")
# Verbs that say too little for a passage to repeat them ("Who *made* ...", "Who *is* ...").
_LIGHT_VERBS = word_set(
    "is was are were be been has have had do does did make makes made go goes went get gets got take "
    "takes took become becomes became come comes came give gives gave begin begins began start starts "
    "started use uses used call calls called name names named know knows knew"
)
# Words between "who" and its verb that are not the verb ("Who *else* demanded ...", "Who *first* ...").
_WHO_ADVERBS = word_set("else first also later then once ever still just only next last")


def counted(question: str, closer: bool = True) -> list[str]:
    """What a how-many question counts: the content words after "how many", up to its first
    auxiliary and at most four ("How many *plant species* have ...", "How many *tons* of
    *carbon* are ..."); [] for another question. With ``closer`` it also ends at a preposition or
    a past form ("How many *doctors* died of ..."). Without a parser the phrase may still run into
    the verb ("How many *people live* ..."), so :func:`counted_held` needs only one of its words."""
    lowered = LOWER_WORD.findall(question.casefold())
    at = next((i + 2 for i in range(len(lowered) - 1) if lowered[i : i + 2] == ["how", "many"]), None)
    if at is None:
        return []
    phrase = []
    for word in lowered[at : at + 4]:
        if word in AUXILIARIES or (closer and phrase and (word in _PREPOSITIONS or word.endswith("ed"))):
            break
        phrase.append(word)
    return [w for w in phrase if w not in STOPWORDS and w != "ago"]


def counted_held(
    question: str,
    sentence_terms: Collection[str],
    correct: Callable[[list[str]], list[str]] = list,
    closer: bool = True,
) -> bool:
    """Whether the bold sentence holds what a how-many question counts ("How many employees
    does Sky have?" is not answered by "3,393,000 Sky+ users"): one of :func:`counted`'s words,
    compared as :func:`confidence.names_held` compares names; True for any other question."""
    words = counted(question, closer)
    if not words:
        return True
    sentence = frozenset(sentence_terms)
    return any(held(term, sentence) for term in correct(terms(" ".join(words))))


def who_verb(question: str) -> str | None:
    """The verb of a "Who V ...?" question ("Who *founded* IBM?"), past an adverb ("Who
    *allegedly* coined ...", "Who *else* demanded ..."); None for another shape, or a stopword or
    a light verb after "who" ("Who *is* ...", "Who *made* ...")."""
    if not _WHO_QUESTION.match(question):
        return None
    for word in LOWER_WORD.findall(question.casefold())[1:]:
        if word.endswith("ly") or word in _WHO_ADVERBS:
            continue
        return None if len(word) < 3 or word in STOPWORDS or word in _LIGHT_VERBS else word
    return None


def who_unsaid(question: str, sentence: str, passage_terms: Collection[str]) -> bool:
    """Whether a who-question's bold sentence names no one the question did not, and the passage
    never says the question's verb (its stem, or a near form: "founder" for "founded")."""
    verb = who_verb(question)
    if verb is None or has_answer_type("name", sentence, question):
        return False
    return not held(_stem(verb), frozenset(passage_terms))

"""Words that point back in a follow-up, and what they can stand for (pure functions over
text, used by :mod:`index.followup` and :mod:`index.reference`)."""

from __future__ import annotations

import logging
import re

from index.asked import word_set
from index.binding import ANAPHORS as _ANAPHORS
from index.binding import ARTICLES as _ARTICLES
from index.binding import AUXILIARIES, NEGATED, bound_possessive, bound_pronoun, one_of_question, opens_clause
from index.binding import CLAUSE_VERBS as _CLAUSE_VERBS
from index.binding import PHRASE_ENDS as _PHRASE_ENDS
from index.binding import PREPOSITIONS as _PREPOSITIONS

log = logging.getLogger(__name__)

# A word of a name or a figure, inner apostrophes, hyphens and dots kept ("O'Neill", "U.S.", "1.5").
NAME_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019\-\.]*[A-Za-z0-9]|[A-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019\-]*")
# "And in 2010?", "What about Paris?": a fragment that only makes sense after another question.
_ELLIPSIS_LEADS = frozenset(["and", "or", "also", "what about", "how about"])
# "there" is a place already named, except in "is there", "are there" ...
_EXISTENTIAL = frozenset(["is", "are", "was", "were", "be", "been"])
# "How much did Sky pay for the rest?": the rest of a whole an earlier question named ("the rest of
# Europe" names its whole itself).
_REMAINDERS = frozenset(["rest", "remainder", "remaining", "others"])


def refers_back(
    question: str,
    bound: bool = False,
    clauses: bool = False,
    remainders: bool = False,
    fragments: bool = False,
    within: frozenset[str] = frozenset(),
    pointers: frozenset[str] = frozenset(),
) -> bool:
    """Whether the question's words point outside it: a pronoun or demonstrative ("When did
    he die?", "Does that include ..."), "there" as a place, "which one", a fragment that
    continues another question ("And in 2010?", "What about Paris?"; with ``fragments`` also "On how
    many ships?" and a closing "then", :func:`fragment`), or (``remainders``) "the rest" of what an
    earlier question named.

    ``bound``: a possessive whose owner is the question's own subject ("When did BSkyB discontinue
    its Sky+ Box?", :func:`bound_possessive`) points inside it. ``clauses``: a "that" opening a
    clause ("Which newspaper reported that ... bills were being checked?", :func:`opens_clause`)
    is no demonstrative. ``within``: the thirteenth pass's readings of a pointing word whose antecedent
    is inside the question (:data:`index.binding.WITHIN`): ``"negated"`` ("... require that Frame Relay
    doesn't?" opens a clause), ``"which"`` ("Which Nordic city lost two-thirds of its people?"),
    ``"adjunct"`` ("... ravage Europe before it continued into Russia?"), ``"one"`` ("... a Super
    Bowl before this one?"). ``pointers``: the thirteenth pass's further pointing words: ``"ordinal"``
    ("the second one", "the latter": one of the things named before) and ``"elliptical"`` (a short
    question with no question word, auxiliary or name: "Named after somebody?", :func:`elliptical`)."""
    tokens = [w.replace("\u2019", "'") for w in _WORD.findall(question)]
    words = [w.casefold() for w in tokens]
    if not words:
        return False
    if words[0] in _ELLIPSIS_LEADS or " ".join(words[:2]) in _ELLIPSIS_LEADS:
        return True
    if fragments and (words[-1] == "then" or fragment(words)):
        return True
    if "elliptical" in pointers and elliptical(question, tokens):
        return True
    flags = (bound, clauses, remainders, within, pointers)
    return any(_points_at(tokens, words, i, *flags) for i in range(len(words)))


def _points_at(
    tokens: list[str],
    words: list[str],
    i: int,
    bound: bool,
    clauses: bool,
    remainders: bool,
    within: frozenset[str],
    pointers: frozenset[str],
) -> bool:
    """Whether ``words[i]`` points outside its question (:func:`refers_back`'s flags)."""
    word = words[i]
    if "ordinal" in pointers and i and (word, words[i - 1]) in _ORDINAL_ONES:
        return True
    if word in _ANAPHORS:
        if bound and bound_possessive(tokens, i, "which" in within):
            return False
        if clauses and opens_clause(words, i, "negated" in within):
            return False
        return not (
            ("adjunct" in within and bound_pronoun(tokens, i)) or ("one" in within and one_of_question(words, i))
        )
    if word == "there" and (i == 0 or words[i - 1] not in _EXISTENTIAL):
        return True
    if word == "one" and i and words[i - 1] in ("which", "that", "this", "the"):
        return not ("one" in within and one_of_question(words, i - 1))
    return bool(remainders and word in _REMAINDERS and i and words[i - 1] == "the" and words[i + 1 : i + 2] != ["of"])


# "the second one", "the other ones", "the latter": one of several things named before.
_ORDINAL_ONES = frozenset(
    [(one, o) for one in ("one", "ones") for o in ("first", "second", "third", "last", "other", "latter", "former")]
    + [("latter", "the")]
)


def elliptical(question: str, tokens: list[str]) -> bool:
    """Whether a question of at most five words (``tokens``) has neither a question word nor an
    auxiliary first, nor a name after its first word, and ends with "?": it leaves its subject and
    verb to the question before it ("Named after somebody?", "Anything new on the boxes?", "Like
    what?"). A keyword search with no "?" ("police misconduct federal courts") is no such question."""
    if not question.rstrip().endswith("?") or not 0 < len(tokens) <= 5:
        return False
    first = tokens[0].casefold().split("'")[0]
    if first in _PHRASE_ENDS or first in _CLAUSE_VERBS or first in NEGATED or first in ("should", "may", "might"):
        return False
    return not any(t[:1].isupper() for t in tokens[1:])


def fragment(words: list[str]) -> bool:
    """Whether casefolded ``words`` continue another question: at most four, a preposition then a
    question word, no auxiliary ("On how many ships?", "At whose expense?"; not "In what year did ...?")."""
    short = 1 < len(words) <= 4 and not any(w in _CLAUSE_VERBS for w in words)
    return short and words[0] in _PREPOSITIONS and words[1] in _PHRASE_ENDS


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
CALENDAR = word_set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december"
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
    if len(words) == 1 and (name.isupper() or name.casefold() in CALENDAR):
        return False
    asked = {bare(w) for w in NAME_WORD.findall(question)}
    return not all(bare(w) in asked for w in words)


def same_kind(noun: str, kind: str) -> bool:
    """ "that country" is not what "Which Egyptian city ...?" asked for; "those teams" is a team."""
    # A which-question with no auxiliary leaves its one or two first words ("network aired").
    return not kind or not noun or any(noun.casefold().removesuffix("s") == k.removesuffix("s") for k in kind.split())


# A fragment that puts one thing in the place of another ("And in Prussia?" after "... kill in
# Sweden?"): its lead, and the prepositions whose phrase it can replace.
_CONTRAST_LEADS = (("what", "about"), ("how", "about"), ("and",), ("or",))
_SPAN = re.compile(r"[^\W_][\w'\u2019\-\.\u2013]*[^\W_]|[^\W_]|[,;:?!]")
_PUNCTUATION = frozenset(",;:?!")
_MOST_REPLACED = 4  # words of a phrase the fragment can stand in for


def ellipsis(question: str, previous: str) -> tuple[str, tuple[str, ...]]:
    """What a contrasting fragment replaces in the previous question: that question rewritten with
    the fragment in its place, and the words it drops. ``("", ())`` when ``question`` is no such
    fragment or nothing of ``previous`` lines up with it.

    The fragment lines up with the previous question's phrase of the same preposition ("And in
    Prussia?" after "How many ... kill in Sweden?" drops Sweden), or with the words before the
    same noun ("And the host interface?" after "... change the terminal interface to?" drops
    terminal); a figure stands for that question's figures ("And in 2010?" after "... during the
    2005 drought?" drops 2005), a name for its one name ("And Universal?" after "Which trailers
    did Lionsgate pay for?" drops Lionsgate), a possessive for its possessive ("And Carolina's?"
    after "What was Denver's ...?").
    """
    fragment = _after_lead(_SPAN.findall(question))
    if fragment is None:
        return "", ()
    fragment = [w for w in fragment if w not in _PUNCTUATION]
    if not fragment or any(w.casefold() in _PHRASE_ENDS for w in fragment):
        return "", ()
    before = _SPAN.findall(previous)
    if _after_lead(before) is not None:
        return "", ()  # a fragment after a fragment: what the first one replaced is not in its words
    own = {bare(w) for w in fragment}
    span = _preposition_phrase(fragment, before) or _same_noun(fragment, [t.casefold() for t in before])
    replacement = fragment
    if span is None:
        span, replacement = _same_name(fragment, before)
    if span is None:
        return "", ()
    start, end = span
    dropped = tuple(w for w in before[start:end] if bare(w) not in own and w.casefold() not in _STOP_IN_SPAN)
    if not dropped:
        return "", ()
    return _join([*before[:start], *replacement, *before[end:]]), dropped


_STOP_IN_SPAN = _ARTICLES | _PREPOSITIONS | frozenset(["and", "or"])


def _after_lead(tokens: list[str]) -> list[str] | None:
    """The words after a fragment's lead ("and", "what about"), or None when there is no lead."""
    low = tuple(t.casefold() for t in tokens)
    lead = next((len(w) for w in _CONTRAST_LEADS if low[: len(w)] == w), 0)
    return tokens[lead:] if lead else None


def _preposition_phrase(fragment: list[str], before: list[str]) -> tuple[int, int] | None:
    """The span of ``before``'s last phrase opened by the preposition the fragment opens with."""
    first = fragment[0].casefold()
    starts = [i for i, word in enumerate(before[:-1]) if word.casefold() == first]
    if first not in _PREPOSITIONS or not starts:
        return None
    # "And in Spain?" stands for "in Italy", not "in the first half ...": a name for a name.
    if len(fragment) > 1 and fragment[1][:1].isupper():
        starts = [i for i in starts if before[i + 1][:1].isupper()] or starts
    start = starts[-1]
    end = start + 1
    while end < len(before) and end - start <= _MOST_REPLACED:
        word = before[end].casefold()
        if word in _PUNCTUATION or word in _PHRASE_ENDS or (word in _PREPOSITIONS and end > start + 1):
            break
        end += 1
    return (start, end) if end > start + 1 else None


def _same_noun(fragment: list[str], before: list[str]) -> tuple[int, int] | None:
    """The span of the words before the fragment's last noun where ``before`` has that noun too
    ("the terminal interface" for "And the host interface?"), with its article when the fragment
    has one."""
    head = fragment[-1].casefold()
    if len(fragment) < 2 or head not in before[1:]:
        return None
    end = before.index(head, 1)
    start = end
    while start > 1 and end - start < _MOST_REPLACED - 1:
        word = before[start - 1]
        if word in _PUNCTUATION or word in _PHRASE_ENDS or word in _PREPOSITIONS or word in _ARTICLES:
            break
        start -= 1
    if start == end:
        return None
    if fragment[0].casefold() in _ARTICLES and before[start - 1] in _ARTICLES:
        start -= 1
    return start, end + 1


def _same_name(fragment: list[str], before: list[str]) -> tuple[tuple[int, int] | None, list[str]]:
    """The span a fragment's figure, name or possessive stands for in ``before``, and what replaces
    it; ``(None, [])`` when ``before`` has no such span, or several (which one is meant is unknown)."""
    figures = [w for w in fragment if w[:1].isdigit()]
    names = [w for w in fragment if w[:1].isupper() or w[:1].isdigit()]
    if len(names) < len([w for w in fragment if w.casefold() not in _STOP_IN_SPAN]):
        return None, []  # "the UK operations" is more than a name
    if figures:
        runs = [(i, i + 1) for i, w in enumerate(before) if w[:1].isdigit()]
        return (runs[0], figures) if len(runs) == 1 else (None, [])
    if not names:
        return None, []
    possessive = names[-1].endswith(("'s", "\u2019s"))
    runs, i = [], 1
    while i < len(before):
        if before[i][:1].isupper() or (before[i][:1].isdigit() and runs and runs[-1][1] == i):
            j = i + 1
            while j < len(before) and (before[j][:1].isupper() or before[j][:1].isdigit()):
                j += 1
            if not possessive or before[j - 1].endswith(("'s", "\u2019s")):
                runs.append((i, j))
            i = j
        else:
            i += 1
    return (runs[0], names) if len(runs) == 1 else (None, [])


def _join(words: list[str]) -> str:
    out = ""
    for word in words:
        out += word if (not out or word in _PUNCTUATION) else " " + word
    return out[:1].upper() + out[1:]

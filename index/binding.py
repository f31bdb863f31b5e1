"""Pointing words whose antecedent is inside the question itself (pure functions over its words,
used by :func:`index.anaphora.refers_back`): such a word does not send a question to its thread.

"When did BSkyB discontinue its Sky+ Box?" (its = BSkyB), "Which Nordic city lost two-thirds of its
people?" (its = the city asked for), "How long did the Black Death ravage Europe before it continued
into Russia?" (it = the Black Death), "... what does X.25 require that Frame Relay doesn't?" (a clause),
"... a Super Bowl before this one?" (one = a Super Bowl). docs/retrieval.md measures each rule.
"""

from __future__ import annotations

AUXILIARIES = frozenset(
    ["is", "are", "was", "were", "be", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would"]
)
# After these a question's subject comes before its verb ("When did BSkyB discontinue ...?"); not "was".
SUBJECT_AFTER = frozenset(
    ["do", "does", "did", "can", "could", "will", "would", "should", "may", "might", "must", "has", "have", "had"]
)
# A negated auxiliary is one word to the tokeniser ("doesn't"): a verb phrase all the same.
NEGATED = frozenset(
    [
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "hasn't",
        "haven't",
        "hadn't",
        "can't",
        "cannot",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
        "mustn't",
    ]
)
CLAUSE_VERBS = AUXILIARIES | SUBJECT_AFTER | frozenset(["been", "being"])
PRONOUNS = frozenset(["he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their", "theirs"])
DEMONSTRATIVES = frozenset(["this", "that", "these", "those"])
ANAPHORS = PRONOUNS | DEMONSTRATIVES
ARTICLES = frozenset(["the", "a", "an"])
PREPOSITIONS = frozenset(
    ["in", "on", "at", "for", "from", "of", "by", "during", "to", "with", "since", "after", "before", "under"]
)
PHRASE_ENDS = AUXILIARIES | frozenset(["who", "whom", "whose", "what", "which", "when", "where", "why", "how"])
_POSSESSIVES = frozenset(["its", "their", "his", "her"])
_NOT_BEFORE_CLAUSE = frozenset(["about", "and", "or"])
# Conjunctions that open an adjunct clause, whose subject pronoun can be the main clause's subject.
_SUBORDINATORS = frozenset(
    ["before", "after", "when", "while", "until", "till", "once", "because", "since", "as", "though", "although"]
)
# The rules of the thirteenth pass (``within`` of :func:`refers_back`), each measured on its own.
WITHIN = frozenset(["negated", "which", "adjunct", "one"])


def do_subject(tokens: list[str], words: list[str], at: int) -> tuple[int, int] | None:
    """The span of the question's subject after its first do-support auxiliary or modal, within its
    first four words, ending before ``at``: a name, a run of capitalised words ("the Harvard
    Corporation") or "the" + one lower-case noun; None when there is none."""
    aux = next((i for i, w in enumerate(words[:4]) if w in SUBJECT_AFTER), None)
    if aux is None or aux + 1 >= at:
        return None
    start = aux + 1
    end = start + 1 if words[start] in ARTICLES else start
    if words[start] in ARTICLES and end < at and not tokens[end][:1].isupper():
        end += 1  # "the university": one lower-case noun
    else:
        while end < at and tokens[end][:1].isupper() and words[end] not in ANAPHORS:
            end += 1  # a run of capitalised words: "BSkyB", "the Harvard Corporation"
    subject = words[start:end]
    if not subject or subject[-1] in ARTICLES or any(w in ANAPHORS for w in subject):
        return None
    return start, end


def which_subject(tokens: list[str], words: list[str], at: int) -> tuple[int, int] | None:
    """The span of a subject question's "which" phrase before ``at`` ("Which Nordic city lost ...":
    capitalised words and one lower-case noun, then a verb, "has" / "had" among them, and no auxiliary
    after it); None otherwise ("Which of its ...", "Which city did ...", "Which one ...")."""
    if not words or words[0] != "which":
        return None
    end = 1
    while end < at and tokens[end][:1].isupper() and words[end] not in ANAPHORS:
        end += 1
    if end < at and not tokens[end][:1].isupper() and not _function(words[end]):
        end += 1  # the noun asked for: "city"
    if end == 1 or end >= at or (_function(words[end]) and words[end] not in ("has", "have", "had")):
        return None  # no verb after the phrase
    later = words[end + 1 : at]
    return None if any(w in CLAUSE_VERBS or w in NEGATED for w in later) else (0, end)


def _plural(noun: str) -> bool:
    return noun.endswith("s") and not noun.endswith(("ss", "us", "is"))


def _finite(word: str) -> bool:
    """Whether ``word`` can be the finite verb after "it" (an auxiliary, "-ed", "-s")."""
    return word in CLAUSE_VERBS or word in NEGATED or (word.endswith(("ed", "s")) and not word.endswith("ss"))


def _function(word: str) -> bool:
    return word in PREPOSITIONS or word in ARTICLES or word in ANAPHORS or word in PHRASE_ENDS or word == "one"


def bound_possessive(tokens: list[str], at: int, which: bool = False) -> bool:
    """Whether the possessive ``tokens[at]`` belongs to the question's own subject: the name or
    "the" + noun right after its first auxiliary, within its first four words, with a verb
    between ("When did BSkyB discontinue its Sky+ Box?", "Why did the Broncos wear their white
    jerseys?"); "his" and "her" only a name's ("Why did Krishna change his mind?"). Not "What was the
    name of its founder?" ("was" is no do-support), "When did it end its ...?", "Which manufacturer
    had supply issues with its ...?", "What did the BBC say about his claims?". With ``which``, also
    a subject question's "which" phrase ("Which Nordic city lost two-thirds of its people?": "its",
    "their") or "who" ("Who broke his arm?": "his", "her", "their")."""
    if tokens[at].casefold() not in _POSSESSIVES:
        return False
    words = [t.casefold() for t in tokens]
    span = do_subject(tokens, words, at)
    if span is None:
        asked = which_subject(tokens, words, at) if which else None
        # "its" for one thing ("Which Nordic city ... its people"), "their" for several ("Which animals").
        return asked is not None and words[at] == ("their" if _plural(words[asked[1] - 1]) else "its")
    start, end = span
    if words[at] in ("his", "her") and (words[start] in ARTICLES or (end == start + 1 and tokens[start].isupper())):
        return False  # a person's: not "the BBC"'s, not an acronym's
    return end < at  # a verb between the subject and the possessive


def bound_pronoun(tokens: list[str], at: int) -> bool:
    """Whether the subject pronoun ``tokens[at]`` of an adjunct clause ("before it continued into
    Russia") is the main clause's own subject: "it" or "they" after a conjunction that opens such a
    clause, with a subject named before it ("How long did the Black Death ravage Europe before it
    ...?", "Which city lost half its people after it ...?"); "he" / "she" only a name's."""
    words = [t.casefold() for t in tokens]
    if words[at] not in ("it", "they", "he", "she") or at == 0 or words[at - 1] not in _SUBORDINATORS:
        return False
    span = do_subject(tokens, words, at - 1) or which_subject(tokens, words, at - 1)
    if span is None or span[1] >= at - 1:
        return False
    start, end = span
    if words[at] == "it":  # "before it continued", not "named after it play": a clause has a verb
        verb = words[at + 1] if at + 1 < len(words) else ""
        return _finite(verb) and not (words[start] == "which" and _plural(words[end - 1]))
    # a name can be a person, "the Black Death", an acronym or a "which" phrase cannot
    person = words[start] not in ARTICLES and words[start] != "which" and not tokens[start].isupper()
    return words[at] == "they" or person


def opens_clause(words: list[str], at: int, negated: bool = False) -> bool:
    """Whether "that" at ``words[at]`` (casefolded) opens a clause rather than pointing back: it
    follows a word that is no preposition, auxiliary or question word ("reported that", "the deal
    that"), and an auxiliary or modal comes after it ("... that benefit claimants' Sky bills were
    being checked?"; with ``negated`` a negated one too: "require that Frame Relay doesn't"). "Who
    won that game?", "How much of that came ...?", "Why is that hard?" point back."""
    if words[at] != "that" or at == 0:
        return False
    before = words[at - 1]
    if before in _NOT_BEFORE_CLAUSE or before in PREPOSITIONS or before in AUXILIARIES or before in PHRASE_ENDS:
        return False
    return any(w in CLAUSE_VERBS or (negated and w in NEGATED) for w in words[at + 1 :])


def one_of_question(words: list[str], at: int) -> bool:
    """Whether "this one" at ``words[at]`` stands for a thing the question itself names with "a" or
    "an" before it ("... host a Super Bowl before this one?": the present one of that kind)."""
    return words[at] == "this" and words[at + 1 : at + 2] == ["one"] and any(w in ("a", "an") for w in words[: at - 1])

"""Whether a question turns its sentence round: a negation it adds, or a word it replaces by its
opposite (both checked by the shipped rule: docs/retrieval.md, "Sixth pass: confidence", and the
antonym since "Eleventh pass: confidence").

SQuAD 2.0's writers made many unanswerable questions so: "Which team did *not* win?" against
"Denver won", "What is the *lowest* point?" against "the highest point is ...". The question
keeps the sentence's words and finds it; only the one word says the sentence does not answer.
Pure functions over text; the opposites are index/antonyms.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.antonyms import stem_opposites
from index.asked import LOWER_WORD, TOKEN, word_set
from index.lexical import _stem

# Words that negate a clause. A question's negation is one of these; a text answers a negated
# question only if it negates something too, plainly or by a verb or adjective of lack or
# refusal ("failed to", "unable", "refused", "lacked"), matched by stem.
_NEGATIONS = word_set("not no never none nobody nothing neither nor cannot without nowhere")
_NEGATIVE_WORDS = word_set(
    "fail unable refuse lack absent absence deny reject decline exclude prevent ban prohibit avoid "
    "ignore except instead unlike impossible"
)
_NEGATION_TOKEN = re.compile(r"[a-z]+(?:'t)?")


def _negations(text: str) -> list[str]:
    """The plain negations of a text: "not", "never", "no", ..., and any "-n't" contraction."""
    tokens = _NEGATION_TOKEN.findall(text.casefold().replace("\u2019", "'"))
    return [t for t in tokens if t in _NEGATIONS or t.endswith("n't")]


def negative(text: str) -> bool:
    """Whether a text negates anything: a plain negation, or a word of lack or refusal."""
    if _negations(text):
        return True
    stems = _negative_stems()
    return any(_stem(w) in stems for w in LOWER_WORD.findall(text.casefold()))


@lru_cache(maxsize=1)
def _negative_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in _NEGATIVE_WORDS)


def negation_dropped(question: str, text: str) -> bool:
    """Whether the question is negated ("Which team did *not* ...?", "What was *never* ...?")
    and the text negates nothing: SQuAD 2.0's writers made unanswerable questions by putting a
    "not" into an answerable one."""
    return bool(_negations(question)) and not negative(text)


def negation_added(question: str, sentence: str) -> bool:
    """Whether the sentence plainly negates ("... did not ...") and the question does not (nor
    does it ask about a lack or a refusal)."""
    return bool(_negations(sentence)) and not negative(question)


def _open_words(text: str) -> list[str]:
    """The lower-case words of a text, its capitalised words left out (the first too when the
    second is capitalised): an opposite inside a name ("North Sea", "South Africa") is none."""
    tokens = TOKEN.findall(text)
    out = []
    for i, token in enumerate(tokens):
        named = token[0].isupper() and (i > 0 or (len(tokens) > 1 and tokens[1][0].isupper()))
        if not named:
            out.append(token.casefold().replace("\u2019", "'"))
    return out


def antonym_swapped(question: str, sentence: str, text: str, closer: bool = False) -> bool:
    """Whether a word of the question has its opposite (index/antonyms.py) in the sentence and
    is itself missing from ``text`` (the sentence, or its passage), matched by stem: "What is
    the *lowest* point?" against "the *highest* point is ...", "When did the population
    *decrease*?" against "the population *increased* ...". Words inside capitalised names do
    not count on either side.

    With ``closer`` (the eleventh pass's reading), the word after "how" asks for a degree and
    says nothing ("How *long* do the soils stay good?" is answered by "for a *short* period"; in a
    how-long question "last" is the verb "to last"), and a converse is no opposite ("Who *bought*
    the rights?" is answered by "X *sold* the rights to Y"): none of them counts."""
    opposite = stem_opposites(converses=not closer)
    said = {_stem(w) for w in _open_words(sentence)}
    text_words = _open_words(text) + _open_words(sentence)
    held = {_stem(w) for w in text_words}

    def missing(word: str) -> bool:
        # held as itself, by stem, or as the start of a longer word ("east" in "eastern")
        return _stem(word) not in held and not (len(word) >= 4 and any(w.startswith(word) for w in text_words))

    asked = _open_words(question)
    degrees = {asked[i + 1] for i, w in enumerate(asked[:-1]) if w == "how"} if closer else set()
    if "long" in degrees:
        degrees.add("last")  # "How long did the golden age *last*?": the verb, not "first"'s opposite
    return any(
        missing(word) and opposite[_stem(word)] & said
        for word in asked
        if _stem(word) in opposite and word not in degrees
    )

"""The question's predicate and its roles (index/predicate.py), and their confidence.Rule switches."""

from __future__ import annotations

import numpy as np
import pytest

from index.confidence import Rule, judge
from index.lexical import terms
from index.predicate import WordSimilarity, content_words, predicate, roles_swapped, said


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("Who founded IBM?", "founded"),
        ("Who allegedly coined the name Black Death?", "coined"),  # an adverb is skipped
        ("When did John Harvard die?", "die"),
        ("When did the plague reach Norway?", "reach"),  # the subject's noun is not the verb
        ("Where did scientists find their sample?", "find"),
        ("Where is IBM headquartered?", "headquartered"),
        ("Who made fun of the Latin language?", None),  # a light verb says too little
        ("When did the Chinese famine begin?", None),
        ("Why did IBM quit facial recognition?", None),  # not a who / when / where question
        ("Who was the Norse leader?", None),
    ],
)
def test_predicate_is_the_verb_the_question_turns_on(question: str, verb: str | None) -> None:
    assert predicate(question) == verb


def test_a_verb_is_said_by_its_stem_or_its_lemma() -> None:
    """'founded' is said by 'founding'; 'won' by 'win' (a lemma, not a stem); not 'bought' by 'sold'."""
    assert said("founded", content_words("the founding of the company"))
    assert said("won", content_words("they win the cup every year"))
    assert not said("bought", content_words("the rights were sold in 1990"))


def _encode(texts: list[str]) -> np.ndarray:
    """Fake word vectors: 'bought' and 'purchased' share a direction, every other word has its own."""
    axis = {"bought": 0, "purchased": 0, "sold": 1, "rights": 2}
    out = np.zeros((len(texts), 4), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i, axis.get(text, 3)] = 1.0
    return out


def test_a_close_word_counts_when_a_similarity_is_given() -> None:
    """With word vectors, a word at least the threshold close says the verb, each word embedded once."""
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return _encode(texts)

    similarity = WordSimilarity(encode, 0.9)
    assert said("bought", ["purchased", "rights"], similarity)
    assert not said("bought", ["sold", "rights"], similarity)
    assert calls == [["bought", "purchased", "rights"], ["sold"]]


def test_roles_swapped_when_the_subject_stands_after_the_verb() -> None:
    question = "Who did King Charles swear fealty to?"
    assert roles_swapped(question, "Their leader Rollo agreed to swear fealty to King Charles III.")
    assert not roles_swapped(question, "King Charles III swore fealty to the Emperor.")
    # The passive voice turns the roles round by itself.
    assert not roles_swapped("Who did the Normans encourage?", "The Normans were encouraged by the Lombards.")


def test_roles_swapped_when_the_object_stands_before_the_verb() -> None:
    question = "What precedes the period of Anglo-Saxon architecture?"
    assert roles_swapped(question, "Norman architecture succeeds the Anglo-Saxon and precedes the Early Gothic.")
    assert not roles_swapped(question, "Norman architecture precedes the Anglo-Saxon period.")


def _judge(question: str, sentence: str, passage: str, rule: Rule) -> str:
    return judge(question, sentence, passage, terms(question), terms(sentence), lambda _: 1.0, rule)


def test_the_switches_are_off_in_the_shipped_rule() -> None:
    """'Who founded IBM?' against a passage that never founds anything: low only with the switch on."""
    sentence = "IBM quits the facial recognition business, Arvind Krishna wrote."
    assert _judge("Who founded IBM?", sentence, sentence, Rule()) == "high"
    assert _judge("Who founded IBM?", sentence, sentence, Rule(predicate="passage")) == "low"
    assert (
        _judge("Who founded IBM?", "IBM was founded by Charles Flint.", sentence, Rule(predicate="sentence")) == "high"
    )
    swapped = "Rollo agreed to swear fealty to King Charles III."
    assert _judge("Who did King Charles swear fealty to?", swapped, swapped, Rule()) == "high"
    assert _judge("Who did King Charles swear fealty to?", swapped, swapped, Rule(roles=True)) == "low"

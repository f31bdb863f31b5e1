"""The thirteenth pass's gate (index/binding.py, index/anaphora.py, index/followup.py): a pointing word
whose antecedent is inside the question does not send it to its thread, in a question that names its
own subject; an ordinal "one" and an elliptical question point back."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from index import anaphora, followup, search
from index.binding import WITHIN
from index.followup import Folding
from index.lexical import Lexicon

POINTERS = frozenset(["ordinal", "elliptical"])


def _reads(question: str, within: frozenset[str] = WITHIN, pointers: frozenset[str] = frozenset()) -> bool:
    return anaphora.refers_back(question, True, True, True, True, within, pointers)


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        ("Which Nordic city lost two-thirds of its people to the plague?", "which"),
        ("Which animals secrete toxins through their flesh?", "which"),
        ("Which manufacturer had supply issues with its set top box?", "which"),
        ("Before user packets go out, what does X.25 require that Frame Relay doesn't?", "negated"),
        ("How long did the Black Death ravage Europe before it continued into Russia?", "adjunct"),
        ("What job did Krishna have before he became CEO?", "adjunct"),
        ("At which stadium did the Bay Area last host a Super Bowl before this one?", "one"),
    ],
)
def test_a_pointing_word_bound_inside_the_question_does_not_point_back(question: str, rule: str) -> None:
    assert _reads(question, frozenset())
    assert not _reads(question, frozenset([rule]))
    assert _reads(question, WITHIN - {rule})


@pytest.mark.parametrize(
    "question",
    [
        "Which county saw their first settlements?",  # one county, "their": not its own
        "Who married his sister?",  # "who" binds nothing: "his" is the thread's as often
        "Which of its museums is oldest?",
        "Which city did its army take?",
        "Which one lost its way?",
        "What share of its budget went to aid?",
        "How many sports does the team named after it play?",  # "after it play": no clause
        "When did he leave for Acre?",
        "Did Denver win a Super Bowl before that one?",  # "that one" is the one named before
        "Who won that game?",
        "Why does that matter, since it doesn't pay?",
    ],
)
def test_a_pointing_word_with_no_antecedent_inside_still_points_back(question: str) -> None:
    assert _reads(question)


@pytest.mark.parametrize(
    ("question", "points"),
    [
        ("Did the second one study at Harvard himself?", True),
        ("At which level does the latter work?", True),
        ("Named after somebody?", True),
        ("Anything new on the boxes?", True),
        ("Like what?", True),
        ("police misconduct federal courts", False),  # a keyword search, no "?"
        ("What's the news?", False),
        ("Should police use facial recognition at all?", False),
        ("Who was the first president?", False),
        ("What former MVP was shown in the locker room?", False),
        ("Any word from IBM?", False),  # names its subject
    ],
)
def test_an_ordinal_one_or_an_elliptical_question_points_back(question: str, points: bool) -> None:
    assert _reads(question, pointers=POINTERS) is points
    assert not _reads(question)


# "Nordic" in one passage of twenty-one; "Broncos" in most.
PASSAGES = [
    "Helsinki, a Nordic city, lost two-thirds of its people.",
    *[f"The Broncos played game {i} of the season and the defence held." for i in range(20)],
]
CORPUS = SimpleNamespace(lexicon=Lexicon(PASSAGES))


def _query(text: str) -> search.Query:
    none = np.zeros((0, 4), dtype=np.float32)
    return search.Query(text, np.zeros(4, dtype=np.float32), none, tuple(CORPUS.lexicon.query_terms(text)))


def test_a_bound_pointing_word_stands_alone_only_in_a_question_naming_its_subject() -> None:
    """Clear alone, a question whose 'its' its own subject binds is read alone when it names a rare
    subject; one that names none keeps its thread (its 'its' may be the thread's); the previous
    method, and ``within_named`` off, as measured."""
    clear = Folding().vague_z + 1.0
    nordic = _query("Which Nordic city lost two-thirds of its people?")
    unnamed = _query("Which team lost two-thirds of its games?")
    assert not followup.needs_history(CORPUS, nordic, Folding(), z=clear)
    assert followup.needs_history(CORPUS, unnamed, Folding(), z=clear)
    assert not followup.needs_history(CORPUS, unnamed, Folding(within_named=False), z=clear)
    assert followup.needs_history(CORPUS, nordic, Folding(within=frozenset()), z=clear)


def test_an_elliptical_question_is_read_with_its_thread_however_clear() -> None:
    clear = Folding().vague_z + 1.0
    named = _query("Named after somebody?")
    assert followup.needs_history(CORPUS, named, Folding(), z=clear)
    assert not followup.needs_history(CORPUS, named, replace(Folding(), pointers=frozenset()), z=clear)

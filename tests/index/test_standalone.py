"""The tenth pass's gate (index/followup.py, index/anaphora.py): a question that names its own
subject is read alone even when it is vague, so its answer is the one it gets with no history."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from index import followup, search
from index.followup import Folding
from index.lexical import Lexicon

# Twenty-two passages: "Paramount" and "Cotchery" in one each, "Broncos" in most, 2003 in one.
PASSAGES = [
    "Paramount paid for the Teenage Mutant Ninja Turtles trailer.",
    "The Cotchery catch was ruled incomplete by the Broncos defence.",
    "Remains of large settlements were found in 2003.",
    *[f"The Broncos played game {i} of the season and the defence held." for i in range(19)],
]
CORPUS = SimpleNamespace(lexicon=Lexicon(PASSAGES))
SHIPPED = Folding()


def _query(text: str) -> search.Query:
    none = np.zeros((0, 4), dtype=np.float32)
    return search.Query(text, np.zeros(4, dtype=np.float32), none, tuple(CORPUS.lexicon.query_terms(text)))


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What did Paramount pay for?", True),
        ("Which analyst disagreed with the ruling on the Cotchery catch?", True),
        ("Which analyst worked for Fox?", True),  # a name the sources lack is the question's own
        ("Who found the remains of large settlements in 2003?", False),  # a figure is no name
        ("What did the Broncos do?", False),  # most passages name them: the sources' subject
        ("What was the final score?", False),
    ],
)
def test_a_rare_name_is_the_question_own_subject(question: str, named: bool) -> None:
    assert followup.names_itself(CORPUS, _query(question), SHIPPED) is named


def test_what_names_a_subject_is_set_by_the_folding() -> None:
    """Figures count when asked; every content word with "words"; nothing at share 0."""
    settlements = _query("Who found the remains of large settlements in 2003?")
    assert followup.names_itself(CORPUS, settlements, replace(SHIPPED, subject_kind="figures"))
    assert followup.names_itself(CORPUS, _query("Who found the settlements?"), replace(SHIPPED, subject_kind="words"))
    assert not followup.names_itself(CORPUS, _query("What did Paramount pay for?"), replace(SHIPPED, subject_share=0.0))
    # Paramount is in one passage of twenty-two (0.045): rare at 0.05, not at 0.01.
    assert not followup.names_itself(
        CORPUS, _query("What did Paramount pay for?"), replace(SHIPPED, subject_share=0.01)
    )


def test_a_vague_question_that_names_its_subject_is_read_alone() -> None:
    """Below vague_z a question is read with its thread unless it names its own subject; one that
    points back is read with it whatever it names; a clear one is read alone as before."""
    vague, clear = SHIPPED.vague_z - 1.0, SHIPPED.vague_z + 1.0
    previous = replace(SHIPPED, bound=False, clauses=False, subject_share=0.0)
    paramount = _query("What did Paramount pay for?")
    assert not followup.needs_history(CORPUS, paramount, SHIPPED, z=vague)
    assert followup.needs_history(CORPUS, paramount, previous, z=vague)
    # Not clear enough for subject_z: read with its thread as before.
    assert followup.needs_history(CORPUS, paramount, replace(SHIPPED, subject_z=vague + 0.5), z=vague)
    assert followup.needs_history(CORPUS, _query("What was the final score?"), SHIPPED, z=vague)
    assert followup.needs_history(CORPUS, _query("And what did Paramount pay for?"), SHIPPED, z=clear)
    assert not followup.needs_history(CORPUS, _query("What was the final score?"), SHIPPED, z=clear)


def test_a_possessive_of_its_own_subject_leaves_the_question_to_its_clarity() -> None:
    """'When did Paramount pay for its trailer?' points back no more: clear, it is read alone."""
    owned = _query("When did Paramount pay for its trailer?")
    clear = SHIPPED.vague_z + 1.0
    assert not followup.needs_history(CORPUS, owned, SHIPPED, z=clear)
    assert followup.needs_history(CORPUS, owned, replace(SHIPPED, bound=False), z=clear)

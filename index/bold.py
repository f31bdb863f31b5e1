"""Which sentence of a passage is bold: the sentence shown as the answer (``Hit.sentence``), which
the confidence checks read too (index/confidence.py). docs/retrieval.md, "Which sentence is bold",
has the measurements.

The sentence view ranks a sentence by its own vector and words: "It was worth $32 billion in 2011"
holds neither "Harvard" nor "endowment", so the sentence before it, which names them, wins. A
sentence's token vectors come from its passage's forward pass and carry that context, so each
sentence's own late interaction (:func:`index.late.sentence_maxima`) is added to the view, at
:data:`LATE_WEIGHT`. The move is kept unless it trades a sentence holding the kind of thing asked
(a figure, a date, a sum of money, as the confidence check reads the question) for one lacking it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from index.asked import AnswerType, answer_type, has_answer_type
from index.rule import Rule

# Weight of a sentence's late interaction (z-scored over the candidate passages' sentences) beside the
# sentence view's dense and BM25 z-scores. 8.0: SQuAD v1's tune half 127 -> 132 of 140, the top of a
# plateau from 8 to 12 (docs/retrieval.md, "Which sentence is bold").
LATE_WEIGHT = 8.0


def asked_kind(question: str, rule: Rule = Rule()) -> AnswerType | None:
    """The kind of thing ``question`` asks for as ``rule``'s answer-type check reads it, the one reading
    the bold sentence and :func:`confidence.judge` share (None: no kind it checks: a who-question's name
    is not checked as shipped)."""
    if not rule.answer_type:
        return None
    kind = answer_type(question, rule.closer_reading, rule.measures)
    if kind == "name" and not rule.name_type:
        return None
    return "figure" if kind == "money" and not rule.money else kind


def choose(
    view: np.ndarray, late: np.ndarray, question: str, kind: AnswerType | None, sentence: Callable[[int], str]
) -> int:
    """The bold sentence of a passage: the best of ``view + LATE_WEIGHT * late`` (its sentences'
    scores), unless the view's own best holds the asked ``kind`` and that one does not.

    Args:
        view: The sentence view's score of each of the passage's sentences.
        late: Each sentence's late interaction, z-scored (0 where not computed).
        question: The question as ranked.
        kind: What it asks for (:func:`asked_kind`).
        sentence: The passage's sentence at an index.
    """
    plain = int(np.argmax(view))
    best = int(np.argmax(view + LATE_WEIGHT * late))
    if best == plain or kind is None:
        return best
    if has_answer_type(kind, sentence(plain), question) and not has_answer_type(kind, sentence(best), question):
        return plain
    return best

"""The question's soft alignment with an answer's passages (index/alignment.py), and its
confidence.Rule switches (off in the shipped rule)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from index.alignment import Aligned, TokenText, align, content_words, elsewhere_gap, soft_recall, word_scores
from index.confidence import Rule, judge
from index.lexical import terms

# Fake contextual vectors: one axis a word, so a word meets itself at 1.0 and any other at 0.0,
# except "payroll", which leans towards "employs" (a paraphrase) at 0.8.
_AXES = ["ibm", "employs", "people", "carolina", "ceo", "red", "hat", "krishna", "founded", "other"]


def _vector(word: str) -> np.ndarray:
    out = np.zeros(len(_AXES), dtype=np.float32)
    if word == "payroll":
        out[_AXES.index("employs")], out[_AXES.index("other")] = 0.8, 0.6
    else:
        out[_AXES.index(word) if word in _AXES else _AXES.index("other")] = 1.0
    return out


def _tokens(text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One token a word, its offsets, and its fake vector."""
    offsets = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+", text)]
    rows = np.stack([_vector(text[a:b].casefold()) for a, b in offsets])
    return rows, offsets


def _text(text: str, focus: tuple[int, int] | None = None) -> TokenText:
    rows, offsets = _tokens(text)
    return TokenText(rows, offsets, focus)


def test_content_words_leave_out_wh_words_stopwords_and_possessives() -> None:
    words = [stem for *_, stem in content_words("How many people does IBM's campus employ?")]
    assert words == ["peopl", "ibm", "campus", "employ"]
    assert content_words("Who is he?") == []


def test_a_word_of_several_tokens_scores_the_mean_of_its_tokens() -> None:
    """'Raleigh' read as two tokens, one met at 1.0 and one at 0.0, scores 0.5."""
    tokens = np.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    scores = word_scores(tokens, [(0, 4), (4, 7)], [(0, 7, "raleigh")], np.asarray([[1.0, 0.0]], dtype=np.float32))
    assert scores.tolist() == pytest.approx([0.5])
    assert word_scores(tokens, [(0, 4), (4, 7)], [(0, 7, "raleigh")], np.zeros((0, 2), np.float32)).tolist() == [0.0]


def test_soft_recall_counts_a_paraphrase_and_weighs_by_idf() -> None:
    """'payroll' is met by 'employs' at 0.8 where a word match finds nothing; 'founded' by nothing."""
    passage = "IBM employs people in Carolina"
    question = "How many people are on IBM payroll"
    rows, offsets = _tokens(question)
    aligned = align(question, rows, offsets, _text(passage, (0, len(passage))))
    assert aligned.stems == ("peopl", "ibm", "payrol")
    assert soft_recall(aligned, lambda stem: 1.0) == pytest.approx((1.0 + 1.0 + 0.8) / 3)
    founded = "Who founded IBM"
    rows, offsets = _tokens(founded)
    aligned = align(founded, rows, offsets, _text(passage))
    assert soft_recall(aligned, lambda stem: 3.0 if stem == "found" else 1.0) == pytest.approx(1.0 / 4)


def test_soft_recall_reads_the_bold_sentence_or_the_whole_passage() -> None:
    passage = "Krishna is CEO. IBM employs people."
    question = "Who is IBM CEO"
    rows, offsets = _tokens(question)
    aligned = align(question, rows, offsets, _text(passage, (16, len(passage))))
    assert soft_recall(aligned, lambda stem: 1.0, "sentence") == pytest.approx(0.5)  # "CEO" not in the sentence
    assert soft_recall(aligned, lambda stem: 1.0, "passage") == pytest.approx(1.0)


def test_a_word_said_elsewhere_is_met_better_by_another_passage() -> None:
    question = "Who is the CEO of Red Hat"
    rows, offsets = _tokens(question)
    first = _text("IBM bought Red Hat")
    second = _text("IBM CEO Krishna")
    aligned = align(question, rows, offsets, first, [second])
    assert elsewhere_gap(aligned) == pytest.approx(1.0)  # "CEO": 0.0 in the first, 1.0 in the second
    assert elsewhere_gap(align(question, rows, offsets, first)) == 0.0  # no other passage shown
    assert elsewhere_gap(Aligned((), np.zeros(0), np.zeros(0), np.zeros(0))) == 0.0
    assert elsewhere_gap(aligned, names=False) == 0.0  # "CEO", "Red", "Hat": all written as names
    lower = "who is the ceo of Red Hat"
    rows, offsets = _tokens(lower)
    assert elsewhere_gap(align(lower, rows, offsets, first, [second]), names=False) == pytest.approx(1.0)


def test_the_alignment_checks_are_off_by_default_and_need_the_alignment() -> None:
    question = "Who founded IBM?"
    sentence = "IBM called for justice, said Krishna."
    rows, offsets = _tokens(question)
    aligned = align(question, rows, offsets, _text(sentence))

    def ask(rule: Rule, given: Aligned | None = aligned) -> str:
        return judge(question, sentence, sentence, terms(question), terms(sentence), lambda t: 1.0, rule, aligned=given)

    assert ask(Rule()) == "high"  # shipped: no such check
    assert ask(Rule(soft_recall=0.6)) == "low"  # recall 0.5: "founded" met by nothing
    assert ask(Rule(soft_recall=0.4)) == "high"
    assert ask(Rule(soft_recall=0.6), None) == "high"  # no alignment given: the check is skipped
    second = _text("Krishna founded it")
    elsewhere = align(question, rows, offsets, _text(sentence), [second])
    assert ask(Rule(elsewhere=0.5), elsewhere) == "low"
    assert ask(Rule(elsewhere=0.5)) == "high"


def test_focus_rows_fall_back_to_the_whole_text_when_tokens_and_offsets_differ() -> None:
    """A chunk embedded as several windows has more rows than tokens: the sentence cannot be cut out."""
    rows, offsets = _tokens("IBM employs people")
    assert len(TokenText(rows, offsets, (4, 11)).focus_rows()) == 1
    assert len(TokenText(np.vstack([rows, rows]), offsets, (4, 11)).focus_rows()) == 6

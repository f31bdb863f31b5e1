"""Which sentence is bold (index/bold.py): each sentence's own late interaction beside the sentence
view, the kind of thing asked kept, and each sentence's MaxSim (index/late.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from index import bold, confidence, search
from index.late import sentence_maxima, span_similarities
from index.lexical import Lexicon
from index.query import Retriever
from index.rule import Rule
from index.tokens import TokenStore
from tests.prebuilt import Prebuilt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bold"
SENTENCES = ("Harvard has the largest university endowment in the world.", "It was worth $32 billion in 2011.")


def test_a_sentence_whose_own_late_interaction_outweighs_the_views_lead_is_bold() -> None:
    """The view prefers the sentence naming the subject by 0.5; the next sentence's tokens match the
    question by 0.1 more (z-scored): at the shipped weight that is more than the lead."""
    view, late = np.array([1.5, 1.0]), np.array([0.0, 0.1])
    assert bold.choose(view, late, "Who?", None, SENTENCES.__getitem__) == 1
    assert bold.choose(view, np.zeros(2), "Who?", None, SENTENCES.__getitem__) == 0


def test_the_move_never_trades_the_kind_asked_for_a_sentence_without_it() -> None:
    """A how-much question about money: the view's best holds the sum, the late interaction's does not:
    the view's stays bold. Asked for nothing the check reads (a who-question), the move is kept."""
    said = ("It was worth $32 billion in 2011.", "Harvard's endowment is the largest in the world.")
    view, late = np.array([1.5, 1.0]), np.array([0.0, 0.2])
    question = "How much was Harvard's endowment worth in 2011?"
    kind = bold.asked_kind(question)
    assert kind == "money"
    assert bold.choose(view, late, question, kind, said.__getitem__) == 0
    who = "Who holds the largest endowment?"
    assert bold.choose(view, late, who, bold.asked_kind(who), said.__getitem__) == 1


def test_the_kind_asked_is_read_as_the_confidence_rule_reads_it() -> None:
    """No name is checked as shipped; a sum of money is a figure when the rule checks no money."""
    assert bold.asked_kind("Who founded Harvard?") is None
    assert bold.asked_kind("Who founded Harvard?", Rule(name_type=True)) == "name"
    assert bold.asked_kind("How much did Sky pay?", Rule(money=False)) == "figure"
    assert bold.asked_kind("When was it founded?", Rule(answer_type=False)) is None


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions whose kind asked is read, each time it is (the bold sentence's and the confidence check's)."""
    read: list[str] = []
    real = bold.asked_kind

    def counted(question: str, rule: Rule = Rule()) -> object:
        read.append(question)
        return real(question, rule)

    monkeypatch.setattr(bold, "asked_kind", counted)
    monkeypatch.setattr(confidence, "asked_kind", counted)
    return read


def test_the_confidence_check_reads_the_kind_the_bold_sentence_was_chosen_for(reads: list[str]) -> None:
    """A question's kind asked is read once (``Query.kind``), for the bold sentence and the answer's confidence
    alike; a rule other than the shipped one reads it again, as that rule reads it."""
    passage = "Harvard's endowment was worth $32 billion in 2011."
    chunk = SimpleNamespace(document="Harvard", text=passage, sentence=lambda _: passage)
    corpus = SimpleNamespace(chunks=[chunk], lexicon=Lexicon([passage]))
    question = "How much was Harvard's endowment worth?"
    query = search.Query(question, np.zeros(4, dtype=np.float32), np.zeros((0, 4), dtype=np.float32), ())
    assert query.kind == "money"
    assert confidence.of_answer(corpus, query, search.Scored(0, 0, 1.0)) == "high"
    assert reads == [question]
    assert confidence.of_answer(corpus, query, search.Scored(0, 0, 1.0), Rule(money=False)) == "high"
    assert reads == [question, question]


def test_each_sentences_maxima_are_its_tokens_best_matches() -> None:
    """Random token vectors: each sentence's column is each question token's best cosine in its rows,
    -1 for a sentence with no token; no column for an empty question."""
    rng = np.random.default_rng(3)
    store = TokenStore(rng.normal(size=(200, 8)).astype(np.float16), np.zeros((0,), dtype=np.float16))
    question = rng.normal(size=(4, 8)).astype(np.float32)
    spans = np.array([[0, 30], [100, 120]], dtype=np.int64)
    rows = np.array([[2, 12], [12, 30], [100, 100], [100, 120]], dtype=np.int64)
    got = sentence_maxima(span_similarities(question, store, spans), spans, rows, np.array([2, 2]))
    for column, (a, b) in enumerate(rows):
        want = (question @ store[np.arange(a, b)].T).max(axis=1) if b > a else np.full(4, -1.0)
        assert got[:, column] == pytest.approx(want, abs=1e-5)
    assert sentence_maxima(span_similarities(question[:0], store, spans), spans, rows, np.array([2, 2])).shape == (0, 0)


@pytest.fixture(scope="module")
def paragraphs(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """Paragraphs of SQuAD's Harvard and packet-switching articles, indexed once a run."""
    return Retriever.open(*prebuilt.copy(tmp_path_factory.mktemp("bold"), *sorted(FIXTURES.iterdir())))


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("How much was Harvard's endowment worth in 2011?", "It was worth $32 billion in 2011"),
        ("What did Davies call it?", "He called it packet switching"),
    ],
)
def test_the_sentence_that_answers_with_a_pronoun_is_bold(paragraphs: Retriever, question: str, answer: str) -> None:
    """The answer says "It" / "He" where the sentence before names the subject: its tokens, read in
    their passage, know what the pronoun stands for, and it is bold (and the answer high)."""
    got = paragraphs.ask(question)
    assert got.hits[0].sentence.startswith(answer)
    assert got.confidence == "high"


@pytest.mark.model
def test_an_answer_reads_the_kind_asked_once(paragraphs: Retriever, reads: list[str]) -> None:
    """The bold sentence and the confidence check share one reading of what the question asks for."""
    question = "How much was Harvard's endowment worth in 2011?"
    assert paragraphs.ask(question).confidence == "high"
    assert reads == [question]

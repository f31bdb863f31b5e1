"""Retrieval quality gates on the article (index/search.py): the eval set's targets, and the
shapes real chat questions take. Figures with more detail come from `make bench`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.evaluate import evaluate, evaluate_quotes, load_jsonl, rank_of_answer
from index.query import Retriever
from tests.prebuilt import SEEDS, Prebuilt

ROOT = Path(__file__).resolve().parents[2]
FACIAL_RECOGNITION_PARAGRAPHS = {1, 5, 6, 8, 12, 13}


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """The project's seeds (the article and its title), indexed once a run."""
    return Retriever.open(*prebuilt.copy(tmp_path_factory.mktemp("quality"), *SEEDS))


def test_article_eval_set_meets_the_quality_targets(article: Retriever) -> None:
    """recall@1 >= 0.92, recall@3 >= 0.98, MRR >= 0.95, abstains on >= 0.9 out of scope, <= 0.04 wrongly."""
    quality = evaluate(article, load_jsonl(ROOT / "eval" / "questions.jsonl"))
    assert quality.recall_at_1 >= 0.92, quality.misses
    assert quality.recall_at_3 >= 0.98, quality.misses
    assert quality.mrr >= 0.95, quality.misses
    assert quality.abstain_rate >= 0.9, quality.misses
    assert quality.false_abstain_rate <= 0.04, quality.misses


def test_every_quote_topic_returns_its_quotation_first_with_the_right_speaker(article: Retriever) -> None:
    """Each topic of eval/quotes.jsonl: the expected quotation first, its speaker right."""
    hits, speakers, misses = evaluate_quotes(article, load_jsonl(ROOT / "eval" / "quotes.jsonl"))
    assert (hits, speakers) == (1.0, 1.0), misses


@pytest.mark.parametrize(
    ("question", "evidence"),
    [
        # lower case, no punctuation
        (
            "why did ibm quit facial recognition",
            ["IBM no longer offers", "IBM quits the facial recognition", "dropping of facial recognition"],
        ),
        # keywords only
        (
            "ibm facial recognition why quit",
            ["IBM no longer offers", "IBM quits the facial recognition", "dropping of facial recognition"],
        ),
        # misspelt names
        ("what did Krisna say about qualified immunity", ["qualified immunity doctrine"]),
        ("what did Krishnaa say about the federal registry", ["federal registry of police misconduct"]),
        # the source's own typo: "Al" printed for "AI"
        ("is ai tested for bias", ["tested for bias"]),
        ("who is tim humphrey", ["Tim Humphrey, IBM’s top NC exec"]),
    ],
)
def test_chat_shaped_questions_find_their_passage_first(article: Retriever, question: str, evidence: list[str]) -> None:
    """Questions as people type them in chat still get the right passage first."""
    answer = article.ask(question)
    assert not answer.abstained
    assert rank_of_answer([h.text for h in answer.hits[:1]], evidence) == 1, answer.hits[0].text


def test_the_sources_own_misspelling_of_a_name_still_reaches_the_quotation(article: Retriever) -> None:
    """ "Khrisna", as the article itself misspells Krishna, finds his qualified-immunity quotation in the top 3."""
    answer = article.ask("what did Khrisna say about qualified immunity")
    assert rank_of_answer([h.text for h in answer.hits], ["qualified immunity doctrine"]) is not None


@pytest.mark.parametrize("question", ["Why did Big Blue stop face scanning?", "big blue face scanning"])
def test_paraphrase_with_no_shared_words_is_answered_about_facial_recognition(
    article: Retriever, question: str
) -> None:
    """'Big Blue' and 'face scanning' share no word with the article, yet are answered from it."""
    answer = article.ask(question)
    assert not answer.abstained
    assert answer.hits[0].paragraph in FACIAL_RECOGNITION_PARAGRAPHS


@pytest.mark.parametrize(
    "question", ["asdfgh", "zzzz 1234 ????", "What is the capital of Peru?", "Who won the 1998 World Cup?"]
)
def test_noise_and_off_topic_questions_abstain(article: Retriever, question: str) -> None:
    """Gibberish and questions about other subjects get an abstention, not a quoted miss."""
    assert article.ask(question).abstained


@pytest.mark.parametrize("topic", ["sourdough bread", "the weather"])
def test_quote_topic_the_sources_are_not_about_returns_no_quotation(article: Retriever, topic: str) -> None:
    """`quote` on a subject the sources never touch returns nothing rather than the nearest quotation."""
    assert article.quotes(topic).quotes == ()


def test_quotes_about_something_else_are_left_out(article: Retriever) -> None:
    """'revenue' returns CNBC's quotation alone, not the quotations about other things."""
    found = article.quotes("revenue", k=3).quotes
    assert [(q.text, q.speaker) for q in found] == [("significant revenue", "CNBC")]

"""Answers and quotations from the real model over the real article, and over two documents (index/query.py)."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index.errors import EmptyQuestionError
from index.query import Retriever
from index.types import Answer
from tests.prebuilt import Prebuilt

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
ARTICLE_SOURCE = "seeds/" + ARTICLE.name
TITLES = ROOT / "seeds" / "titles.toml"
ARTICLE_TITLE = "IBM quits facial recognition"
BEES = ROOT / "tests" / "fixtures" / "multi" / "honeybees.md"
BEES_TITLE = "Why Honeybee Colonies Are Collapsing"
WHY_IBM = "Why did IBM quit facial recognition?"


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """The real article with its titles.toml, indexed once a run."""
    return Retriever.open(*prebuilt.copy(tmp_path_factory.mktemp("article"), ARTICLE, TITLES))


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """The article and an article on honeybees, indexed together, once a run."""
    return Retriever.open(*prebuilt.copy(tmp_path_factory.mktemp("multi"), ARTICLE, BEES, TITLES))


def assert_sentence_inside(answer: Answer) -> None:
    for hit in answer.hits:
        assert hit.sentence
        assert hit.text[hit.sentence_start : hit.sentence_start + len(hit.sentence)] == hit.sentence


def test_why_ibm_quit_is_answered_from_paragraph_6_or_1(article: Retriever) -> None:
    """The facial-recognition question is answered, best from ¶6 or ¶1, with its sentence inside the passage."""
    answer = article.ask(WHY_IBM)
    assert not answer.abstained
    assert answer.hits[0].paragraph in {1, 6}
    assert answer.hits[0].source == ARTICLE_SOURCE
    assert len(answer.hits) == 3
    assert [h.score for h in answer.hits] == sorted((h.score for h in answer.hits), reverse=True)
    assert_sentence_inside(answer)


def test_passage_text_is_verbatim_from_the_article(article: Retriever) -> None:
    """Every passage is a substring of the source file, curly quotes and all."""
    text = ARTICLE.read_text(encoding="utf-8")
    answer = article.ask("What did Krishna say about qualified immunity?")
    assert answer.hits
    assert all(hit.text in text for hit in answer.hits)
    assert any(hit.paragraph == 15 for hit in answer.hits)


def test_k_limits_the_number_of_passages(article: Retriever) -> None:
    """k=1 gives one passage."""
    assert len(article.ask(WHY_IBM, k=1).hits) == 1


def test_out_of_scope_question_abstains(article: Retriever) -> None:
    """A question the article cannot answer abstains."""
    assert article.ask("How do I bake sourdough bread?").abstained


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x1b\u200b"])
def test_empty_question_raises_empty_question_error(article: Retriever, question: str) -> None:
    """Blank questions, or ones of nothing but control characters, raise EmptyQuestionError."""
    with pytest.raises(EmptyQuestionError):
        article.ask(question)


def test_very_long_question_is_answered_with_a_note_that_it_was_shortened(article: Retriever) -> None:
    """A 10,000-character question is cut to max_chars, answered, and the answer notes the cut."""
    question = (WHY_IBM + " ") * (10_000 // (len(WHY_IBM) + 1) + 1)
    question = question[:10_000]
    answer = article.ask(question, max_chars=1000)
    assert len(answer.question) <= 1000
    assert answer.hits
    assert any("10,000 characters" in note and "only the first" in note for note in answer.notes)


def test_control_characters_are_stripped_from_the_question(article: Retriever) -> None:
    """NUL, escape and zero-width characters are removed before answering; the answer is the same."""
    answer = article.ask("Why did IBM\x00 quit\x1b facial\u200b recognition?\x07")
    assert not any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in answer.question)
    assert answer.question == WHY_IBM
    assert [h.paragraph for h in answer.hits] == [h.paragraph for h in article.ask(WHY_IBM).hits]


@pytest.mark.parametrize(
    "question",
    [
        "¿Por qué IBM abandonó el reconocimiento facial?",
        "IBMはなぜ顔認識をやめたのですか？",
        "Почему IBM отказалась от распознавания лиц?",
    ],
)
def test_question_in_another_language_does_not_crash(article: Retriever, question: str) -> None:
    """Spanish, Japanese and Russian questions give an Answer (answered or abstained)."""
    answer = article.ask(question)
    assert isinstance(answer, Answer)
    assert isinstance(answer.abstained, bool)


def test_ask_many_keeps_order_and_returns_errors_in_place(article: Retriever) -> None:
    """Each result sits at its question's position; a blank question's EmptyQuestionError too."""
    questions = [WHY_IBM, "", "How do I bake sourdough bread?", "What did Krishna say about qualified immunity?"]
    results = article.ask_many(questions)
    assert len(results) == 4
    assert isinstance(results[1], EmptyQuestionError)
    answers = [results[0], results[2], results[3]]
    assert all(isinstance(a, Answer) for a in answers)
    assert [a.question for a in answers] == [questions[0], questions[2], questions[3]]  # type: ignore[union-attr]
    assert results[2].abstained  # type: ignore[union-attr]
    assert [h.paragraph for h in results[0].hits] == [h.paragraph for h in article.ask(WHY_IBM).hits]  # type: ignore[union-attr]


def test_concurrent_asks_from_threads_agree_with_a_single_ask(article: Retriever) -> None:
    """Asking from several threads at once gives the same passages as asking alone."""
    alone = article.ask(WHY_IBM)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(article.ask, [WHY_IBM] * 8))
    assert all(a.hits == alone.hits for a in answers)


def test_qualified_immunity_quote_is_krishnas(article: Retriever) -> None:
    """The best quotation on qualified immunity is ¶15's, spoken by Arvind Krishna."""
    found = article.quotes("qualified immunity")
    first = found.quotes[0]
    assert "qualified immunity doctrine" in first.text
    assert first.speaker is not None and "Krishna" in first.speaker
    assert first.paragraph == 15
    assert first.source == ARTICLE_SOURCE


def test_empty_topic_raises_empty_question_error(article: Retriever) -> None:
    """A blank quotation topic raises EmptyQuestionError."""
    with pytest.raises(EmptyQuestionError):
        article.quotes("  ")


def test_quote_topics_is_empty_for_an_empty_prefix_and_at_most_25(article: Retriever) -> None:
    """Autocomplete gives [] for "" and at most 25 suggestions, each containing the typed text."""
    assert article.quote_topics("") == []
    many = article.quote_topics("e")
    assert 0 < len(many) <= 25
    assert all("e" in topic for topic in many)
    assert any("facial recognition" in topic for topic in article.quote_topics("facial"))


def test_info_counts_what_is_indexed(article: Retriever) -> None:
    """IndexInfo lists the one document and its 18 paragraphs, chunks and 8 quotations."""
    assert article.info.sources == (ARTICLE_SOURCE,)
    assert article.info.paragraphs == 18
    assert article.info.chunks >= 18
    assert article.info.quotes == 8


@pytest.mark.parametrize(
    ("question", "source", "document"),
    [
        (WHY_IBM, ARTICLE_SOURCE, ARTICLE_TITLE),
        ("What did Krishna ask Congress to change about qualified immunity?", ARTICLE_SOURCE, ARTICLE_TITLE),
        ("What is colony collapse disorder?", "seeds/honeybees.md", BEES_TITLE),
        ("What does the varroa mite do to bees?", "seeds/honeybees.md", BEES_TITLE),
        ("Why do almond growers rent hives?", "seeds/honeybees.md", BEES_TITLE),
    ],
)
def test_two_documents_each_question_is_answered_from_its_own(
    multi: Retriever, question: str, source: str, document: str
) -> None:
    """With two documents indexed, the best passage comes from the right one and its citation names it."""
    answer = multi.ask(question)
    assert not answer.abstained
    best = answer.hits[0]
    assert (best.source, best.document) == (source, document)
    assert best.citation(1) == f"[1] {document}, ¶{best.paragraph}"


def test_markdown_title_paragraph_counts_in_paragraph_numbers(multi: Retriever) -> None:
    """The honeybee heading is ¶1, so the colony-collapse paragraph is cited as ¶2."""
    best = multi.ask("What is colony collapse disorder?").hits[0]
    assert best.paragraph == 2
    assert best.text.startswith("Beekeepers across the northern hemisphere")


def test_two_documents_quotes_come_from_the_right_one(multi: Retriever) -> None:
    """Quotations on mites come from the honeybee article, spoken by Professor Okafor; on immunity, from Krishna."""
    bees = multi.quotes("mites and chemicals").quotes[0]
    assert (bees.source, bees.speaker, bees.document) == ("seeds/honeybees.md", "Daniel Okafor", BEES_TITLE)
    ibm = multi.quotes("qualified immunity").quotes[0]
    assert ibm.source == ARTICLE_SOURCE
    assert ibm.speaker == "Arvind Krishna"


def test_two_documents_sourdough_still_abstains(multi: Retriever) -> None:
    """An out-of-scope question abstains with two documents too."""
    assert multi.ask("How do I bake sourdough bread?").abstained

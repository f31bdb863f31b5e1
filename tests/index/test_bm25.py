"""index/bm25.py gives the bytes bm25s gives: every score of every text, for the evaluation
questions on the article and on the SQuAD articles, and for the awkward cases (repeated terms
in a text and in a query, one-token texts, the placeholder of an empty text)."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.bm25 import BM25
from index.lexical import Lexicon, terms

ROOT = Path(__file__).resolve().parents[2]


def bm25s_scores(texts: list[list[str]], queries: list[list[str]]) -> list[np.ndarray]:
    """Each query's scores as bm25s computes them (its defaults, as citebot used it)."""
    reference = bm25s.BM25()
    reference.index(texts, show_progress=False)
    return [np.asarray(reference.get_scores(q), dtype=np.float32) for q in queries]


def assert_same_bytes(texts: list[list[str]], queries: list[list[str]]) -> None:
    ours = BM25(texts)
    for query, expected in zip(queries, bm25s_scores(texts, queries), strict=True):
        got = ours.scores(query)
        assert got.dtype == np.float32
        assert got.tobytes() == expected.tobytes(), query


def question_terms(path: Path, vocabulary: frozenset[str]) -> list[list[str]]:
    asked = [terms(json.loads(line)["q"]) for line in path.read_text().splitlines() if line.strip()]
    return [[t for t in q if t in vocabulary] for q in asked if any(t in vocabulary for t in q)]


@pytest.mark.parametrize("corpus", ["article", "squad"])
def test_scores_are_the_bytes_bm25s_gives_on_the_eval_questions(corpus: str) -> None:
    """Every score of every paragraph and every sentence, for every evaluation question."""
    folder, questions = {
        "article": (ROOT / "seeds", ROOT / "eval" / "questions.jsonl"),
        "squad": (ROOT / "eval" / "squad" / "seeds", ROOT / "eval" / "squad" / "questions.jsonl"),
    }[corpus]
    paragraphs = [p for f in sorted(folder.glob("*.txt")) for p in f.read_text().split("\n\n") if p.strip()]
    sentences = [s for p in paragraphs for s in p.split(". ")]
    for texts in (paragraphs, sentences):
        tokenised = [terms(t) or ["\u0000"] for t in texts]
        vocabulary = frozenset(t for text in tokenised for t in text)
        queries = question_terms(questions, vocabulary)
        assert len(queries) > 20
        assert_same_bytes(tokenised, queries)


def test_repeated_terms_single_token_texts_and_placeholders_score_as_bm25s_does() -> None:
    """Terms repeated in a text and in a query, texts of one token, and empty texts' placeholder."""
    texts = [
        ["ibm", "ibm", "ibm", "quit"],
        ["\u0000"],
        ["quit"],
        ["face", "recognit", "face", "ibm", "congress", "letter", "quit", "quit"],
        ["\u0000"],
        ["congress"],
    ]
    queries = [["ibm"], ["ibm", "ibm"], ["quit", "ibm", "quit"], ["congress", "letter"], ["\u0000"], ["face"]]
    assert_same_bytes(texts, queries)


def test_unknown_query_terms_add_nothing() -> None:
    """A token no text holds scores every text 0, as bm25s leaves such tokens out."""
    ours = BM25([["ibm", "quit"], ["congress"]])
    assert ours.scores(["nowhere"]).tolist() == [0.0, 0.0]
    assert ours.scores(["nowhere", "ibm"]).tobytes() == ours.scores(["ibm"]).tobytes()
    assert "ibm" in ours and "nowhere" not in ours


def test_a_lexicon_of_no_text_scores_nothing() -> None:
    """A corpus with no quotation, say: no scores, no error."""
    lexicon = Lexicon([])
    assert lexicon.scores(["ibm"]).shape == (0,)
    assert lexicon.weighted_scores({"ibm": 1.0}).shape == (0,)

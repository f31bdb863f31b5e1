"""Chunking at sentence boundaries within the model's token limit (index/chunk.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from index.build import chunk_input
from index.chunk import Chunk, chunk_document, windows
from index.documents import Document, parse_document
from index.embed import Embedder
from index.text import split_sentences

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"


def load(name: str) -> Document:
    path = FIXTURES / name
    return parse_document(f"seeds/{name}", path.read_text(encoding="utf-8"))


def chunks_of(doc: Document, embedder: Embedder, max_tokens: int) -> list[Chunk]:
    reserve = embedder.count_tokens(chunk_input(doc.title, ""))
    return chunk_document(doc, embedder.count_tokens, max_tokens, reserve)


@pytest.fixture(scope="module")
def notes() -> Document:
    return load("field_notes.md")


@pytest.fixture(scope="module")
def long_doc() -> Document:
    return load("long_paragraph.txt")


@pytest.mark.parametrize("max_tokens", [40, 254])
def test_chunk_offsets_give_back_the_source_text_and_sentences_lie_inside(
    notes: Document, embedder: Embedder, max_tokens: int
) -> None:
    """Each chunk runs from its first sentence's start to its last sentence's end, inside its paragraph."""
    chunks = chunks_of(notes, embedder, max_tokens)
    paragraphs = {p.number: p for p in notes.paragraphs}
    assert chunks
    for chunk in chunks:
        para = paragraphs[chunk.paragraph]
        assert para.start <= chunk.start < chunk.end <= para.end
        assert chunk.sentences[0][0] == chunk.start
        assert chunk.sentences[-1][1] == chunk.end
        assert all(chunk.start <= a < b <= chunk.end for a, b in chunk.sentences)
        text = notes.text[chunk.start : chunk.end]
        assert text == text.strip()
        assert notes.text[chunk.sentences[0][0] : chunk.sentences[0][1]] in text


@pytest.mark.parametrize("max_tokens", [40, 254])
def test_chunks_keep_every_sentence_once_and_in_order(notes: Document, embedder: Embedder, max_tokens: int) -> None:
    """The chunks' sentences, in order, are exactly the sentences of every paragraph but the title."""
    chunks = chunks_of(notes, embedder, max_tokens)
    expected = [
        span
        for p in notes.paragraphs
        if p.number != notes.title_paragraph
        for span in split_sentences(notes.text, p.start, p.end)
    ]
    assert [span for c in chunks for span in c.sentences] == expected


def test_title_paragraph_is_not_chunked(notes: Document, embedder: Embedder) -> None:
    """The Markdown heading is the title, and no chunk comes from its paragraph."""
    assert notes.title == "Field Notes from the Harbour"
    assert all(c.paragraph != notes.title_paragraph for c in chunks_of(notes, embedder, 254))


def test_a_rule_is_not_a_chunk(embedder: Embedder) -> None:
    """A paragraph with no letter or digit ("---", "* * *") says nothing to find or cite; the paragraphs
    around it keep their numbers."""
    doc = parse_document("seeds/n.md", "# Notes\n\n---\n\nThe harbour was dredged in 1911.\n\n* * *\n\nIt opened.")
    chunks = chunks_of(doc, embedder, 254)
    assert [(c.paragraph, doc.text[c.start : c.end]) for c in chunks] == [
        (3, "The harbour was dredged in 1911."),
        (5, "It opened."),
    ]


def test_small_limit_cuts_a_paragraph_into_several_chunks(notes: Document, embedder: Embedder) -> None:
    """With a 40-token limit the first body paragraph becomes more than one chunk."""
    chunks = chunks_of(notes, embedder, 40)
    assert sum(1 for c in chunks if c.paragraph == 2) >= 2


@pytest.mark.parametrize(
    ("name", "max_tokens"), [("field_notes.md", 40), ("field_notes.md", 254), ("long_paragraph.txt", 254)]
)
def test_no_chunk_exceeds_the_limit_but_a_single_overlong_sentence(
    name: str, max_tokens: int, embedder: Embedder
) -> None:
    """What is embedded for a chunk (title and text) fits the limit, unless the chunk is one sentence longer than it."""
    doc = load(name)
    for chunk in chunks_of(doc, embedder, max_tokens):
        text = doc.text[chunk.start : chunk.end]
        assert chunk.tokens == embedder.count_tokens(text)
        if embedder.count_tokens(chunk_input(doc.title, text)) > max_tokens:
            assert len(chunk.sentences) == 1, text


def test_long_paragraph_is_split_and_long_sentence_stays_whole(long_doc: Document, embedder: Embedder) -> None:
    """A 400-token paragraph becomes two or more chunks; a 280-token sentence is one chunk, uncut."""
    chunks = chunks_of(long_doc, embedder, 254)
    first = [c for c in chunks if c.paragraph == 1]
    assert len(first) >= 2
    long_sentence = long_doc.text[long_doc.paragraphs[1].start : long_doc.paragraphs[1].end]
    assert embedder.count_tokens(long_sentence) > 254
    second = [c for c in chunks if c.paragraph == 2]
    assert len(second) == 1
    assert long_doc.text[second[0].start : second[0].end] == long_sentence


def test_passages_stay_verbatim_with_curly_quotes_and_nbsp(embedder: Embedder, tmp_path: Path) -> None:
    """Chunk offsets address the original characters: curly quotes, nbsp and ligatures are not normalised away."""
    text = "Title line\n\n“Quoted,” she said\u00a0twice. The \ufb01sh swam.\n"
    doc = parse_document("seeds/t.txt", text)
    (chunk,) = chunks_of(doc, embedder, 254)
    assert doc.text[chunk.start : chunk.end] == "“Quoted,” she said\u00a0twice. The \ufb01sh swam."


def test_embedding_an_overlong_text_uses_windows_of_the_model_size(long_doc: Document, embedder: Embedder) -> None:
    """The long sentence is embedded without error as one unit vector."""
    long_sentence = long_doc.text[long_doc.paragraphs[1].start : long_doc.paragraphs[1].end]
    vectors = embedder.encode([long_sentence, "short"])
    assert vectors.shape == (2, embedder.dimension)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4


@pytest.mark.parametrize(
    ("n", "size", "overlap"), [(10, 20, 4), (100, 20, 4), (21, 20, 4), (254, 254, 32), (600, 254, 32)]
)
def test_windows_cover_every_token_within_the_size_and_overlap(n: int, size: int, overlap: int) -> None:
    """Windows start at 0, end at n, are at most size long and overlap by the given amount."""
    spans = windows(list(range(n)), size, overlap)
    assert spans[0][0] == 0
    assert spans[-1][1] == n
    assert all(0 < b - a <= size for a, b in spans)
    for (a1, b1), (a2, _) in itertools.pairwise(spans):
        assert b1 - a2 == overlap
        assert a1 < a2

"""Chunking: paragraphs cut at sentence boundaries into passages the model can read whole.

A chunk is a run of whole sentences from one paragraph, at most ``max_tokens``
model tokens. A single sentence longer than that stays whole (cutting it would
lose the answer); it is embedded as several overlapping windows instead
(:func:`windows`), so no embedding input exceeds the model's limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.documents import Document
from index.text import has_words, split_sentences


@dataclass(frozen=True)
class Chunk:
    """A passage: offsets into its document's verbatim text.

    Attributes:
        source: The document's path as cited.
        paragraph: Paragraph number (non-empty paragraphs from 1).
        start: Offset of the chunk's first character in the source text.
        end: Offset just past its last character.
        sentences: ``(start, end)`` source offsets of each sentence inside the chunk.
        tokens: Model tokens in the chunk (without the special tokens).
    """

    source: str
    paragraph: int
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]
    tokens: int


def chunk_document(doc: Document, count_tokens: Callable[[str], int], max_tokens: int, reserve: int = 0) -> list[Chunk]:
    """Cut every paragraph of ``doc`` (but a title-only one) into chunks of whole sentences.

    Args:
        doc: The parsed document.
        count_tokens: Number of model tokens in a string, without special tokens.
        max_tokens: Largest embedding input. Sentences are packed greedily until the next would overflow.
        reserve: Tokens of ``max_tokens`` kept for what is embedded with every chunk (its title).

    Returns:
        Chunks in document order.
    """
    budget = max(1, max_tokens - reserve)
    chunks: list[Chunk] = []
    for para in doc.paragraphs:
        if para.number == doc.title_paragraph or not has_words(doc.text[para.start : para.end]):
            continue  # a rule ("---", "* * *") says nothing to find or cite
        sentences = split_sentences(doc.text, para.start, para.end)
        sizes = [count_tokens(doc.text[a:b]) for a, b in sentences]
        group: list[tuple[int, int]] = []
        total = 0
        for span, size in zip(sentences, sizes, strict=True):
            # Joining sentences costs nothing extra in WordPiece: no separator token between them.
            if group and total + size > budget:
                chunks.append(_make(doc, para.number, group, total))
                group, total = [], 0
            group.append(span)
            total += size
        if group:
            chunks.append(_make(doc, para.number, group, total))
    return chunks


def _make(doc: Document, paragraph: int, group: Sequence[tuple[int, int]], tokens: int) -> Chunk:
    return Chunk(doc.source, paragraph, group[0][0], group[-1][1], tuple(group), tokens)


def windows(token_ids: Sequence[int], size: int, overlap: int) -> list[tuple[int, int]]:
    """Token windows of at most ``size`` covering ``token_ids``, overlapping by ``overlap``."""
    if len(token_ids) <= size:
        return [(0, len(token_ids))]
    step = max(1, size - overlap)
    spans = []
    for begin in range(0, len(token_ids), step):
        spans.append((begin, min(begin + size, len(token_ids))))
        if begin + size >= len(token_ids):
            break
    return spans

"""Building an index: the records it stores, how they are made and embedded, and calibration.

A build reads the sources, cuts them into chunks and finds their quotations
(:func:`collect_records`), embeds chunks, sentences and quotations in as few model
calls as possible (:func:`embed_records`), measures this corpus's off-topic
background (:func:`calibrate`), and hands everything to :func:`index.store.write_index`.

The two record types below are the on-disk schema of ``chunks.jsonl`` and
``quotes.jsonl``: one JSON object a line, row i describing vector i.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index.batches import embed_chunks, embed_texts
from index.chunk import chunk_document
from index.quotes import extract_quotes
from index.similarity import Calibration, best_similarity
from index.store import write_index

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from index.embed import Embedder
    from index.sources import Sources


_ONLY_WHEN_SET = ("page", "url")


class _Record:
    """A record of ``chunks.jsonl`` or ``quotes.jsonl``: one JSON object a line, its fields by name."""

    def to_json(self) -> dict[str, Any]:
        row = dataclasses.asdict(self)  # type: ignore[call-overload]
        # A page and a link only where the document has them: a plain document's rows stay as they were.
        return {k: v for k, v in row.items() if v is not None or k not in _ONLY_WHEN_SET}

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Any:
        return cls(**row)


@dataclass(frozen=True)
class StoredChunk(_Record):
    """One chunk as stored in ``chunks.jsonl``.

    Attributes:
        source: The document's path as cited, e.g. ``seeds/article.txt``.
        document: The document's title.
        paragraph: Paragraph number as cited (non-empty paragraphs from 1; in a PDF, on its page).
        start: Offset of the chunk in the source text.
        end: Offset just past it.
        tokens: Model tokens in the chunk, without special tokens.
        text: The chunk, verbatim.
        sentences: ``(start, end)`` offsets of each sentence inside ``text``.
        token_start: First row of this chunk's token vectors in ``tokens.npy``.
        token_end: One past its last row.
        page: The PDF page, or None.
        url: A link to the paragraph where the document was published, or None.
    """

    source: str
    document: str
    paragraph: int
    start: int
    end: int
    tokens: int
    text: str
    sentences: tuple[tuple[int, int], ...]
    token_start: int = 0
    token_end: int = 0
    page: int | None = None
    url: str | None = None

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> StoredChunk:
        # JSON has lists; the record keeps its sentence spans as tuples, hashable and immutable.
        return cls(**{**row, "sentences": tuple((int(a), int(b)) for a, b in row["sentences"])})

    def sentence(self, i: int) -> str:
        a, b = self.sentences[i]
        return self.text[a:b]


@dataclass(frozen=True)
class StoredQuote(_Record):
    """One quotation as stored in ``quotes.jsonl``.

    Attributes:
        source: The document's path as cited.
        document: The document's title.
        paragraph: Paragraph number, as in :class:`StoredChunk`.
        start: Offset of the quoted words in the source text.
        end: Offset just past them.
        text: The words inside the quotation marks, verbatim.
        speaker: Who said it, as the source attributes it, or None.
        context: The sentence or sentences around it, for topic search.
        page: The PDF page, or None.
        url: A link to the paragraph where the document was published, or None.
    """

    source: str
    document: str
    paragraph: int
    start: int
    end: int
    text: str
    speaker: str | None
    context: str
    page: int | None = None
    url: str | None = None


def chunk_input(document: str, text: str) -> str:
    """What is embedded for a chunk: its document's title gives the passage its subject."""
    return f"{document}: {text}"


def sentence_input(document: str, previous: str, text: str) -> str:
    """What is embedded for a sentence: the sentence alone (variants measured in docs/retrieval.md)."""
    return text


def collect_records(
    sources: Sources, embedder: Embedder, chunk_tokens: int
) -> tuple[list[StoredChunk], list[StoredQuote]]:
    """Every chunk and quotation of the sources, in document order (token spans not yet set)."""
    chunks: list[StoredChunk] = []
    quotes: list[StoredQuote] = []
    for doc in sources.documents:
        reserve = embedder.count_tokens(chunk_input(doc.title, ""))
        for chunk in chunk_document(doc, embedder.count_tokens, chunk_tokens, reserve):
            chunks.append(
                StoredChunk(
                    source=chunk.source,
                    document=doc.title,
                    **doc.citation_fields(chunk.paragraph),
                    start=chunk.start,
                    end=chunk.end,
                    tokens=chunk.tokens,
                    text=doc.text[chunk.start : chunk.end],
                    sentences=tuple((a - chunk.start, b - chunk.start) for a, b in chunk.sentences),
                )
            )
        for quote in extract_quotes(doc):
            quotes.append(
                StoredQuote(
                    source=quote.source,
                    document=doc.title,
                    **doc.citation_fields(quote.paragraph),
                    start=quote.start,
                    end=quote.end,
                    text=doc.text[quote.start : quote.end],
                    speaker=quote.speaker,
                    context=doc.text[quote.context_start : quote.context_end],
                )
            )
    return chunks, quotes


def embed_records(
    chunks: Sequence[StoredChunk], quotes: Sequence[StoredQuote], embedder: Embedder, *, progress: bool
) -> tuple[list[StoredChunk], dict[str, np.ndarray], str]:
    """Embed chunks (with their token vectors), sentences and quotations.

    Returns:
        The chunks with their token spans set, the arrays to store by file name, and the
        token vectors' codec (``pq32x8``, or ``float16`` for a small corpus).
    """
    chunk_texts = [chunk_input(c.document, c.text) for c in chunks]
    # Embedded a slice at a time, the token vectors compressed as they come (index/batches.py),
    # so a large corpus never holds all its token vectors at once.
    embedded = embed_chunks(embedder, chunk_texts, [c.tokens for c in chunks], progress=progress)
    spanned: list[StoredChunk] = []
    offset = 0
    for chunk, count in zip(chunks, embedded.token_counts, strict=True):
        spanned.append(dataclasses.replace(chunk, token_start=offset, token_end=offset + count))
        offset += count
    sentence_texts = [sentence_input(c.document, c.text[:a], c.text[a:b]) for c in chunks for a, b in c.sentences]
    others = embed_texts(embedder, [*sentence_texts, *(q.text for q in quotes)], progress=progress)
    n_sentences = len(sentence_texts)
    vectors = {
        "chunks.vectors.npy": embedded.vectors,
        "sentences.vectors.npy": others[:n_sentences],
        "quotes.vectors.npy": others[n_sentences:],
        "tokens.codes.npy": embedded.token_codes,
        "tokens.codebook.npy": embedded.codebook,
    }
    return spanned, vectors, embedded.codec


# Questions about everyday subjects no corpus of ours is meant to answer; they only
# measure how high unrelated questions score against a given corpus. They are kept
# unlike any evaluation question on purpose: they set the background, not the answers.
NULL_QUESTIONS = (
    "What is the weather forecast for tomorrow?",
    "How many calories are in a banana?",
    "Who won the football match last night?",
    "What is a good recipe for pancakes?",
    "How do I reset my router password?",
    "What is the capital city of Australia?",
    "When does the next train leave?",
    "How tall is the tallest mountain in the world?",
    "What is the best way to learn the guitar?",
    "Which planet has the most moons?",
    "How do you say thank you in Japanese?",
    "What songs are popular this summer?",
    "How long should I boil an egg?",
    "What is photosynthesis?",
    "Can you recommend a good novel?",
    "How do I fix a flat bicycle tyre?",
    "What are the symptoms of the flu?",
    "Where can I buy cheap flights?",
    "What is the price of gold today?",
    "How do cats purr?",
    "What is the plot of the latest superhero movie?",
    "How do I install a printer driver?",
    "What is two plus two?",
    "Who painted the Mona Lisa?",
    "hello there",
    "thanks, that's all",
    "lorem ipsum dolor sit amet",
    "asdf qwerty",
    "How do I knit a scarf?",
    "Which dog breeds are good with children?",
    "What is the speed of light?",
    "How do I make my houseplants grow faster?",
)


def calibrate(embedder: Embedder, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> Calibration:
    """Measure how high off-topic questions score on this corpus (the background of abstention)."""
    probes = embedder.encode(list(NULL_QUESTIONS))
    values = np.asarray([best_similarity(v, chunk_vectors, sentence_vectors) for v in probes], dtype=np.float64)
    return Calibration(null_mean=float(values.mean()), null_std=float(values.std()))


def build_index(
    sources: Sources, embedder: Embedder, index_dir: Path, digest: str, chunk_tokens: int, *, progress: bool
) -> None:
    """Chunk, embed and write every source into ``index_dir``; calibrate abstention on this corpus.

    Args:
        sources: The documents to index (:func:`index.sources.read_sources`).
        embedder: The loaded model.
        index_dir: Where the index goes; written to a temporary folder, then swapped in.
        digest: The content hash that decides staleness (:func:`index.store.settings_digest`).
        chunk_tokens: Largest chunk, in model tokens.
        progress: Show a progress bar while embedding.
    """
    chunks, quotes = collect_records(sources, embedder, chunk_tokens)
    chunks, vectors, codec = embed_records(chunks, quotes, embedder, progress=progress)
    calibration = calibrate(embedder, vectors["chunks.vectors.npy"], vectors["sentences.vectors.npy"])
    manifest = {
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunk_tokens": chunk_tokens,
        "content_hash": digest,
        "chunks": len(chunks),
        "sentences": len(vectors["sentences.vectors.npy"]),
        "quotes": len(quotes),
        "sources": [{**d.summary(), "chunks": sum(c.source == d.source for c in chunks)} for d in sources.documents],
        "skipped": list(sources.skipped),
        "calibration": calibration.as_dict(),
        "tokens": {"codec": codec},
    }
    records = {"chunks.jsonl": [c.to_json() for c in chunks], "quotes.jsonl": [q.to_json() for q in quotes]}
    write_index(index_dir, manifest, vectors, records)

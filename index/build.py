"""Building an index: the records it stores, how they are made and embedded, and calibration.

A build reads the sources, cuts them into chunks and finds their quotations
(:func:`collect_records`), embeds chunks, sentences and quotations in as few model
calls as possible (:func:`embed_records`), measures this corpus's off-topic
background (:func:`calibrate`), and hands everything to :func:`index.store.write_index`.

The record types (index/records.py, named here too) are the on-disk schema of ``chunks.jsonl``
and ``quotes.jsonl``: one JSON object a line, row i describing vector i.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index import incremental
from index.batches import Sentences, embed_chunks, embed_texts
from index.calibration import calibrate
from index.chunk import chunk_document
from index.quotes import extract_quotes
from index.records import StoredChunk, StoredQuote
from index.store import VECTOR_FILES, write_index

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from index.documents import Document
    from index.embed import Embedder
    from index.sources import Sources
    from index.store import StoredIndex
    from index.tokens import TokenCodec


def chunk_input(document: str, text: str) -> str:
    """What is embedded for a chunk: its document's title gives the passage its subject."""
    return f"{document}: {text}"


def sentence_input(document: str, previous: str, text: str) -> str:
    """What is embedded for a sentence: the sentence alone (variants measured in docs/retrieval.md)."""
    return text


# How sentence vectors are made: "model" (each sentence embedded on its own, a second pass),
# "pooled" from their chunk's pass (the mean of the sentence's own token vectors: saves half
# the build's model CPU), or "pooled+title" (the title's tokens joining each mean). Pooling loses 2 to 3
# points of bold-sentence and unanswerable figures on SQuAD (docs/retrieval.md), so not yet.
# An index records no method: changing this needs FORMAT_VERSION raised (index/store.py).
SENTENCE_VECTORS = "model"


def _sentences(chunks: Sequence[StoredChunk], how: str) -> Sentences | None:
    """Where each chunk's sentences sit in the text embedded for it (:func:`chunk_input`)."""
    if how == "model":
        return None
    spans, context = [], []
    for c in chunks:
        shift = len(chunk_input(c.document, ""))
        spans.append([(a + shift, b + shift) for a, b in c.sentences])
        context.append((0, len(c.document)) if how == "pooled+title" else None)
    return Sentences(spans, context)


def collect_records(
    documents: Sequence[Document], embedder: Embedder, chunk_tokens: int
) -> tuple[list[StoredChunk], list[StoredQuote]]:
    """Every chunk and quotation of the documents, in document order (token spans not yet set)."""
    chunks: list[StoredChunk] = []
    quotes: list[StoredQuote] = []
    for doc in documents:
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
    chunks: Sequence[StoredChunk],
    quotes: Sequence[StoredQuote],
    embedder: Embedder,
    *,
    progress: bool,
    codec: TokenCodec | None = None,
) -> tuple[list[StoredChunk], dict[str, np.ndarray], str]:
    """Embed chunks (with their token vectors), sentences and quotations (``codec``: keep this token codec).

    Returns:
        The chunks with their token spans set, the arrays to store by file name, and the
        token vectors' codec (``pq32x8``, or ``float16`` for a small corpus).
    """
    chunk_texts = [chunk_input(c.document, c.text) for c in chunks]
    # Embedded a slice at a time, the token vectors compressed as they come (index/batches.py),
    # so a large corpus never holds all its token vectors at once; sentences pooled on the way.
    embedded = embed_chunks(
        embedder,
        chunk_texts,
        [c.tokens for c in chunks],
        progress=progress,
        codec=codec,
        sentences=_sentences(chunks, SENTENCE_VECTORS),
    )
    spanned: list[StoredChunk] = []
    offset = 0
    for chunk, count in zip(chunks, embedded.token_counts, strict=True):
        spanned.append(dataclasses.replace(chunk, token_start=offset, token_end=offset + count))
        offset += count
    sentence_texts = [sentence_input(c.document, c.text[:a], c.text[a:b]) for c in chunks for a, b in c.sentences]
    if SENTENCE_VECTORS == "model":
        alone = list(range(len(sentence_texts)))
        sentence_vectors = np.zeros((len(sentence_texts), embedder.dimension), dtype=np.float32)
    else:  # pooled in the chunks' pass; a sentence that could not be is embedded alone
        alone, sentence_vectors = embedded.unpooled, embedded.sentence_vectors
    others = embed_texts(embedder, [*(sentence_texts[i] for i in alone), *(q.text for q in quotes)], progress=progress)
    sentence_vectors[alone] = others[: len(alone)]
    vectors = {
        "chunks.vectors.npy": embedded.vectors,
        "sentences.vectors.npy": sentence_vectors,
        "quotes.vectors.npy": others[len(alone) :],
        "tokens.codes.npy": embedded.token_codes,
        "tokens.codebook.npy": embedded.codebook,
    }
    return spanned, vectors, embedded.codec


@dataclass(frozen=True)
class Built:
    """What a build did: documents embedded, documents whose vectors were reused, and why none were."""

    embedded: int
    reused: int
    why_full: str | None = None


def build_index(
    sources: Sources,
    embedder: Embedder,
    index_dir: Path,
    digest: str,
    chunk_tokens: int,
    *,
    progress: bool,
    previous: StoredIndex | None = None,
) -> Built:
    """Chunk, embed and write every source into ``index_dir``; calibrate abstention on this corpus.

    Args:
        sources: The documents to index (:func:`index.sources.read_sources`).
        embedder: The loaded model.
        index_dir: Where the index goes; written to a temporary folder, then swapped in.
        digest: The content hash that decides staleness (:func:`index.store.settings_digest`).
        chunk_tokens: Largest chunk, in model tokens.
        progress: Show a progress bar while embedding.
        previous: The index on disk: the documents unchanged since it was built keep their
            records and vectors (index/incremental.py). None builds everything.
    """
    plan = incremental.plan(sources.documents, previous, embedder.name, chunk_tokens)
    fresh = [d for d in sources.documents if d.source not in plan.reused]
    chunks, quotes = collect_records(fresh, embedder, chunk_tokens)
    chunks, vectors, codec = embed_records(chunks, quotes, embedder, progress=progress, codec=plan.codec)
    stored = {name: vectors[name].astype(np.float16) for name in VECTOR_FILES}  # as written: parts join as equals
    stored["tokens.codes.npy"] = vectors["tokens.codes.npy"]
    parts = incremental.split_records(chunks, quotes, stored)
    whole = incremental.join(sources.documents, {**plan.reused, **parts}, {k: v[:0] for k, v in stored.items()})
    dense = {name: whole.arrays[name].astype(np.float32) for name in VECTOR_FILES}
    n_tokens = len(whole.arrays["tokens.codes.npy"])
    kept = previous.manifest.get("tokens", {}).get("learnt_on", n_tokens) if previous and plan.codec else n_tokens
    manifest = {
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunk_tokens": chunk_tokens,
        "content_hash": digest,
        "chunks": len(whole.chunks),
        "sentences": len(dense["sentences.vectors.npy"]),
        "quotes": len(whole.quotes),
        "sources": _source_facts(sources.documents, whole.chunks),
        "skipped": list(sources.skipped),
        "calibration": calibrate(embedder, dense["chunks.vectors.npy"], dense["sentences.vectors.npy"]).as_dict(),
        # learnt_on: the corpus's tokens when the codebook was learnt (an incremental build keeps both).
        "tokens": {"codec": codec, "learnt_on": int(kept)},
    }
    records = {"chunks.jsonl": [c.to_json() for c in whole.chunks], "quotes.jsonl": [q.to_json() for q in whole.quotes]}
    arrays = {**dense, "tokens.codes.npy": whole.arrays["tokens.codes.npy"]}
    write_index(index_dir, manifest, {**arrays, "tokens.codebook.npy": vectors["tokens.codebook.npy"]}, records)
    return Built(len(fresh), len(plan.reused), plan.why_full)


def _source_facts(documents: Sequence[Document], chunks: Sequence[StoredChunk]) -> list[dict[str, Any]]:
    """The manifest's list of sources: each one's summary, chunk count and hash (what reuse is decided by)."""
    per_source = {d.source: 0 for d in documents}
    for chunk in chunks:
        per_source[chunk.source] += 1
    return [{**d.summary(), "chunks": per_source[d.source], "hash": incremental.document_hash(d)} for d in documents]

"""Incremental builds: a document unchanged since the index on disk was built keeps its vectors.

The manifest records a hash per document (:func:`document_hash`: everything its records and
vectors are made from: path, title, text, paragraphs, metadata, format). A build cuts the
previous index into one :class:`Part` per document; a document whose hash is unchanged takes
its part as it is (records, dense vectors and token codes, byte for byte), and only new or
changed documents are chunked and embedded. Parts are then joined in document order, the
token spans renumbered. Embedding is batch-invariant (a text's vector does not depend on the
texts embedded with it, tests/index/test_incremental.py checks it), so every vector equals a
full build's.

The token codebook (index/tokens.py) is learnt from a sample of the whole corpus, so a full
build learns another one. An incremental build keeps the index's codebook and encodes the new
documents with it; it relearns (builds in full) when the corpus has grown or shrunk past
:data:`RELEARN_FACTOR` times the tokens the codebook was learnt on, or a float16 corpus has
grown past :data:`index.tokens.MIN_TOKENS` tokens. docs/sources.md has the measurements.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index.records import StoredChunk, StoredQuote
from index.tokens import MIN_TOKENS, TokenCodec

if TYPE_CHECKING:
    from index.documents import Document
    from index.store import StoredIndex

log = logging.getLogger(__name__)

RELEARN_FACTOR = 2.0
ARRAYS = ("chunks.vectors.npy", "sentences.vectors.npy", "quotes.vectors.npy", "tokens.codes.npy")


def document_hash(doc: Document) -> str:
    """A hash of everything a document's records and vectors are made from."""
    key = [doc.source, doc.title, doc.text, [asdict(p) for p in doc.paragraphs], doc.title_paragraph]
    key += [doc.meta.as_dict(), doc.kind]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Part:
    """One document's share of an index: its records and its rows of every array.

    The chunks' token spans count from the part's own first token row.
    """

    chunks: tuple[StoredChunk, ...]
    quotes: tuple[StoredQuote, ...]
    arrays: dict[str, np.ndarray]


@dataclass(frozen=True)
class Plan:
    """What a build reuses: the previous index's parts by document path, and the codec to keep."""

    reused: dict[str, Part]
    codec: TokenCodec | None
    why_full: str | None  # why nothing is reused, for the progress line


def full(why: str) -> Plan:
    return Plan({}, None, why)


def plan(documents: Sequence[Document], previous: StoredIndex | None, model: str, chunk_tokens: int) -> Plan:
    """Which documents' parts can be taken from ``previous`` as they are, and the codec to keep."""
    if previous is None:
        return full("no index to start from")
    manifest = previous.manifest
    if manifest.get("model") != model or manifest.get("chunk_tokens") != chunk_tokens:
        return full("the model or CHUNK_TOKENS changed")
    hashes = {s["source"]: s.get("hash") for s in manifest["sources"]}
    wanted = {d.source: document_hash(d) for d in documents}
    why = _relearn(manifest, previous, documents, hashes, wanted)
    if why is not None:
        return full(why)
    parts = split(previous)
    # A document with nothing indexed (only a title, say) has no part: it is simply read again.
    reused = {s: parts[s] for s, digest in wanted.items() if hashes.get(s) == digest and s in parts}
    codec = TokenCodec.from_codebook(previous.token_vectors.codebook, int(manifest["dimension"]))
    return Plan(reused, codec, None if reused else "no document is unchanged")


def _relearn(
    manifest: dict[str, Any],
    previous: StoredIndex,
    documents: Sequence[Document],
    hashes: dict[str, str | None],
    wanted: dict[str, str],
) -> str | None:
    """Why the token codebook should be learnt afresh (a full build), or None to keep it."""
    tokens = manifest.get("tokens", {})
    learnt_on = int(tokens.get("learnt_on", len(previous.token_vectors)) or 1)
    counts = _token_counts(previous)
    # New documents' tokens are not counted yet: about one token in 4 characters of English is
    # close enough to decide on a factor of 2 (near MIN_TOKENS a full build may decide otherwise).
    estimate = sum(counts.get(s, 0) for s, h in wanted.items() if hashes.get(s) == h)
    estimate += sum(len(d.text) // 4 for d in documents if hashes.get(d.source) != wanted[d.source])
    if tokens.get("codec") == "float16" and estimate >= MIN_TOKENS:
        return f"the corpus grew past {MIN_TOKENS} tokens: its token vectors are compressed from now on"
    if tokens.get("codec") != "float16" and not learnt_on / RELEARN_FACTOR <= estimate <= learnt_on * RELEARN_FACTOR:
        return f"the corpus changed size past {RELEARN_FACTOR:g}x since its token codebook was learnt"
    return None


def _token_counts(previous: StoredIndex) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in previous.chunks:
        counts[row["source"]] = counts.get(row["source"], 0) + row["token_end"] - row["token_start"]
    return counts


def split(stored: StoredIndex) -> dict[str, Part]:
    """The previous index cut into one part per document (dense vectors back at float16, as stored)."""
    chunks = [StoredChunk.from_json(row) for row in stored.chunks]
    quotes = [StoredQuote.from_json(row) for row in stored.quotes]
    arrays = {
        "chunks.vectors.npy": stored.chunk_vectors.astype(np.float16),
        "sentences.vectors.npy": stored.sentence_vectors.astype(np.float16),
        "quotes.vectors.npy": stored.quote_vectors.astype(np.float16),
        "tokens.codes.npy": stored.token_vectors.codes,
    }
    return split_records(chunks, quotes, arrays)


def split_records(
    chunks: Sequence[StoredChunk], quotes: Sequence[StoredQuote], arrays: dict[str, np.ndarray]
) -> dict[str, Part]:
    """Records in document order and their arrays, cut into one part per document."""
    import dataclasses

    sentence_ends = np.cumsum([0, *(len(c.sentences) for c in chunks)])
    grouped: dict[str, dict[str, Any]] = {}
    for i, chunk in enumerate(chunks):
        at = grouped.setdefault(chunk.source, {"chunks": [], "rows": [], "sentences": [], "tokens": [], "quotes": []})
        at["chunks"].append(chunk)
        at["rows"].append(i)
        at["sentences"].extend(range(sentence_ends[i], sentence_ends[i + 1]))
        at["tokens"].extend(range(chunk.token_start, chunk.token_end))
    for j, quote in enumerate(quotes):
        at = grouped.setdefault(quote.source, {"chunks": [], "rows": [], "sentences": [], "tokens": [], "quotes": []})
        at["quotes"].append(j)
    parts = {}
    for source, at in grouped.items():
        first = at["chunks"][0].token_start if at["chunks"] else 0
        rebased = tuple(
            dataclasses.replace(c, token_start=c.token_start - first, token_end=c.token_end - first)
            for c in at["chunks"]
        )
        rows = {
            "chunks.vectors.npy": at["rows"],
            "sentences.vectors.npy": at["sentences"],
            "quotes.vectors.npy": at["quotes"],
            "tokens.codes.npy": at["tokens"],
        }
        taken = {name: arrays[name][np.asarray(rows[name], dtype=np.int64)] for name in ARRAYS}
        parts[source] = Part(rebased, tuple(quotes[j] for j in at["quotes"]), taken)
    return parts


def join(documents: Sequence[Document], parts: dict[str, Part], empty: dict[str, np.ndarray]) -> Part:
    """Every document's part, in document order, as one (token spans renumbered)."""
    import dataclasses

    chunks: list[StoredChunk] = []
    quotes: list[StoredQuote] = []
    offset = 0
    for doc in documents:
        part = parts.get(doc.source)
        if part is None:  # a document with nothing to index (every paragraph a title, say)
            continue
        for c in part.chunks:
            chunks.append(dataclasses.replace(c, token_start=c.token_start + offset, token_end=c.token_end + offset))
        quotes.extend(part.quotes)
        offset += len(part.arrays["tokens.codes.npy"])
    arrays = {}
    for name in ARRAYS:
        pieces = [parts[d.source].arrays[name] for d in documents if d.source in parts]
        arrays[name] = np.concatenate([empty[name], *pieces]) if pieces else empty[name]
    return Part(tuple(chunks), tuple(quotes), arrays)

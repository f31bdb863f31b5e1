"""citebot's retrieval library: build an index of the sources, then answer from it.

The public names are below. They are imported on first use (PEP 562), so that
``import index.errors`` in a command that never answers stays cheap: the query side
pulls in numpy, FAISS and the embedding runtime.

Example::

    from index import Retriever

    retriever = Retriever.open(Path("seeds"), Path(".index"))
    answer = retriever.ask("Why did IBM quit facial recognition?")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.build import StoredChunk, StoredQuote, build_index
    from index.corpus import Corpus
    from index.embed import Embedder
    from index.errors import (
        CitebotError,
        EmptyQuestionError,
        FetchError,
        IndexCorruptError,
        IndexMissingError,
        IndexStaleError,
        IndexWriteError,
        ModelLoadError,
        NoSourcesError,
    )
    from index.fetch import Fetched
    from index.query import Retriever
    from index.staleness import RebuildReason
    from index.text import clean_question
    from index.types import Answer, Hit, IndexInfo, Quote, QuoteAnswer

_HOMES = {
    "Answer": "index.types",
    "Hit": "index.types",
    "IndexInfo": "index.types",
    "Quote": "index.types",
    "QuoteAnswer": "index.types",
    "CitebotError": "index.errors",
    "EmptyQuestionError": "index.errors",
    "FetchError": "index.errors",
    "Fetched": "index.fetch",
    "IndexCorruptError": "index.errors",
    "IndexMissingError": "index.errors",
    "IndexStaleError": "index.errors",
    "IndexWriteError": "index.errors",
    "ModelLoadError": "index.errors",
    "NoSourcesError": "index.errors",
    "Retriever": "index.query",
    "RebuildReason": "index.staleness",
    "clean_question": "index.text",
    "Corpus": "index.corpus",
    "StoredChunk": "index.build",
    "StoredQuote": "index.build",
    "build_index": "index.build",
    "Embedder": "index.embed",
}

__all__ = [
    "Answer",
    "CitebotError",
    "Corpus",
    "Embedder",
    "EmptyQuestionError",
    "FetchError",
    "Fetched",
    "Hit",
    "IndexCorruptError",
    "IndexInfo",
    "IndexMissingError",
    "IndexStaleError",
    "IndexWriteError",
    "ModelLoadError",
    "NoSourcesError",
    "Quote",
    "QuoteAnswer",
    "RebuildReason",
    "Retriever",
    "StoredChunk",
    "StoredQuote",
    "build_index",
    "clean_question",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return __all__

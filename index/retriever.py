"""The retrieval library's front door: open an index, answer questions, find quotes.

(Work in progress: the API below is fixed; the implementation is being written.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from index.types import Answer, IndexInfo, QuoteAnswer


class Retriever:
    """An opened index with its embedding model, ready to answer.

    Thread-safe for concurrent calls to :meth:`ask`, :meth:`ask_many` and
    :meth:`quotes` (front ends call them from worker threads).
    """

    info: IndexInfo

    @classmethod
    def open(
        cls,
        seeds_dir: Path,
        index_dir: Path,
        *,
        model_path: Path | None = None,
        chunk_tokens: int = 200,
        build: bool = True,
        say: Callable[[str], None] | None = None,
        progress: bool = False,
    ) -> Retriever:
        """Load the index, building or refreshing it first when missing or stale.

        Args:
            seeds_dir: Folder of source documents (.txt and .md).
            index_dir: Folder of the index.
            model_path: A local sentence-transformers model; None uses the bundled all-MiniLM-L6-v2.
            chunk_tokens: Largest chunk, in model tokens.
            build: When False, a missing or stale index raises instead of being built.
            say: Receives one-line progress messages ("index is stale: rebuilding"); None is silent.
            progress: Show a progress bar while embedding.

        Raises:
            CitebotError: a subclass naming the fix (no sources, corrupt index, model not loadable...).
        """
        raise NotImplementedError

    def ask(self, question: str, k: int = 3, *, max_chars: int = 1000) -> Answer:
        """Answer one question. Raises EmptyQuestionError for an empty or blank question."""
        raise NotImplementedError

    def ask_many(self, questions: Sequence[str], k: int = 3, *, max_chars: int = 1000) -> list[Answer | Exception]:
        """Answer several questions with one batched embedding call; an error is returned in place."""
        raise NotImplementedError

    def quotes(self, topic: str, k: int = 3) -> QuoteAnswer:
        """Verbatim quotations on a topic, best first. Raises EmptyQuestionError for an empty topic."""
        raise NotImplementedError

    def quote_topics(self, prefix: str, limit: int = 25) -> list[str]:
        """Short topic suggestions for autocomplete (at most ``limit``; [] for an empty prefix)."""
        raise NotImplementedError

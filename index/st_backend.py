"""The reference backend: the model on sentence-transformers (and so on torch).

Only the ONNX export, its parity checks and ``EMBED_BACKEND=sentence-transformers`` load
it; serving never does (importing sentence-transformers alone takes 7 s and 300 MB).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelLoadError

log = logging.getLogger(__name__)


def load_sentence_transformer(path: Path, **model_kwargs: Any) -> Any:
    """A local sentence-transformers model on the CPU, quietly, never downloading.

    Raises:
        ModelLoadError: sentence-transformers is not installed, or the folder is not a model it loads.
    """
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as error:
        raise ModelLoadError(
            str(path),
            "the sentence-transformers backend needs the build requirements "
            "(pip install -r requirements-build.txt), or use EMBED_BACKEND=onnx",
        ) from error
    # The weights are local: their loading bar and the tokenizer's length warning are noise.
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True, model_kwargs=model_kwargs or None)
    except Exception as error:  # any loader failure is a configuration problem for the user
        raise ModelLoadError(str(path), f"{type(error).__name__}: {error}".splitlines()[0][:200]) from error


class SentenceTransformersBackend:
    """The model as sentence-transformers runs it.

    Args:
        path: A local sentence-transformers model folder.
        threads: torch's intra-op threads; None leaves torch's default (one per core).
    """

    def __init__(self, path: Path, *, threads: int | None = None) -> None:
        self._model = load_sentence_transformer(path)
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_seq_length = int(self._model.max_seq_length)
        self._tokenizer = self._model.tokenizer
        # One forward pass at a time: torch already spreads one pass over every core.
        self._lock = threading.Lock()

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of ``text``'s tokens, without special tokens and never truncated.

        Under the lock: a fast tokenizer keeps its truncation and padding as state, so this call
        (neither) made while another thread encodes a batch (both) left that batch unpadded
        ("Unable to create tensor ... activate truncation and/or padding")."""
        with self._lock:
            encoded = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return list(encoded["offset_mapping"])

    def embed(
        self, pieces: Sequence[str], *, batch_size: int, tokens: bool, progress: bool = False, workers: int = 1
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        """Embed ``pieces``; yields ``(i, vector, token_rows)`` as :meth:`OnnxBackend.embed` does
        (``workers`` is ignored: torch spreads one call over its own threads)."""
        with self._lock:
            outputs = self._model.encode(
                list(pieces),
                batch_size=batch_size,
                show_progress_bar=progress,
                output_value=None,
                convert_to_numpy=False,
            )
        for i, out in enumerate(outputs):
            rows = None
            if tokens:
                length = int(out["attention_mask"].sum())
                rows = out["token_embeddings"][1 : length - 1].float().numpy()  # drop [CLS] and [SEP]
            yield i, out["sentence_embedding"].float().numpy(), rows

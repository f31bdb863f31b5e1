"""The export as serving loads it: its weights in a file of their own, memory-mapped.

An ONNX model saved whole holds its weights inside the protobuf, and ONNX Runtime then keeps a
private copy of all 86 MB. Rewritten by ONNX Runtime itself, the same graph sits in
``model.onnx`` (about 20 KB) and its weights in ``model.data``, each large tensor at a
page-aligned offset, which ONNX Runtime maps instead of copying: the word-embedding table stays
in the page cache, and the layer weights it packs for its kernels are dropped from the file's
side. A process answering on the article peaks about 35 MB lower, with the same bytes out
(tests/index/test_onnx_serving.py; docs/retrieval.md "Latency, fifth pass").

The export writes this form (:func:`split_weights`, before its parity check, so the check is of
what serves); loading never rewrites anything. An export written whole (by an older citebot)
still loads, whole.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

DATA = "model.data"
# A graph without its weights is tens of KB; with them, megabytes even for a tiny test model.
GRAPH_ONLY = 1 << 20


def serving_model(folder: Path) -> tuple[Path, bool]:
    """The export's ``model.onnx``, and whether its weights are mapped from ``model.data``.

    Args:
        folder: A folder written by :func:`index.export.export_model`.

    Returns:
        ``(path, mapped)``: the model to load, and False where it holds its weights itself.
    """
    model = folder / "model.onnx"
    try:
        mapped = model.stat().st_size < GRAPH_ONLY and (folder / DATA).is_file()
    except OSError:
        mapped = False  # loading says what is wrong with the file
    return model, mapped


def split_weights(model: Path) -> None:
    """Move the weights of the whole ``model`` to ``model.data`` beside it.

    ONNX Runtime writes the graph as loaded (basic optimisation, what the export already is)
    with every tensor of 1 KB or more in ``model.data``; the weights go into place first, so the
    graph that names them never appears without them.
    """
    import onnxruntime as ort

    work = Path(tempfile.mkdtemp(prefix=".citebot-serving-", dir=model.parent))
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(work / "model.onnx")
        options.log_severity_level = 3
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", DATA)
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        (work / DATA).replace(model.parent / DATA)
        (work / "model.onnx").replace(model)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.debug("Moved the weights of %s to %s", model, DATA)

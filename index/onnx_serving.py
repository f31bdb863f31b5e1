"""The export as serving loads it: its weights in a file of their own, memory-mapped.

An export's ``model.onnx`` as written holds its weights inside the protobuf, and ONNX Runtime
then keeps a private copy of all 86 MB. Rewritten once by ONNX Runtime itself, the same graph
sits in ``model.onnx`` (about 20 KB) and its weights in ``model.data``, each large tensor at a
page-aligned offset, which ONNX Runtime maps instead of copying: the word-embedding table stays
in the page cache, and the layer weights it packs for its kernels are dropped from the file's
side. A process answering on the article peaks about 35 MB lower, with the same bytes out
(tests/index/test_onnx_serving.py; docs/retrieval.md "Latency, fifth pass").

The rewrite happens in place on first use (``make``'s export, the image's build, a
``MODEL_PATH`` export), each file renamed into place whole, so a process already running keeps
the file it mapped. A new export (``python -m index.export --force``) writes the whole form
again and is rewritten at its next use; where the folder is read-only, the whole form serves.
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
    """The export's ``model.onnx``, its weights moved to ``model.data`` first when they are inside it.

    Args:
        folder: A folder written by :func:`index.export.export_model`.

    Returns:
        ``(path, mapped)``: the model to load, and whether its weights are mapped from
        ``model.data`` (False where the folder is read-only and holds the whole form).
    """
    model = folder / "model.onnx"
    try:
        if model.stat().st_size < GRAPH_ONLY and (folder / DATA).is_file():
            return model, True
        _rewrite(model)
    except OSError as error:
        log.debug("Loading %s whole (%s)", model, error)
        return model, False
    return model, True


def _rewrite(model: Path) -> None:
    """ONNX Runtime writes the graph as loaded (basic optimisation, what the export already is)
    with every tensor of 1 KB or more in ``model.data``; the weights go into place first, so the
    graph that names them never appears without them."""
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

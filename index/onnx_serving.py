"""The export as serving loads it: the same graph with its weights in a file of their own, mapped.

``model.onnx`` holds its weights inside the protobuf, so every ONNX Runtime session made from
it keeps a private copy of all 86 MB. Written once by ONNX Runtime itself with its weights in
``model.data`` (each large tensor at a page-aligned offset), the same graph is memory-mapped
instead: the 45 MB word-embedding table stays in the page cache and only the rows of the
tokens actually read become resident, and the packed copies of the layer weights are each
session's own. Two sessions (:mod:`index.onnx_backend`: one per answering worker's thread
count, one for a question asked alone) then hold about what one held before, with the same
bytes out (tests/index/test_onnx_serving.py; docs/retrieval.md "Latency, fifth pass").

The copy lives beside the export, in a folder named after the export's size and time, so a
new export (``python -m index.export --force``) gets a new copy; where the export's folder is
read-only and holds no copy, serving loads ``model.onnx`` as before.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = ".serving-"
DATA = "model.data"


def _name(model: Path) -> str:
    facts = model.stat()
    return f"{PREFIX}{facts.st_size}-{facts.st_mtime_ns}"


def serving_model(folder: Path) -> Path:
    """The export's ``model.onnx`` with its weights mapped from a file of their own, made on first use.

    Args:
        folder: A folder written by :func:`index.export.export_model`.

    Returns:
        The path of the serving copy's graph, or ``folder / "model.onnx"`` when no copy can be
        made (a read-only folder): the same model, only not mapped.
    """
    source = folder / "model.onnx"
    try:
        target = folder / _name(source)
        if (target / "model.onnx").is_file() and (target / DATA).is_file():
            return target / "model.onnx"
        _write(source, target)
    except OSError as error:
        log.debug("No serving copy of %s (%s): loading it whole", source, error)
        return source
    return target / "model.onnx"


def _write(source: Path, target: Path) -> None:
    """ONNX Runtime writes the graph as loaded (basic optimisation, what the export already is)
    with every tensor of 1 KB or more in ``model.data``; a folder is renamed into place whole."""
    import onnxruntime as ort

    work = Path(tempfile.mkdtemp(prefix=PREFIX + "tmp-", dir=source.parent))
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(work / "model.onnx")
        options.log_severity_level = 3
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", DATA)
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
        try:
            work.rename(target)
        except OSError:  # another process made it meanwhile: theirs is the same
            if not (target / DATA).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for stale in source.parent.glob(PREFIX + "*"):  # copies of earlier exports (only ours start so)
        if stale != target and not stale.name.startswith(PREFIX + "tmp-"):
            shutil.rmtree(stale, ignore_errors=True)
    log.debug("Wrote the serving copy of %s (pid %d)", source, os.getpid())

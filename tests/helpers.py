"""Helpers shared by several test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_bot(
    *args: str, cwd: Path, drop_prefix: str = "", timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` in ``cwd`` and wait for it.

    Args:
        args: The subcommand and its arguments.
        cwd: Working directory (so no ``.env`` of the repo is read).
        drop_prefix: Environment variables starting with this are removed first (e.g. ``DISCORD_``).
        timeout: Seconds before the run is abandoned. Defaults to 60.
        env: Extra environment variables.
    """
    clean = {k: v for k, v in os.environ.items() if not (drop_prefix and k.startswith(drop_prefix))}
    clean.update(PYTHONPATH=str(REPO), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_tiny_index(index_dir: Path, dim: int = 4, content_hash: str = "0" * 64) -> None:
    """A whole index of one chunk, its arrays made up (no model): for what reads an index's files and manifest."""
    import numpy as np

    from index import store

    chunk = {"source": "seeds/a.txt", "document": "A", "paragraph": 1, "text": "One.", "sentences": [[0, 4]]}
    store.write_index(
        index_dir,
        {
            "model": "test",
            "dimension": dim,
            "chunk_tokens": 254,
            "content_hash": content_hash,
            "chunks": 1,
            "sentences": 1,
            "quotes": 1,
            "sources": [{"source": "seeds/a.txt", "title": "A", "paragraphs": 1}],
            "calibration": {"null_mean": 0.1, "null_std": 0.05},
        },
        {name: np.eye(1, dim, dtype=np.float32) for name in (*store.VECTOR_FILES, *store.ARRAY_FILES)},
        {name: [{**chunk, "token_start": 0, "token_end": 1}] for name in store.RECORD_FILES},
    )

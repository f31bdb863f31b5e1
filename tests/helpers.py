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

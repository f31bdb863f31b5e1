"""``python -m bot health``: is this bot fit to answer? The container's HEALTHCHECK runs it.

Healthy means both of:

- the index in ``INDEX_DIR`` is whole: its manifest reads back and every file it
  lists is there with its recorded size (cheap: no vectors and no model are loaded);
- the bot is connected: the Discord and Slack bots touch ``HEALTH_FILE`` while
  their connection is up, so the file was modified less than :data:`MAX_AGE` seconds ago.

Exit status 0 with one line on stdout when healthy, 1 with one line on stderr naming
what is wrong otherwise.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from bot.core.runtime import HEALTH_INTERVAL
from index.errors import CitebotError

if TYPE_CHECKING:
    from pathlib import Path

    from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_AGE = 3 * HEALTH_INTERVAL  # seconds: two missed touches are tolerated, a third is not


def check_index(index_dir: Path) -> str:
    """Check the index is whole without loading it.

    Returns:
        A short description, e.g. ``index of 42 chunks in .index``.

    Raises:
        CitebotError: the index is missing or damaged (the message names the fix).
    """
    from index.store import check_files, read_manifest

    manifest = read_manifest(index_dir)
    check_files(index_dir, manifest)
    return f"index of {manifest.get('chunks', '?')} chunks in {index_dir}"


def connection_age(health_file: Path, now: float) -> float | None:
    """Seconds since the bot last touched ``health_file``, or None when there is no such file."""
    try:
        modified = health_file.stat().st_mtime
    except FileNotFoundError:
        return None
    return max(0.0, now - modified)


def check(settings: Settings, now: float | None = None) -> tuple[bool, str]:
    """Run both checks.

    Args:
        settings: Where the index and the health file are.
        now: The current time as ``time.time()`` gives it. Defaults to now.

    Returns:
        Whether the bot is healthy, and the one line to print.
    """
    now = time.time() if now is None else now
    try:
        index_line = check_index(settings.index_dir)
    except CitebotError as error:
        return False, f"unhealthy: {error}"
    except OSError as error:
        return False, f"unhealthy: cannot read the index in {settings.index_dir}: {error}"
    try:
        age = connection_age(settings.health_file, now)
    except OSError as error:
        return False, f"unhealthy: cannot read the health file {settings.health_file}: {error}"
    if age is None:
        return False, (
            f"unhealthy: not connected: no health file at {settings.health_file} "
            "(the Discord or Slack bot writes it once connected)"
        )
    if age >= MAX_AGE:
        return False, (
            f"unhealthy: not connected: {settings.health_file} was last touched {age:.0f} s ago "
            f"(more than {MAX_AGE:.0f} s)"
        )
    return True, f"healthy: {index_line}; connected ({settings.health_file} touched {age:.0f} s ago)"


def main(settings: Settings, args: object = None) -> int:
    """Print one line and return 0 when healthy, 1 otherwise."""
    healthy, line = check(settings)
    print(line, file=sys.stdout if healthy else sys.stderr, flush=True)
    return 0 if healthy else 1

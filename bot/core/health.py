"""``python -m bot health``: is this bot fit to answer? The container's HEALTHCHECK runs it.

Healthy means both of:

- the index in ``INDEX_DIR`` is whole: its manifest reads back, of this version's
  format, and every file it lists is there with its recorded size (cheap: no vectors and no model are loaded);
- the bot is connected: the Discord and Slack bots touch ``HEALTH_FILE`` while
  their connection is up (noting when their database has stopped answering, which leaves the
  bot healthy: it answers on, without the buttons), so the file was modified less than :data:`MAX_AGE` seconds ago;
  the Discord bot writes each of its shards in it (:func:`shard_summary`), and every one
  must be connected.

Exit status 0 with one line on stdout when healthy, 1 with one line on stderr naming
what is wrong otherwise.
"""

from __future__ import annotations

import json
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
    from index.errors import IndexStaleError
    from index.store import FORMAT_VERSION, check_files, read_manifest

    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:  # another citebot's: this one cannot read it
        version = manifest.get("format_version")
        raise IndexStaleError(
            index_dir,
            f"made by another version of citebot: index format {version}, this version reads {FORMAT_VERSION}",
        )
    check_files(index_dir, manifest)
    return f"index of {manifest.get('chunks', '?')} chunks in {index_dir}"


def connection_age(health_file: Path, now: float) -> float | None:
    """Seconds since the bot last touched ``health_file``, or None when there is no such file."""
    try:
        modified = health_file.stat().st_mtime
    except FileNotFoundError:
        return None
    return max(0.0, now - modified)


def shard_summary(report: str, now: float) -> tuple[bool, str] | None:
    """Whether every shard the health file lists is connected, and a few words on them.

    Args:
        report: The health file's content: the Discord bot's JSON (``{"shard_count": 4, "shards":
            {"2": {"connected": true, "since": ..., "latency_ms": 41.2}, ...}}``), or empty.
        now: The current time as ``time.time()`` gives it.

    Returns:
        None when the file lists no shards (the Slack bot, which only touches it).
    """
    try:
        data = json.loads(report)
        shards = {int(k): v for k, v in data["shards"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    count = data.get("shard_count")
    down = [(k, v) for k, v in sorted(shards.items()) if not v.get("connected")]
    if down:
        words = [
            f"shard {k} of {count} " + (f"for {now - v['since']:.0f} s" if v.get("since") else "not yet")
            for k, v in down
        ]
        return False, "disconnected: " + ", ".join(words)
    ids = ", ".join(map(str, sorted(shards)))
    latencies = ", ".join(
        "?" if v.get("latency_ms") is None else f"{v['latency_ms']:.0f}" for _, v in sorted(shards.items())
    )
    return True, f"shards {ids} of {count} connected (heartbeat latency {latencies} ms)"


def database_note(report: str, now: float) -> str | None:
    """What the health file says of a database that does not answer (the bot answers on, without it), or None."""
    try:
        database = json.loads(report)["database"]
        down = None if database["reachable"] else float(database["since"])
    except (ValueError, KeyError, TypeError):
        return None
    if down is None:
        return None
    return (
        f"the database has not answered for {max(0.0, now - down):.0f} s: questions are answered without "
        "buttons and not logged (check DATABASE_URL's server, or DATA_DIR's disk)"
    )


def check_connection(health_file: Path, now: float) -> tuple[bool, str]:
    """Whether the bot is connected, as its health file says (fresh, and every shard it lists up).

    Returns:
        Whether it is, and a few words: ``connected (...)`` or ``not connected: ...``.
    """
    try:
        age = connection_age(health_file, now)
        report = health_file.read_text(encoding="utf-8") if age is not None else ""
    except OSError as error:
        return False, f"cannot read the health file {health_file}: {error}"
    if age is None:
        return (
            False,
            f"not connected: no health file at {health_file} (the Discord or Slack bot writes it once connected)",
        )
    if age >= MAX_AGE:
        return False, f"not connected: {health_file} was last touched {age:.0f} s ago (more than {MAX_AGE:.0f} s)"
    shards = shard_summary(report, now)
    if shards is not None and not shards[0]:
        return False, f"not connected: {shards[1]} ({health_file})"
    # Still healthy: the bot answers on, and a restart would not start while the database is away.
    notes = [shards[1]] if shards else []
    database = database_note(report, now)
    notes += [database] if database else []
    return True, f"connected ({health_file} touched {age:.0f} s ago)" + "".join(f"; {n}" for n in notes)


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
    connected, line = check_connection(settings.health_file, now)
    return connected, f"healthy: {index_line}; {line}" if connected else f"unhealthy: {line}"


def main(settings: Settings, args: object = None) -> int:
    """Print one line and return 0 when healthy, 1 otherwise."""
    healthy, line = check(settings)
    print(line, file=sys.stdout if healthy else sys.stderr, flush=True)
    return 0 if healthy else 1

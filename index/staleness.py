"""Whether an index on disk can answer as it is, or must be built first, and why.

An index is current when its manifest's content hash matches the hash of today's
sources and settings (:func:`index.store.settings_digest`). Otherwise it is missing,
stale, or (when it cannot be read back whole) damaged: :class:`Rebuild` says which,
in words a progress line can use. :class:`Build` then builds it, under a lock, so two
processes never build the same index at once.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.errors import CitebotError, IndexCorruptError, IndexMissingError, IndexWriteError
from index.store import FORMAT_VERSION, build_lock, build_running, load_index, read_manifest

if TYPE_CHECKING:
    from pathlib import Path

    from index.embed import Embedder
    from index.sources import Sources
    from index.store import StoredIndex

log = logging.getLogger(__name__)


class RebuildReason(enum.Enum):
    """Why an index must be built before it can answer."""

    MISSING = "not built yet"
    STALE = "out of date (sources or settings changed)"
    FORMAT = "made by another version of citebot"
    DAMAGED = "damaged"


@dataclass(frozen=True)
class Rebuild:
    """A rebuild that is due: its reason and, for damage, what is wrong."""

    reason: RebuildReason
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason.value} ({self.detail})" if self.detail else self.reason.value


def current_index(index_dir: Path, digest: str, *, repair: bool) -> tuple[Rebuild | None, StoredIndex | None]:
    """Why the index must be built (None when it is current) and, when current, the index read back.

    Raises:
        IndexCorruptError: the index is damaged and ``repair`` is off.
    """
    try:
        manifest = read_manifest(index_dir)
        if manifest.get("format_version") != FORMAT_VERSION:  # an upgrade: say so, not "sources changed"
            detail = f"index format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}"
            return Rebuild(RebuildReason.FORMAT, detail), None
        if manifest.get("content_hash") != digest:
            return Rebuild(RebuildReason.STALE), None
        return None, load_index(index_dir)
    except IndexMissingError:
        return Rebuild(RebuildReason.MISSING), None
    except IndexCorruptError as error:
        if repair:
            return Rebuild(RebuildReason.DAMAGED, error.reason), None
        raise


@contextlib.contextmanager
def waiting_lock(index_dir: Path, say: Callable[[str], None]) -> Iterator[None]:
    """The build lock, saying first when another process holds it: its build may take minutes, and a
    process starting meanwhile (a second bot, `add`) would otherwise wait without a word."""
    if build_running(index_dir):
        say(f"waiting for another process to finish building the index in {index_dir} ...")
    with build_lock(index_dir):
        yield


@dataclass(frozen=True)
class Build:
    """A build that is due, under the lock two processes share: the sources, the model, where, the settings."""

    sources: Sources
    embedder: Embedder
    index_dir: Path
    digest: str
    chunk_tokens: int

    def under_lock(self, why: Rebuild, *, say: Callable[[str], None], progress: bool, repair: bool) -> StoredIndex:
        """Build the index (unless another process did while this one waited for the lock) and read it back.

        Raises:
            IndexWriteError: the index folder cannot be written.
        """
        try:
            with waiting_lock(self.index_dir, say):
                # Another process may have built it while this one waited for the lock.
                again, stored = current_index(self.index_dir, self.digest, repair=repair)
                if again is not None:
                    say(f"index {why}: building {self.index_dir} ...")
                    started = time.perf_counter()
                    self.run(progress=progress, say=say)
                    say(f"index built in {time.perf_counter() - started:.1f} s")
        except OSError as error:
            raise IndexWriteError(self.index_dir, error.strerror or type(error).__name__) from None
        return stored or load_index(self.index_dir)

    def run(self, *, progress: bool, say: Callable[[str], None] | None = None, full: bool = False) -> None:
        """Build now; the caller holds the build lock. Documents unchanged since the index on
        disk was built keep their vectors (index/incremental.py) unless ``full``.

        Raises:
            IndexWriteError: the index folder cannot be written.
        """
        # Imported here: building pulls in the chunker, the batching and the quotation finder, which
        # a process answering from a current index never needs (a start's CPU, docs/testing.md).
        from index.build import build_index

        previous = None
        if not full:
            try:
                previous = load_index(self.index_dir)
            except IndexMissingError:
                log.info("building in full: no index in %s yet", self.index_dir)
            except CitebotError as error:  # damaged or of another format: built in full
                # Its message ends in "run `python -m bot index`", which is what is running: the cause alone.
                log.info("building in full: the index in %s cannot be reused (%s)", self.index_dir, _cause(error))
        try:
            built = build_index(
                self.sources,
                self.embedder,
                self.index_dir,
                self.digest,
                self.chunk_tokens,
                progress=progress,
                previous=previous,
            )
        except OSError as error:
            raise IndexWriteError(self.index_dir, error.strerror or type(error).__name__) from None
        if say is not None and previous is not None:
            shown = f" ({built.why_full})" if built.why_full else ""
            say(f"embedded {built.embedded} document(s), reused {built.reused}{shown}")


def _cause(error: CitebotError) -> str:
    """What is wrong, without the fix an error's message names."""
    return getattr(error, "reason", None) or str(error).split(": run `", 1)[0]

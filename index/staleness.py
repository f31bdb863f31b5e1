"""Whether an index on disk can answer as it is, or must be built first, and why.

An index is current when its manifest's content hash matches the hash of today's
sources and settings (:func:`index.store.settings_digest`). Otherwise it is missing,
stale, or (when it cannot be read back whole) damaged: :class:`Rebuild` says which,
in words a progress line can use.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.errors import IndexCorruptError, IndexMissingError
from index.store import load_index, read_manifest

if TYPE_CHECKING:
    from pathlib import Path

    from index.store import StoredIndex


class RebuildReason(enum.Enum):
    """Why an index must be built before it can answer."""

    MISSING = "not built yet"
    STALE = "out of date (sources or settings changed)"
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
        if read_manifest(index_dir).get("content_hash") != digest:
            return Rebuild(RebuildReason.STALE), None
        return None, load_index(index_dir)
    except IndexMissingError:
        return Rebuild(RebuildReason.MISSING), None
    except IndexCorruptError as error:
        if repair:
            return Rebuild(RebuildReason.DAMAGED, error.reason), None
        raise

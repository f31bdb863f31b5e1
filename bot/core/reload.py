"""Hot reload: a running bot picks up a new index without a restart.

:class:`IndexReloader` polls the index folder's ``manifest.json`` (its inode, size and
modification time) every :data:`POLL_SECONDS`. An index is only ever replaced whole, by
renaming a new folder into place (index/store.py), so a new manifest means a new, complete
index. The new retriever is opened in a worker thread (the event loop keeps answering) with
the running one's model, then swapped into the :class:`~bot.core.service.AnswerService` on
the event loop. The service hands each batch the retriever of the moment it starts, so the
questions already in a batch finish on the old index and every later one uses the new; a
question is in exactly one batch, so none is lost or answered twice.

A new index that cannot be read (damaged, another model, caught mid-swap) is logged and the
old one kept; it is tried again only once the manifest changes again.

Why polling rather than watching (watchfiles/inotify): the swap is a rename of the whole
folder, and an inotify watch on the folder stays on the old one's inode, so a watcher would
have to watch the parent and sort the build's temporary folders out of its events. One
``stat`` a second costs about 20 microseconds of CPU (measured, docs/sources.md), and a second's delay
is nothing beside the build that preceded it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.core.periodic import Periodic

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MANIFEST = "manifest.json"

Stamp = tuple[int, int, int, int] | None  # device, inode, size, mtime in ns of manifest.json; None when absent


def stamp(index_dir: Path) -> Stamp:
    """What identifies the manifest on disk now (a new index has a new file: another inode)."""
    try:
        facts = (index_dir / MANIFEST).stat()
    except OSError:
        return None
    return (facts.st_dev, facts.st_ino, facts.st_size, facts.st_mtime_ns)


def _reopen(retriever: Any) -> Any:
    return retriever.reopened()


class IndexReloader(Periodic):
    """Swaps a service's retriever for the index on disk whenever that changes.

    Use ``async with IndexReloader(service, settings.index_dir):`` around serving, or call
    :meth:`check` (the terminal chat does, before each question).

    Args:
        service: The answer service whose retriever is swapped.
        index_dir: The index folder.
        reopen: Opens the new retriever from the running one, in a worker thread; defaults
            to ``retriever.reopened()`` (:meth:`index.query.Retriever.reopened`).
        interval: Seconds between polls. Defaults to :data:`POLL_SECONDS`.
        on_swap: Called on the event loop after each swap with the new retriever (tests, logs).
    """

    task_name = "index-reload"

    def __init__(
        self,
        service: Any,
        index_dir: Path,
        *,
        reopen: Callable[[Any], Any] = _reopen,
        interval: float = POLL_SECONDS,
        on_swap: Callable[[Any], None] | None = None,
    ) -> None:
        self.service = service
        self.index_dir = index_dir
        self.reopen = reopen
        self.interval = interval
        self.on_swap = on_swap
        self.swaps = 0
        self._seen = stamp(index_dir)  # the index the service answers from now
        self._lock = asyncio.Lock()

    async def check(self) -> bool:
        """Swap in the index on disk when it changed since the last look; True when swapped."""
        async with self._lock:  # one reload at a time, even when the chat and the poll both look
            now = stamp(self.index_dir)
            if now is None or now == self._seen:
                return False
            old = self.service.retriever
            try:
                new = await asyncio.to_thread(self.reopen, old)
            except Exception as error:
                self._seen = now if stamp(self.index_dir) == now else self._seen  # mid-swap: look again
                log.warning(
                    "A new index in %s cannot be used, still answering from the old one: %s", self.index_dir, error
                )
                return False
            self._seen = now
            self.service.swap(new)
            self.swaps += 1
            log.info("Answering from the new index in %s (%s)", self.index_dir, getattr(new.info, "version", "?"))
            if self.on_swap is not None:
                self.on_swap(new)
            return True

    async def step(self) -> None:
        try:
            await self.check()
        except Exception:  # never let a surprise end the polling: the bot keeps its index
            log.exception("Checking %s for a new index failed", self.index_dir)

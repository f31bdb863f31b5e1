"""The sources library: add, remove and list the documents the bot answers from.

What every front end calls (the terminal's ``add``, ``remove`` and ``sources``, the chat admins'
``/sources``). Each function blocks (run it with ``asyncio.to_thread`` from a bot) and raises
only :class:`~index.errors.CitebotError` subclasses whose message is one line naming the fix.

- :func:`add_sources` reads local files or fetches http(s) URLs, checks each reads as a source,
  writes it into ``SEEDS_DIR`` (a URL's address and retrieval time go into ``titles.toml``, so a
  rebuild works offline), then updates the index. All of it happens under the index's build lock;
  when anything fails, the seeds folder and ``titles.toml`` are put back as they were (an edit a person
  saved in ``titles.toml`` meanwhile is kept: index/ledger.py) and the index is untouched (it is only ever
  replaced whole, index/store.py).
- :func:`remove_source` deletes a source file only when ``titles.toml`` shows ``bot add`` wrote it
  and its bytes are still the ones written; any other file is refused (the project never deletes
  a file it did not create), with the line saying how to remove it by hand.
- :func:`list_sources` reads the index's manifest: what is indexed now, never loading the model.

A running bot picks up the updated index by itself (bot/core/reload.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import RemoveSourceError, SourceEditError

if TYPE_CHECKING:
    from bot.core.settings import Settings
    from index.ledger import Ledger

log = logging.getLogger(__name__)

__all__ = ["SourceInfo", "add_sources", "list_sources", "remove_source", "unknown_source"]

_BY_HAND = "delete or move the file yourself, then run `python -m bot index`"
# Why a source is not removed (RemoveSourceError.reason), as the command line says it; chat says it its own
# way (bot/core/refusals.py).
UNKNOWN = "no indexed source has that name"
NOT_ADDED = "it was not added by `python -m bot add`, so it is left alone"
CHANGED = "it was changed since `python -m bot add` wrote it"
ONLY_ONE = "it is the only source, and an index needs one"
SHARED_TITLE = "more than one source has that title"


@dataclass(frozen=True)
class SourceInfo:
    """One indexed source.

    Attributes:
        name: Its file name in ``SEEDS_DIR`` (a path relative to it), what ``remove`` takes.
        title: Its title as cited.
        url: Where it was published or fetched from, or None.
        added: When it was added (``bot add`` records it; otherwise the file's modification time), or None.
        chunks: Passages it has in the index.
    """

    name: str
    title: str
    url: str | None
    added: datetime | None
    chunks: int


def _quiet(_: str) -> None:
    pass


def _update(settings: Settings, say: Callable[[str], None], *, full: bool = False) -> dict[str, Any]:
    """Bring the index up to date with the seeds folder (the caller holds the build lock)."""
    from bot.core.runtime import build_threads
    from index.update import ModelChoice, update_locked

    model = ModelChoice(settings.model_path, settings.embed_backend, build_threads(settings), settings.chunk_tokens)
    return update_locked(settings.seeds_dir, settings.index_dir, model, say=say, full=full)


def rebuild_in_full(settings: Settings, *, say: Callable[[str], None] | None = None) -> None:
    """Build the whole index afresh, every document embedded and the token codebook learnt again
    (``python -m bot index --full``); an ordinary update reuses unchanged documents."""
    from index.location import check_location
    from index.staleness import waiting_lock

    check_location(settings.seeds_dir, settings.index_dir)
    with waiting_lock(settings.index_dir, say or _quiet):
        _update(settings, say or _quiet, full=True)


def add_sources(
    settings: Settings, items: Sequence[str], *, say: Callable[[str], None] | None = None
) -> list[SourceInfo]:
    """Add local files or http(s) URLs to ``SEEDS_DIR`` and update the index.

    Every item is read (or fetched) and checked before anything is written: one bad item
    changes nothing.

    Args:
        settings: ``SEEDS_DIR``, ``INDEX_DIR``, the model settings and ``ALLOW_PRIVATE_URLS``.
        items: Paths of .txt, .md, .html, .htm or .pdf files, or http(s) URLs.
        say: Receives one-line progress messages; None is silent.

    Returns:
        Each item's source as now indexed, in the order given.

    Raises:
        AddSourceError, FetchError, SourceEditError, NoSourcesError, IndexWriteError, ...: one line naming the fix.
    """
    from index.addition import Placement, resolve
    from index.ledger import Ledger
    from index.location import check_location
    from index.staleness import waiting_lock

    say = say or _quiet
    check_location(settings.seeds_dir, settings.index_dir)
    try:
        settings.seeds_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unwritable(settings.seeds_dir, error) from None
    incoming = []
    for item in items:
        one = resolve(item, settings.seeds_dir, allow_private=settings.allow_private_urls)
        if one.url is not None:  # said after, so a refusal stays the only line
            say(f"fetched {one.url} ({len(one.raw):,} bytes)")
        incoming.append(one)
    with waiting_lock(settings.index_dir, say):
        ledger = Ledger(settings.seeds_dir)
        placement = Placement(settings.seeds_dir, ledger, say)
        try:
            try:
                names = [placement.place(one) for one in incoming]
                ledger.save()
            except OSError as error:  # the sources folder is read-only (a container's :ro mount), full...
                raise _unwritable(settings.seeds_dir, error) from None
            manifest = _update(settings, say)
        except BaseException:
            placement.undo()
            ledger.restore()
            raise
    infos = {info.name: info for info in _infos(settings, manifest, ledger)}
    return [infos[name] for name in names if name in infos]


def remove_source(settings: Settings, name: str, *, say: Callable[[str], None] | None = None) -> SourceInfo:
    """Delete a source ``bot add`` wrote, and update the index.

    Args:
        settings: ``SEEDS_DIR``, ``INDEX_DIR`` and the model settings.
        name: Its name as :func:`list_sources` gives it (``seeds/`` before it, or its exact title, also work).
        say: Receives a line when another process's build must end first; None is silent.

    Returns:
        The source as it was indexed before.

    Raises:
        RemoveSourceError: no such source, not a file ``bot add`` wrote (or changed since), or the only source.
    """
    from index.ledger import Ledger, sha256
    from index.location import check_location
    from index.staleness import waiting_lock
    from index.store import read_manifest

    check_location(settings.seeds_dir, settings.index_dir)
    with waiting_lock(settings.index_dir, say or _quiet):
        ledger = Ledger(settings.seeds_dir)
        before = _infos(settings, read_manifest(settings.index_dir), ledger)
        info = _find(before, name, settings.seeds_dir.name)
        path = settings.seeds_dir / info.name
        entry = ledger.entry(info.name)
        raw = path.read_bytes() if path.is_file() else None
        if entry is None:
            raise RemoveSourceError(name, NOT_ADDED, _BY_HAND)
        if raw is not None and sha256(raw) != entry.sha256:
            raise RemoveSourceError(name, CHANGED, _BY_HAND)
        if len(before) == 1:
            raise RemoveSourceError(name, ONLY_ONE, "add another source first")
        ledger.forget(info.name)
        try:
            try:
                ledger.save()
                path.unlink(missing_ok=True)
            except OSError as error:
                raise _unwritable(settings.seeds_dir, error) from None
            _update(settings, _quiet)
        except BaseException:
            if raw is not None and not path.exists():
                from index.ledger import write_atomically

                try:
                    write_atomically(path, raw)
                except OSError as error:  # the error on its way out is the one to tell; this one is logged
                    log.error("could not put back %s: %s", path, error.strerror or type(error).__name__)
            ledger.restore()
            raise
    return info


def _unwritable(seeds_dir: Path, error: OSError) -> SourceEditError:
    why = error.strerror or type(error).__name__
    return SourceEditError(
        str(seeds_dir),
        f"the sources folder cannot be written ({why})",
        "let the bot's user write SEEDS_DIR (a container's sources mounted without :ro, docs/deploy.md), then try again",
    )


def _find(infos: list[SourceInfo], name: str, seeds_name: str) -> SourceInfo:
    wanted = name.strip().removeprefix("./").removeprefix(f"{seeds_name}/")
    for info in infos:
        if info.name == wanted:
            return info
    titled = [info for info in infos if info.title.casefold() == name.strip().casefold()]
    if len(titled) == 1:
        return titled[0]
    if titled:  # a title two documents share names neither: the refusal names them instead
        raise RemoveSourceError(name, SHARED_TITLE, "give its name: " + ", ".join(info.name for info in titled))
    raise unknown_source(name)


def unknown_source(name: str) -> RemoveSourceError:
    """The refusal to remove ``name``, which names no indexed source."""
    return RemoveSourceError(name, UNKNOWN, "`python -m bot sources` lists them")


def list_sources(settings: Settings) -> list[SourceInfo]:
    """What the index holds now, source by source, in the index's order (the model is not loaded).

    Raises:
        IndexMissingError: no index yet. IndexCorruptError: its manifest is damaged.
    """
    from index.ledger import Ledger
    from index.store import read_manifest

    manifest = read_manifest(settings.index_dir)
    try:
        ledger: Ledger | None = Ledger(settings.seeds_dir)
    except SourceEditError as error:  # a broken titles.toml only costs the dates
        log.warning("%s", error)
        ledger = None
    return _infos(settings, manifest, ledger)


def _infos(settings: Settings, manifest: dict[str, Any], ledger: Ledger | None) -> list[SourceInfo]:
    prefix = f"{settings.seeds_dir.name}/"
    counts = _chunk_counts(settings.index_dir, manifest)
    infos = []
    for entry in manifest["sources"]:
        name = entry["source"].removeprefix(prefix)
        added = ledger.added_at(name) if ledger is not None else None
        infos.append(
            SourceInfo(
                name=name,
                title=entry["title"],
                url=entry.get("url"),
                added=added or _modified(settings.seeds_dir / name),
                chunks=counts.get(entry["source"], 0),
            )
        )
    return infos


def _chunk_counts(index_dir: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """Chunks per source: from the manifest, or counted in ``chunks.jsonl`` for an index built before it said."""
    if all("chunks" in entry for entry in manifest["sources"]):
        return {entry["source"]: int(entry["chunks"]) for entry in manifest["sources"]}
    counts: dict[str, int] = {}
    try:
        with (index_dir / "chunks.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    source = json.loads(line)["source"]
                    counts[source] = counts.get(source, 0) + 1
    except (OSError, ValueError, KeyError) as error:
        log.warning("cannot count chunks in %s: %s", index_dir, type(error).__name__)
    return counts


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None

"""The terminal's sources commands: ``add PATH|URL...``, ``remove NAME`` and ``sources [--json]``.

They call bot/core/library.py, as the chat admins' ``/sources`` does. Progress goes to stderr,
results to stdout; a refusal is one line on stderr and exit status 2 (bot/cli.py).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from bot.core import library
from bot.core.runtime import say
from bot.terminal.output import emit

if TYPE_CHECKING:
    import argparse

    from bot.core.library import SourceInfo
    from bot.core.settings import Settings

log = logging.getLogger(__name__)


def source_json(info: SourceInfo) -> dict[str, Any]:
    """One source as ``sources --json`` prints it (one object a line)."""
    return {
        "name": info.name,
        "title": info.title,
        "url": info.url,
        "added": info.added.isoformat(timespec="seconds") if info.added else None,
        "chunks": info.chunks,
    }


def source_line(info: SourceInfo) -> str:
    """One source as ``sources`` prints it: name, title, chunk count, date added, URL."""
    added = info.added.strftime("%Y-%m-%d %H:%M") if info.added else "date unknown"
    chunks = f"{info.chunks} chunk{'s' if info.chunks != 1 else ''}"
    url = f"  {info.url}" if info.url else ""
    return f"{info.name}  \u201c{info.title}\u201d  {chunks}  added {added}{url}"


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    infos = library.add_sources(settings, args.items, say=say)
    for info in infos:
        emit(f"added {source_line(info)}")
    return 0


def cmd_remove(settings: Settings, args: argparse.Namespace) -> int:
    info = library.remove_source(settings, args.name, say=say)
    emit(f"removed {source_line(info)}")
    return 0


def cmd_sources(settings: Settings, args: argparse.Namespace) -> int:
    infos = library.list_sources(settings)
    for info in infos:
        emit(json.dumps(source_json(info), ensure_ascii=False) if args.json else source_line(info))
    if not args.json:
        total = sum(info.chunks for info in infos)
        print(f"{len(infos)} source{'s' if len(infos) != 1 else ''}, {total} chunks", file=sys.stderr)
    return 0

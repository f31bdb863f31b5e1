"""``python -m bot report [--since 7d] [--csv FILE]``: what went unanswered, in the terminal.

The text goes to standard output (:func:`bot.core.report.report_text`); ``--csv`` also
writes every row of the report to a file, one line per group, vote or question. The
embedding model is loaded only when there are unanswered questions to group.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.core import wording
from bot.core.errors import ConfigError
from bot.core.report import Report, build_report, parse_since, report_text
from bot.terminal.output import emit
from index.text import strip_controls

if TYPE_CHECKING:
    import argparse

    from bot.core.settings import Settings

log = logging.getLogger(__name__)

CSV_COLUMNS = ("section", "count", "question", "detail", "when")


def csv_rows(report: Report) -> Iterator[tuple[str, int, str, str, str]]:
    """The report's rows: ``gap`` (count, example, every wording), ``downvote`` (1, question, reason),
    ``most_asked`` (count, question); ``when`` is the latest time, ISO 8601 in UTC."""
    for gap in report.gaps:
        yield "gap", gap.count, _cell(gap.example), _cell(" | ".join(gap.wordings)), gap.last_asked.isoformat()
    for vote in report.downvoted:
        yield "downvote", 1, _cell(vote.question), _cell(vote.reason or ""), vote.voted_at.isoformat()
    for asked in report.most_asked:
        yield "most_asked", asked.count, _cell(asked.question), "", asked.last_asked.isoformat()


# What a spreadsheet reads as a formula at the start of a cell (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A person's words as a cell: without control characters (a terminal showing the file would run them),
    and never a formula (a chat user's ``=HYPERLINK(...)`` would run in the spreadsheet it is opened in):
    such a cell starts with ``'``, which a spreadsheet shows as text."""
    text = strip_controls(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def check_writable(path: Path) -> None:
    """Refuse a CSV path that cannot be written before the report is built (which may load the
    model), without touching a file already there.

    Raises:
        ConfigError: the folder is missing or read-only, or the path is a folder or read-only.
    """
    folder = path.parent
    if path.is_dir():
        reason = "it is a folder"
    elif not folder.is_dir():
        reason = f"no folder {folder}"
    elif not os.access(folder if not path.exists() else path, os.W_OK):
        reason = "permission denied"
    else:
        return
    raise ConfigError(wording.cannot_write(path, reason))


def write_csv(report: Report, path: Path) -> int:
    """Write the report's rows to ``path`` (with a header); returns how many rows.

    Raises:
        ConfigError: the file cannot be written (one line).
    """
    rows = list(csv_rows(report))
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(rows)
    except OSError as error:
        raise ConfigError(wording.cannot_write(path, error.strerror or type(error).__name__)) from None
    return len(rows)


class LazyEmbedder:
    """The project's embedder, loaded on the first call (a report with nothing to group never loads it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self._embedder is None:
            from index.embed import Embedder

            s = self.settings
            self._embedder = Embedder(s.model_path, backend=s.embed_backend, threads=s.embed_threads)
        return self._embedder.encode(texts, batch_size=32)


def check_log_exists(settings: Settings) -> None:
    """Refuse an SQLite question log that is not there: opening it would make a new, empty one (and its
    folders), and the report would say nothing was asked, where the bots keep theirs elsewhere.

    Raises:
        ConfigError: no such file. DatabaseConfigError: ``DATABASE_URL`` is not one the bots could use.
    """
    from bot.db.engine import resolve_url

    url = resolve_url(settings.database_url_text, settings.data_dir)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise ConfigError(wording.no_question_log(url.database))


async def _read(settings: Settings, since: datetime) -> Report:
    from bot.db import Database

    url = settings.database_url_text
    async with await Database.open(url, data_dir=settings.data_dir, retention_days=settings.retention_days) as db:
        return await build_report(db, since, LazyEmbedder(settings))


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the report since ``--since`` ago; with ``--csv``, write its rows there too."""
    since = datetime.now(UTC) - parse_since(args.since)
    if args.csv is not None:
        check_writable(args.csv)
    check_log_exists(settings)
    report = asyncio.run(_read(settings, since))
    if args.csv is not None:
        count = write_csv(report, args.csv)
        print(wording.report_written(count, args.csv), file=sys.stderr, flush=True)
    emit(report_text(report))
    return 0

"""What the format readers share: why a file was left out, and quiet third-party loggers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class Unreadable(Exception):
    """A source file that cannot be indexed; ``str(error)`` is the reason, e.g. ``not UTF-8 text``.

    Not a :class:`~index.errors.CitebotError`: it never reaches a user as an error, only as a
    ``skipping <file>: <reason>`` line while the other sources are indexed.
    """


@contextlib.contextmanager
def quiet_logs(*names: str) -> Iterator[None]:
    """Hold the named libraries' loggers at CRITICAL while reading one file.

    pypdf and trafilatura log every problem they meet in a damaged file (as warnings and
    errors); the reader already says in one ``skipping`` line why a file was left out, so
    those lines would only repeat it, at length.
    """
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)

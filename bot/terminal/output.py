"""Standard output of the terminal commands: every result line goes through :func:`emit`.

A reader that went away (``ask - | head -1``), a full disk or a closed standard output
is then one :class:`OutputError`, which ``bot/cli.py`` turns into a quiet stop or one line
on stderr, never a traceback, and never an answer silently printed to nowhere.
"""

from __future__ import annotations

import contextlib
import os
import sys


class OutputError(Exception):
    """Standard output cannot be written; ``reason`` is the error of the write (None: it is closed)."""

    def __init__(self, reason: OSError | None) -> None:
        self.reason = reason
        why = "it is closed" if reason is None else (reason.strerror or type(reason).__name__)
        super().__init__(f"cannot write to standard output ({why}): nothing more was printed")

    @property
    def reader_gone(self) -> bool:
        """Whether the reader closed its end of a pipe: a stop it asked for, said by no message."""
        return isinstance(self.reason, BrokenPipeError)


def emit(text: str, end: str = "\n") -> None:
    """Print ``text`` on standard output and flush it.

    Raises:
        OutputError: standard output is closed, or writing to it failed.
    """
    if sys.stdout is None:  # started with stdout closed (`>&-`): print() would drop every answer
        raise OutputError(None)
    try:
        print(text, end=end, flush=True)
    except OSError as error:
        raise OutputError(error) from None


def discard_output() -> None:
    """Point standard output at the null device, so what is still buffered is dropped at exit
    instead of failing again there ("Exception ignored ... BrokenPipeError")."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)

"""Standard output that cannot be written (bot/terminal/output.py, bot/cli.py): no traceback, no answer printed to nowhere."""

from __future__ import annotations

import errno
import io
import sys

import pytest

from bot import cli
from bot.terminal.output import emit


class Failing(io.StringIO):
    """A standard output whose every write fails with ``error``."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


def run_printing(monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO | None) -> int:
    """`python -m bot sources` whose command prints its results with ``stdout`` as standard output."""
    printed: list[str] = []

    def command(settings: object, args: object) -> int:
        for line in ("first", "second"):
            emit(line)
            printed.append(line)
        return 0

    monkeypatch.setattr(cli, "_command", lambda name: command)
    monkeypatch.setattr(sys, "stdout", stdout)
    code = cli.main(["sources"])
    assert printed == []  # the first failed write stopped the command
    return code


def test_a_reader_gone_away_ends_quietly_with_141(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ask - | head -1`: once the reader has closed the pipe, the command stops, says nothing and exits 141."""
    assert run_printing(monkeypatch, Failing(BrokenPipeError(errno.EPIPE, "Broken pipe"))) == 141
    assert capsys.readouterr().err == ""


def test_a_full_disk_is_one_line_on_stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`ask ... > /dev/full`: one line naming the reason, status 1, no traceback."""
    assert run_printing(monkeypatch, Failing(OSError(errno.ENOSPC, "No space left on device"))) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == "OutputError: cannot write to standard output (No space left on device): nothing more was printed"


def test_a_closed_stdout_is_said_not_printed_to_nowhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ask ... >&-` (Python's sys.stdout is None): print() would drop the answer and exit 0; it is an error."""
    assert run_printing(monkeypatch, None) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "cannot write to standard output (it is closed)" in line


def test_a_closed_stderr_keeps_progress_out_of_the_results(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ask --json - 2>&-` (Python's sys.stderr is None): progress lines ("building the index") went to stdout,
    as print(file=None) prints there, into the JSON lines; they go nowhere now, and the results stay alone."""
    from bot.core.runtime import say

    def command(settings: object, args: object) -> int:
        say("index not built yet: building ...")
        emit('{"question": "Why?"}')
        return 0

    monkeypatch.setattr(cli, "_command", lambda name: command)
    monkeypatch.setattr(sys, "stderr", None)
    assert cli.main(["sources"]) == 0
    assert capsys.readouterr().out == '{"question": "Why?"}\n'

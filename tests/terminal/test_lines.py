"""Lines of standard input as `ask -` and `quote -` read them (bot/terminal/commands.py), without a process."""

from __future__ import annotations

import io
import json

import pytest

from bot.terminal.commands import Line, parse_line

BOM = b"\xef\xbb\xbf"


def test_a_json_line_after_a_byte_order_mark_is_read_as_json() -> None:
    """A JSON-lines file saved with a byte-order mark (Notepad, PowerShell) opens with one: its first line is
    still the contract's object, not a question made of JSON text."""
    raw = BOM + b'{"question": "When did he die?", "history": ["Who was Nikola Tesla?"]}\n'
    assert parse_line(raw, allow_history=True) == Line("When did he die?", ("Who was Nikola Tesla?",))


def test_a_plain_line_after_a_byte_order_mark_is_the_question_without_it() -> None:
    assert parse_line(BOM + b"qualified immunity\r\n", allow_history=False) == Line("qualified immunity")


def test_lines_that_get_no_answer_are_error_objects_and_the_exit_status_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/CONTRACT.md: an empty line, a line that is not UTF-8 and a JSON line that is not the object each get
    `{"question": ..., "error": ...}` and reading goes on; status 1 then, 0 when every line was answered."""
    from bot.terminal.commands import _answer_lines, lines_of
    from tests.fakes import fake_pipeline

    def run(stdin: bytes) -> tuple[int, list[dict[str, object]]]:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        status = _answer_lines(fake_pipeline(), lines_of("-", allow_history=True), "question", as_json=True)
        return status, [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    status, out = run(b'  \nCaf\xe9?\n{"question": 5}\nWhy did IBM quit?\n')
    assert status == 1
    assert [set(o) for o in out[:3]] == [{"question", "error"}] * 3
    assert [o["question"] for o in out] == ["", "Caf\ufffd?", '{"question": 5}', "Why did IBM quit?"]
    assert "abstained" in out[3]
    assert run(b"Why did IBM quit?\nIs sourdough covered?\n")[0] == 0  # an abstention is an answer


def test_a_line_longer_than_the_bound_is_skipped_in_bounded_pieces(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line past MAX_LINE_BYTES (a file with no line breaks piped in by mistake) is read a bounded piece at a
    time and dropped: one error object with its start, then the next lines, in order. It was read whole (a 12 MB
    line cost 280 MB) and asked."""
    from bot.terminal import commands

    monkeypatch.setattr(commands, "MAX_LINE_BYTES", 64)
    reads: list[int] = []

    class Stdin(io.BufferedReader):
        def readline(self, size: int | None = -1) -> bytes:
            reads.append(size if size is not None else -1)
            return super().readline(size)

    stdin = io.TextIOWrapper(Stdin(io.BytesIO(b"Why did IBM quit?\n" + b"why " * 100 + b"\nIs sourdough covered?\n")))
    monkeypatch.setattr("sys.stdin", stdin)
    lines = list(commands.lines_of("-", allow_history=True))
    assert [line.error for line in lines] == [None, commands.LINE_TOO_LONG, None]
    assert lines[1].text.startswith("why why") and lines[2].text == "Is sourdough covered?"
    assert reads and all(0 < size <= 65 for size in reads)


def test_a_closed_stdin_has_no_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ask - <&-` (Python's sys.stdin is None) reads no line, as from /dev/null, not an AttributeError."""
    from bot.terminal.commands import lines_of

    monkeypatch.setattr("sys.stdin", None)
    assert list(lines_of("-", allow_history=True)) == []

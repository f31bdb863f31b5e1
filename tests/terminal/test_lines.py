"""Lines of standard input as `ask -` and `quote -` read them (bot/terminal/commands.py), without a process."""

from __future__ import annotations

from bot.terminal.commands import Line, parse_line

BOM = b"\xef\xbb\xbf"


def test_a_json_line_after_a_byte_order_mark_is_read_as_json() -> None:
    """A JSON-lines file saved with a byte-order mark (Notepad, PowerShell) opens with one: its first line is
    still the contract's object, not a question made of JSON text."""
    raw = BOM + b'{"question": "When did he die?", "history": ["Who was Nikola Tesla?"]}\n'
    assert parse_line(raw, allow_history=True) == Line("When did he die?", ("Who was Nikola Tesla?",))


def test_a_plain_line_after_a_byte_order_mark_is_the_question_without_it() -> None:
    assert parse_line(BOM + b"qualified immunity\r\n", allow_history=False) == Line("qualified immunity")

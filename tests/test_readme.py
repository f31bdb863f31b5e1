"""The README's command-line block shows every subcommand ``python -m bot --help`` lists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import COMMANDS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_command_line_block_shows_every_subcommand() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r"^\.venv/bin/python -m bot (\w+)", block, flags=re.MULTILINE))
    assert sorted(set(COMMANDS) - shown) == [], "subcommands missing from the README's command-line block"
    assert sorted(shown - set(COMMANDS)) == [], "the README shows subcommands bot/cli.py does not have"

"""What a new reader follows in the README and docs/: every subcommand shown, every link leading somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_the_command_line_block_shows_every_subcommand() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r"^\.venv/bin/python -m bot (\w+)", block, flags=re.MULTILINE))
    assert sorted(set(COMMANDS) - shown) == [], "subcommands missing from the README's command-line block"
    assert sorted(shown - set(COMMANDS)) == [], "the README shows subcommands bot/cli.py does not have"


def anchors(path: Path) -> set[str]:
    """The heading anchors GitHub makes in a Markdown file (code blocks left out)."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    headings = re.findall(r"^#+\s+(.*?)\s*$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_link_to_a_file_or_heading_of_the_project_resolves(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("<"):  # a web address, or Discord's <link>
            continue
        path, _, heading = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists() or (heading and linked.suffix == ".md" and heading not in anchors(linked)):
            broken.append(target)
    assert broken == []

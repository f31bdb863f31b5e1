"""What a new reader follows in the README and docs/: every subcommand shown, every link leading somewhere."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from bot.cli import COMMANDS, build_parser

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


SHELL_BLOCK = re.compile(r"^( *)```sh\n(.*?)^\1```", flags=re.MULTILINE | re.DOTALL)
PROJECT_MODULE = re.compile(r"^(bot|index)(\.|$)")


def shell_commands(doc: Path) -> list[tuple[int, list[str]]]:
    """Each command of the doc's ``sh`` blocks, as its words: (line number, words), pipes and ``&&`` split."""
    text = doc.read_text(encoding="utf-8")
    found = []
    for block in SHELL_BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(2)) + 1
        body = block.group(2).replace("\\\n", " \n")  # a line continued keeps its line count
        for offset, line in enumerate(body.splitlines()):
            words: list[str] = []
            for word in [*shlex.split(line, comments=True), "&&"]:
                if word in ("|", "&&", "||", ";"):
                    if words:
                        found.append((first + offset, words))
                    words = []
                else:
                    words.append(word)
    return found


def test_docs_find_the_shell_commands_they_check() -> None:
    commands = shell_commands(README)
    assert [".venv/bin/python", "-m", "bot", "ask", "--json", "-"] in [words for _, words in commands]
    assert any(words[:4] == [".venv/bin/python", "-m", "bot", "index"] for _, words in commands)


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_shell_commands_run_the_project_with_its_interpreter(doc: Path) -> None:
    """A bare `python -m bot` runs whatever `python` the reader's shell finds: one without the pinned
    packages fails with a traceback. The project's commands are shown as `.venv/bin/python -m ...`."""
    bare = [
        (line, " ".join(words))
        for line, words in shell_commands(doc)
        if len(words) > 2
        and re.fullmatch(r"python[\d.]*", words[0])
        and words[1] == "-m"
        and PROJECT_MODULE.match(words[2])
    ]
    assert bare == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_shell_commands_of_the_bot_parse(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every `.venv/bin/python -m bot ...` in a shell block names a subcommand with options it has."""
    wrong = []
    for line, words in shell_commands(doc):
        if words[:3] == [".venv/bin/python", "-m", "bot"]:
            try:
                build_parser().parse_args(words[3:])
            except SystemExit:
                wrong.append((line, " ".join(words), capsys.readouterr().err.strip().splitlines()[-1]))
    assert wrong == []


def test_the_contract_json_examples_parse_and_show_fields_the_commands_print() -> None:
    """docs/CONTRACT.md's JSON blocks are what a script would copy: each parses, and every field it shows is one
    `ask --json` / `quote --json` prints (render.py, here over the fake retriever's answers)."""
    from bot.terminal.render import answer_json, quotes_json
    from tests.fakes import FakeRetriever

    text = (ROOT / "docs" / "CONTRACT.md").read_text(encoding="utf-8")
    ask, followup, quote = (json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL))
    answered = answer_json(FakeRetriever().ask(ask["question"]))
    assert sorted(set(ask) - set(answered)) == []
    assert sorted(set(ask["passages"][0]) - set(answered["passages"][0])) == []
    assert set(followup) == {"question", "history"} and all(isinstance(q, str) for q in followup["history"])
    quoted = quotes_json(FakeRetriever().quotes(quote["topic"]))
    assert sorted(set(quote) - set(quoted)) == []
    assert sorted(set(quote["quotes"][0]) - set(quoted["quotes"][0])) == []


def layout_paths() -> set[str]:
    """The files and folders the README's layout names, as paths from the project's root (two spaces a level);
    a folder's description may name its files ("cogs/  one cog per feature: admin.py (...), ask.py ...")."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## Layout") :].split("```")[1]
    paths: set[str] = set()
    folders: list[str] = []
    described = ""  # the folder whose description this line carries on
    for line in block.splitlines():
        if line.startswith(" " * 21):  # a description carried on
            paths.update(f"{described}/{name}" for name in re.findall(r"[\w.]+\.py\b", line) if described)
            continue
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip())) // 2
        name, _, about = line.strip().partition(" ")
        folders[depth:] = [name.rstrip("/")] if name.endswith("/") else []
        path = "/".join([*folders[:depth], name.rstrip("/")])
        paths.add(path)
        described = path if name.endswith("/") else ""
        paths.update(f"{described}/{name}" for name in re.findall(r"[\w.]+\.py\b", about) if described)
    return paths


def test_the_layout_names_every_module_of_bot_and_index() -> None:
    """The README's layout says it lists every module of bot/ and index/: a new one must be added there."""
    modules = {
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "index")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "__init__.py" and "migrations" not in path.parts
    }
    assert sorted(modules - layout_paths()) == []

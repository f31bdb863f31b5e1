"""docs/discord.md shows the answers as the bot renders them today."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_discord_examples", REPO / "scripts" / "render_discord_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_answers_in_the_doc_are_up_to_date() -> None:
    """The examples between the markers are what scripts/render_discord_examples.py renders now (run it to refresh)."""
    script = renderer()
    doc = script.DOC.read_text(encoding="utf-8")
    assert script.updated(doc) == doc, "docs/discord.md is out of date: run scripts/render_discord_examples.py"


def test_the_doc_shows_each_kind_of_answer() -> None:
    """An answer, a low-confidence one, More sources and a shared one, each with its text; a stale doc is caught."""
    script = renderer()
    rendered = script.render()
    for title in ("An answer", "A low-confidence answer", "More sources", "A shared answer"):
        assert f"#### {title}\n" in rendered
    assert "The article may not answer this" in rendered and "Asked by <@" in rendered and "[\\[4\\]" in rendered
    stale = f"{script.BEGIN}\nold\n{script.END}"
    assert script.updated(stale) != stale

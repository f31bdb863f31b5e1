"""docs/slack.md shows what the code sends: its examples are rendered by scripts/render_slack_examples.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_slack_examples", ROOT / "scripts" / "render_slack_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_examples_in_the_doc_are_up_to_date(script: ModuleType) -> None:
    """The section between the markers is what the script renders now (run it after changing the formatting)."""
    doc = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    assert script.updated(doc) == doc, "docs/slack.md is out of date: run scripts/render_slack_examples.py"


def test_the_check_notices_a_stale_doc(script: ModuleType) -> None:
    """An edited example is out of date; every kind of answer is in the rendering."""
    doc = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    stale = doc.replace("[Share in channel]", "[Share]")
    assert stale != doc
    assert script.updated(stale) == doc
    rendered = script.render()
    for kind in ("An answer", "A low-confidence answer", "More sources", "A shared answer"):
        assert f"#### {kind}" in rendered
    assert "The article may not answer this" in rendered
    assert "Asked by ann (plain text)" in rendered
    assert "[4] IBM quits facial recognition" in rendered


def test_the_script_runs_as_a_command(script: ModuleType) -> None:
    """`--check` exits 0 on the committed doc."""
    assert script.main(["--check"]) == 0

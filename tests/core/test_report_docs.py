"""docs/report.md, docs/discord.md and docs/slack.md show the report as the bot renders it today."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.model  # the example is grouped with the project's model


def renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_report_example", REPO / "scripts" / "render_report_example.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_reports_in_the_docs_are_up_to_date() -> None:
    """Each doc's example is what scripts/render_report_example.py renders now (run it to refresh); each
    shows groups with counts, a 👎 with its reason and the most asked."""
    script = renderer()
    for name, example in script.render().items():
        doc = (REPO / "docs" / name).read_text(encoding="utf-8")
        assert script.updated(doc, example, name) == doc, (
            f"docs/{name} is out of date: run scripts/render_report_example.py"
        )
        assert "(and 3 similar wordings)" in example and "Red Hat instead" in example and "6×" in example

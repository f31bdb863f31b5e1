"""The Dockerfile names project modules by path; a rename must not leave it behind."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


def warm_up_modules() -> list[str]:
    match = re.search(r'^ARG WARM_UP="import ([^"]+)"', DOCKERFILE.read_text(), re.MULTILINE)
    assert match, "the Dockerfile has no WARM_UP import list"
    return [name.strip() for name in match.group(1).split(",")]


def test_every_warm_up_module_exists() -> None:
    missing = [name for name in warm_up_modules() if importlib.util.find_spec(name) is None]
    assert not missing, f"the Dockerfile's WARM_UP imports modules that do not exist: {missing}"


def test_warm_up_covers_both_front_ends() -> None:
    modules = warm_up_modules()
    assert any(name.startswith("bot.discord") for name in modules)
    assert any(name.startswith("bot.slack") for name in modules)


def test_warm_up_imports_the_bots_event_loop() -> None:
    """The bots run on uvloop (EVENT_LOOP's default): the image keeps its byte code, and a build whose
    runtime venv lacks it fails at that import."""
    assert "uvloop" in warm_up_modules()

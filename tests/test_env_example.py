""".env.example documents every setting (bot/core/settings.py), with the default the code has.

A line ``NAME=value`` or ``# NAME=value`` (a commented default) names a setting; the value shown
must read back as the code's default, so ``cp .env.example .env`` changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
SETTING = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$")


def documented() -> dict[str, str]:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return {m.group(1): m.group(2) for m in map(SETTING.match, lines) if m}


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    names = {name.upper() for name in Settings.model_fields}
    shown = set(documented())
    assert sorted(names - shown) == [], "settings missing from .env.example"
    assert sorted(shown - names) == [], ".env.example names settings the code does not have"


def test_env_example_shows_the_code_defaults() -> None:
    # Every setting is given, so nothing is read from this process's environment.
    example = Settings(_env_file=None, **{k.lower(): v for k, v in documented().items()})  # type: ignore[arg-type]
    differ = {
        name.upper(): (getattr(example, name), field.default)
        for name, field in Settings.model_fields.items()
        if getattr(example, name) != field.default
    }
    assert differ == {}, "NAME: (.env.example's value, the code's default)"

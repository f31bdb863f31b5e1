""".env.example documents every setting (bot/core/settings.py), with the default the code has.

A line ``NAME=value`` or ``# NAME=value`` (a commented default) names a setting; the value shown
must read back as the code's default, so ``cp .env.example .env`` changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, get_args, get_origin

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


def comments_above(name: str) -> str:
    """The comment lines just above ``name``'s line in .env.example: what it says of the setting."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if (m := SETTING.match(line)) and m.group(1) == name)
    above: list[str] = []
    for line in reversed(lines[:at]):
        if not line.startswith("# ") or SETTING.match(line) or line.startswith("# ----------"):
            break
        above.append(line)
    return " ".join(reversed(above))


def test_env_example_names_every_value_a_choice_setting_takes() -> None:
    for name, field in Settings.model_fields.items():
        choices = get_args(field.annotation) if get_origin(field.annotation) is Literal else ()
        said = comments_above(name.upper())
        missing = [choice for choice in choices if choice not in said]
        assert missing == [], f"{name.upper()}: .env.example does not name {missing}"


def bounds(name: str) -> list[float]:
    """The limits a number setting's value must keep within, but for the plain ``> 0`` or ``>= 1`` of a count."""
    field = Settings.model_fields[name]
    found = []
    for rule in field.metadata:
        for side in ("ge", "gt", "le", "lt"):
            value = getattr(rule, side, None)
            if value is not None and not (side in ("ge", "gt") and value in (0, 1)):
                found.append(value)
    return found


def test_env_example_states_the_limits_of_every_number_setting() -> None:
    """A value out of range stops the bot at start (``ConfigError: setting TOP_K: ...``): the comment says the range."""
    unsaid = {}
    for name in Settings.model_fields:
        said = comments_above(name.upper())
        missing = [v for v in bounds(name) if not re.search(rf"(?<![\d,.])({v:g}|{v:,g})(?![\d,])", said)]
        if missing:
            unsaid[name.upper()] = missing
    assert unsaid == {}, ".env.example does not state these limits of the settings (bot/core/settings.py)"

"""The settings tables of the README and the docs name real settings, with the code's defaults.

A table row ``| `NAME`, `OTHER` | default, other default | what it does |`` names settings of
bot/core/settings.py; each default shown must read back as the code's (``blank``, ``empty``,
``unset`` and the like: the setting has none).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("README.md", "docs/discord.md", "docs/deploy.md")
NAME = re.compile(r"`([A-Z][A-Z0-9_]+)`")
NO_DEFAULT = {"", "blank", "empty", "unset", "none (required)", "sqlite there"}


def rows(doc: str) -> list[tuple[list[str], list[str]]]:
    """Each table row whose first cell names only settings-like words: (names, default cells)."""
    found = []
    for line in (ROOT / doc).read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = NAME.findall(cells[0]) if len(cells) >= 3 else []
        if names and NAME.sub("", cells[0]).strip(" ,") == "":
            found.append((names, [value.strip().strip("`") for value in cells[1].split(",")]))
    return found


@pytest.mark.parametrize("doc", TABLES)
def test_settings_tables_name_real_settings_with_the_code_defaults(doc: str) -> None:
    fields = Settings.model_fields
    table = [(names, values) for names, values in rows(doc) if any(name.lower() in fields for name in names)]
    assert table, f"{doc} has no settings table"
    for names, cells in table:
        unknown = [name for name in names if name.lower() not in fields]
        assert unknown == [], f"{doc}: {unknown} are not settings (bot/core/settings.py)"
        values = cells if len(cells) == len(names) else cells[:1] * len(names)
        for name, value in zip(names, values, strict=True):
            default = fields[name.lower()].default
            if value.lower() in NO_DEFAULT:
                assert not default, f"{doc}: {name} is shown without a default, the code has {default!r}"
            else:
                shown = getattr(Settings(_env_file=None, **{name.lower(): value}), name.lower())  # type: ignore[arg-type]
                assert shown == default, f"{doc}: {name} is shown with {value!r}, the code's default is {default!r}"

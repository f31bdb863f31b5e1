"""``add`` and ``remove`` of the sources library against a person editing ``titles.toml`` while they hold the
build lock (bot/core/library.py, index/ledger.py). The index update is replaced by the edit (and a failure):
no model, nothing indexed."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.core import library
from bot.core.settings import Settings

HAND = '"harbour.txt" = "The Harbour of Vell"\n'
EDIT = '"orchards.txt" = "Orchards above Vell"\n'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.txt").write_text("The harbour of Vell was dredged in 1911.\n", encoding="utf-8")
    (seeds / "orchards.txt").write_text("Apple orchards cover the hills above Vell.\n", encoding="utf-8")
    (seeds / "titles.toml").write_text(HAND, encoding="utf-8")
    return Settings(_env_file=None, seeds_dir=seeds, index_dir=tmp_path / "index")  # type: ignore[call-arg]


def edited_during_a_failed_update(settings: Settings) -> Any:
    """An index update during which a person saves titles.toml with a title added, and which then fails."""

    def update(*_: object, **__: object) -> dict[str, Any]:
        path = settings.seeds_dir / "titles.toml"
        path.write_text(EDIT + path.read_text(encoding="utf-8"), encoding="utf-8")
        raise OSError(28, "No space left on device")

    return update


def test_a_failed_add_keeps_a_title_edited_meanwhile(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The add's files and its entry are taken back; the person's title, saved during the update, stays
    (titles.toml was written back as it was before the add, losing it)."""
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    monkeypatch.setattr(library, "_update", edited_during_a_failed_update(settings))
    with pytest.raises(OSError, match="No space left"):
        library.add_sources(settings, [str(new)])
    assert not (settings.seeds_dir / "ferry.txt").exists()
    titles = tomllib.loads((settings.seeds_dir / "titles.toml").read_text(encoding="utf-8"))
    assert titles == {"harbour.txt": "The Harbour of Vell", "orchards.txt": "Orchards above Vell"}


def test_an_add_into_a_folder_without_titles_keeps_the_file_a_person_wrote_meanwhile(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no titles.toml before the add, a failed add deleted the file it had created, with the person's
    title in it: now only its own entry goes, and the person's file stays."""
    (settings.seeds_dir / "titles.toml").unlink()
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    monkeypatch.setattr(library, "_update", edited_during_a_failed_update(settings))
    with pytest.raises(OSError, match="No space left"):
        library.add_sources(settings, [str(new)])
    titles = tomllib.loads((settings.seeds_dir / "titles.toml").read_text(encoding="utf-8"))
    assert titles == {"orchards.txt": "Orchards above Vell"}

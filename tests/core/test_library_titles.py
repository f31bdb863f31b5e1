"""``add`` and ``remove`` of the sources library against a person editing ``titles.toml`` while they hold the
build lock (bot/core/library.py, index/ledger.py). The index update is replaced by the edit (and a failure):
no model, nothing indexed."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core import library
from bot.core.library import SourceInfo
from bot.core.settings import Settings
from index import ledger as ledger_mod

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


def failing_while_nothing_can_be_written(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An index update that fails on a full disk, after which writing anything back fails too."""

    def update(*_: object, **__: object) -> dict[str, Any]:
        def full(*_: object, **__: object) -> bool:
            raise OSError(30, "Read-only file system")

        monkeypatch.setattr(ledger_mod, "write_atomically", full)
        raise OSError(28, "No space left on device")

    return update


def test_a_failed_add_whose_putting_back_fails_too_raises_the_first_error(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What failed the add is what the person is told (one line from the command line); putting titles.toml
    back failing as well is logged. It raised the second error, a traceback with the first hidden in it."""
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    monkeypatch.setattr(library, "_update", failing_while_nothing_can_be_written(monkeypatch))
    with pytest.raises(OSError, match="No space left"):
        library.add_sources(settings, [str(new)])


def test_a_failed_remove_whose_putting_back_fails_too_raises_the_first_error_and_restores_titles(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The removed file cannot be written back: that is logged, titles.toml is still put back (it was skipped),
    and what failed the remove is raised."""
    from index.ledger import Ledger

    seeds = settings.seeds_dir
    raw = (seeds / "orchards.txt").read_bytes()
    ledger = Ledger(seeds)
    ledger.record("orchards.txt", raw, url=None, retrieved=None, now=datetime.now(UTC))
    ledger.save()
    recorded = (seeds / "titles.toml").read_bytes()
    infos = [SourceInfo(name, name, None, None, 1) for name in ("harbour.txt", "orchards.txt")]
    monkeypatch.setattr(library, "_infos", lambda *_: infos)
    monkeypatch.setattr("index.store.read_manifest", lambda *_: {"sources": []})
    real_write = ledger_mod.write_atomically

    def update(*args: object, **kwargs: object) -> dict[str, Any]:
        # titles.toml can still be written back; the removed file cannot.
        def only_titles(path: Path, data: bytes, **more: Any) -> bool:
            if path.name != "titles.toml":
                raise OSError(30, "Read-only file system")
            return real_write(path, data, **more)

        monkeypatch.setattr(ledger_mod, "write_atomically", only_titles)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(library, "_update", update)
    with pytest.raises(OSError, match="No space left"):
        library.remove_source(settings, "orchards.txt")
    assert not (seeds / "orchards.txt").exists()
    assert (seeds / "titles.toml").read_bytes() == recorded


def test_sources_are_listed_when_titles_toml_cannot_be_read(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreadable titles.toml costs the list its dates added, as a broken one does; it failed the list."""
    from tests.index.test_ledger import unreadable_titles

    entry = {"source": "seeds/harbour.txt", "title": "The Harbour of Vell"}
    monkeypatch.setattr("index.store.read_manifest", lambda *_: {"sources": [entry]})
    monkeypatch.setattr(library, "_chunk_counts", lambda *_: {"seeds/harbour.txt": 3})
    unreadable_titles(monkeypatch)
    [info] = library.list_sources(settings)
    assert (info.name, info.title, info.chunks) == ("harbour.txt", "The Harbour of Vell", 3)

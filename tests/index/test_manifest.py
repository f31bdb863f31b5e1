"""A manifest that is valid JSON but wrongly shaped is a damaged index (index/manifest.py):
one error naming `python -m bot index` on ask and health, and `index` (repair) rebuilds it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.core.health import check_index
from index.errors import IndexCorruptError
from index.query import Retriever
from index.staleness import RebuildReason, current_index
from index.store import FORMAT_VERSION, load_index, read_manifest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"


def drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: manifest.pop(key)


def put(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: manifest.__setitem__(key, value)


SHAPES: dict[str, Callable[[dict[str, Any]], None]] = {
    "no calibration": drop("calibration"),
    "bad built_at": put("built_at", "last tuesday"),
    "built_at a number": put("built_at", 1700000000),
    "files a list": put("files", ["chunks.vectors.npy"]),
    "sources a string": put("sources", "seeds/a.txt"),
    "dimension negative": put("dimension", -3),
    "calibration of strings": put("calibration", {"null_mean": "a", "null_std": "b"}),
    "no model": drop("model"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("manifest")
    seeds = root / "seeds"
    seeds.mkdir()
    shutil.copy(FIXTURES / "field_notes.md", seeds / "field_notes.md")
    Retriever.open(seeds, root / "index")
    return seeds, root / "index"


@pytest.fixture(params=list(SHAPES))
def misshapen(request: pytest.FixtureRequest, built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the built index whose manifest has one wrongly shaped field."""
    seeds, index = built
    shutil.copytree(index, tmp_path / "index")
    path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(path.read_text())
    SHAPES[request.param](manifest)
    path.write_text(json.dumps(manifest))
    return seeds, tmp_path / "index"


def test_wrongly_shaped_manifest_is_a_damaged_index_on_ask(misshapen: tuple[Path, Path]) -> None:
    """Opening to answer raises IndexCorruptError naming manifest.json and `python -m bot index`, on one line."""
    seeds, index = misshapen
    with pytest.raises(IndexCorruptError, match=r"manifest\.json is wrongly shaped.*python -m bot index") as caught:
        Retriever.open(seeds, index)
    assert "\n" not in str(caught.value)


def test_wrongly_shaped_manifest_is_unhealthy_not_a_traceback(misshapen: tuple[Path, Path]) -> None:
    """The health check's index part raises the same one-line error (health prints it and exits 1)."""
    _, index = misshapen
    with pytest.raises(IndexCorruptError, match="python -m bot index"):
        check_index(index)


def test_index_repairs_a_wrongly_shaped_manifest(misshapen: tuple[Path, Path]) -> None:
    """`python -m bot index` (repair) rebuilds, and the result loads and answers."""
    seeds, index = misshapen
    messages: list[str] = []
    retriever = Retriever.open(seeds, index, repair=True, say=messages.append)
    assert any("damaged" in m and "building" in m for m in messages)
    assert "calibration" in read_manifest(index)
    load_index(index)
    assert retriever.ask("How many boats did Moreno count?").hits


def test_manifest_of_another_format_version_is_rebuilt_not_refused(built: tuple[Path, Path], tmp_path: Path) -> None:
    """An older format's manifest is only checked for what all versions share: ask rebuilds it as out of date."""
    seeds, index = built
    shutil.copytree(index, tmp_path / "index")
    path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({"format_version": 1, "content_hash": "old", "files": manifest["files"]}))
    messages: list[str] = []
    Retriever.open(seeds, tmp_path / "index", say=messages.append)
    assert any("made by another version of citebot (index format 1" in m and "building" in m for m in messages)


@pytest.mark.parametrize("version", [5, 7, None])
def test_an_index_of_another_format_is_said_to_be_one(tmp_path: Path, version: int | None) -> None:
    """After an upgrade the progress line said "out of date (sources or settings changed)", which they had not."""
    (tmp_path / "manifest.json").write_text(json.dumps({"format_version": version, "content_hash": "old", "files": {}}))
    why, stored = current_index(tmp_path, "new", repair=False)
    assert stored is None and why is not None and why.reason is RebuildReason.FORMAT
    assert (
        str(why) == f"made by another version of citebot (index format {version}, this version reads {FORMAT_VERSION})"
    )

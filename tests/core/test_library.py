"""The sources library: add, remove and list sources, with the index kept up to date (bot/core/library.py).

URLs are fetched from a web server of the test's own on 127.0.0.1 (with ALLOW_PRIVATE_URLS);
one test checks that the same address is refused by default. Every test that adds or
removes updates a real index, so the module is marked ``model``.
"""

from __future__ import annotations

import concurrent.futures
import errno
import hashlib
import os
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from bot.core.library import SourceInfo, add_sources, list_sources, remove_source
from bot.core.refusals import chat_reason
from bot.core.settings import Settings
from index.errors import AddSourceError, FetchError, IndexMissingError, RemoveSourceError, SourceEditError
from index.store import build_lock, read_manifest
from tests.pages import page_server

pytestmark = pytest.mark.model

FIRST = "The harbour of Vell was dredged in 1911, and the first steamer docked there that spring.\n"
SECOND = "Apple orchards cover the hills above Vell; the cider press opened in 1923.\n"

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.txt").write_text(FIRST, encoding="utf-8")
    (seeds / "orchards.txt").write_text(SECOND, encoding="utf-8")
    return Settings(_env_file=None, seeds_dir=seeds, index_dir=tmp_path / "index", allow_private_urls=True)  # type: ignore[call-arg]


@pytest.fixture
def site() -> Iterator[str]:
    with page_server() as base:
        yield base


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def ledger(settings: Settings) -> dict:
    return tomllib.loads((settings.seeds_dir / "titles.toml").read_text(encoding="utf-8"))


def test_add_a_local_file_records_it_and_indexes_it(settings: Settings, tmp_path: Path) -> None:
    new = tmp_path / "elsewhere" / "lighthouse.txt"
    new.parent.mkdir()
    new.write_text("The Vell lighthouse was painted red in 1987 by its keeper.\n", encoding="utf-8")
    said: list[str] = []
    [info] = add_sources(settings, [str(new)], say=said.append)
    assert info.name == "lighthouse.txt" and info.chunks == 1 and info.url is None and info.added is not None
    assert (settings.seeds_dir / "lighthouse.txt").read_bytes() == new.read_bytes()
    entry = ledger(settings)["lighthouse.txt"]
    assert entry["added_by"] == "python -m bot add"
    assert entry["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert [s.name for s in list_sources(settings)] == ["harbour.txt", "lighthouse.txt", "orchards.txt"]
    assert any("saved seeds/lighthouse.txt" in line for line in said)


def test_add_a_url_stores_the_page_with_its_address_and_time(settings: Settings, site: str) -> None:
    [info] = add_sources(settings, [f"{site}/moved"])  # a redirect, followed and checked
    assert info.name == "night-trains.html"
    assert info.url == f"{site}/travel/night-trains"  # the final address, as titles.toml records it
    assert info.title == "The night trains are back" and info.chunks > 0
    entry = ledger(settings)["night-trains.html"]
    assert entry["url"] == f"{site}/travel/night-trains"
    # TOML datetimes (fetched, then added): a rebuild needs no network.
    assert isinstance(entry["retrieved"], datetime) and entry["retrieved"] <= entry["added"]
    manifest = read_manifest(settings.index_dir)
    [page] = [s for s in manifest["sources"] if s["source"] == "seeds/night-trains.html"]
    assert page["url"] == f"{site}/travel/night-trains" and "retrieved" in page


def test_a_private_address_is_refused_by_default(settings: Settings, site: str) -> None:
    strict = settings.model_copy(update={"allow_private_urls": False})
    before = folder_bytes(settings.seeds_dir)
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a loopback address; set ALLOW_PRIVATE_URLS=true"):
        add_sources(strict, [f"{site}/travel/night-trains"])
    assert folder_bytes(settings.seeds_dir) == before


def test_one_bad_item_changes_nothing(settings: Settings, site: str, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("A good source about the Vell ferry.\n", encoding="utf-8")
    before = folder_bytes(settings.seeds_dir)
    with pytest.raises(FetchError, match="its content type is image/png"):
        add_sources(settings, [str(good), f"{site}/image.png"])
    with pytest.raises(AddSourceError, match=r"cannot add .*nowhere\.txt: no such file; check the path"):
        add_sources(settings, [str(good), str(tmp_path / "nowhere.txt")])
    with pytest.raises(AddSourceError, match=r"\.docx is not a source format; give a .txt, .md"):
        (tmp_path / "report.docx").write_bytes(b"PK")
        add_sources(settings, [str(tmp_path / "report.docx")])
    with pytest.raises(AddSourceError, match=r"it cannot be indexed: empty;"):
        (tmp_path / "blank.md").write_text("  \n", encoding="utf-8")
        add_sources(settings, [str(tmp_path / "blank.md")])
    # The reader's own reason keeps its brackets; the refusal adds none around it.
    scan = FIXTURES / "scanned.pdf"
    with pytest.raises(
        AddSourceError, match=r"it cannot be indexed: no text layer \(a scanned PDF\? run OCR"
    ) as refused:
        add_sources(settings, [str(scan)])
    assert "((" not in str(refused.value) and "))" not in str(refused.value)
    assert folder_bytes(settings.seeds_dir) == before
    assert not settings.index_dir.exists()  # nothing was built either


def test_a_name_taken_by_another_file_is_never_overwritten(settings: Settings, tmp_path: Path) -> None:
    other = tmp_path / "harbour.txt"
    other.write_text("Another harbour entirely: Ostby, rebuilt in 1950.\n", encoding="utf-8")
    said: list[str] = []
    [info] = add_sources(settings, [str(other)], say=said.append)
    assert info.name == "harbour-2.txt"
    assert (settings.seeds_dir / "harbour.txt").read_text(encoding="utf-8") == FIRST
    assert "seeds/harbour.txt exists and differs: adding as harbour-2.txt" in said
    [again] = add_sources(settings, [str(other)], say=said.append)  # the same bytes: nothing new
    assert again.name == "harbour-2.txt" and "seeds/harbour-2.txt is already there, unchanged" in said
    assert sorted(p.name for p in settings.seeds_dir.glob("harbour*")) == ["harbour-2.txt", "harbour.txt"]


def test_remove_deletes_only_what_add_wrote(settings: Settings, tmp_path: Path) -> None:
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    add_sources(settings, [str(new)])
    with pytest.raises(RemoveSourceError, match="not added by `python -m bot add`, so it is left alone; delete or"):
        remove_source(settings, "harbour.txt")
    assert (settings.seeds_dir / "harbour.txt").exists()
    with pytest.raises(RemoveSourceError, match="no indexed source has that name; `python -m bot sources` lists"):
        remove_source(settings, "nothing.txt")
    (settings.seeds_dir / "ferry.txt").write_text("Edited by hand since.\n", encoding="utf-8")
    with pytest.raises(RemoveSourceError, match="it was changed since `python -m bot add` wrote it"):
        remove_source(settings, "ferry.txt")
    (settings.seeds_dir / "ferry.txt").write_bytes(new.read_bytes())
    removed = remove_source(settings, "seeds/ferry.txt")
    assert isinstance(removed, SourceInfo) and removed.name == "ferry.txt" and removed.chunks == 1
    assert not (settings.seeds_dir / "ferry.txt").exists()
    assert "ferry.txt" not in ledger(settings)
    assert [s.name for s in list_sources(settings)] == ["harbour.txt", "orchards.txt"]


def test_remove_takes_a_title_only_when_one_source_has_it(settings: Settings, tmp_path: Path) -> None:
    """docs/sources.md: the exact title works as a name. A title two sources share names neither: the refusal
    says so and lists their names (it said "no indexed source has that name")."""
    texts = {
        "ferry.md": "# The Vell ferry\n\nIt sails twice a day in summer.\n",
        "ferry-fares.md": "# The Vell ferry\n\nA crossing costs two crowns.\n",
        "mill.md": "# The mill\n\nThe mill ground oats until 1960.\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    add_sources(settings, [str(tmp_path / name) for name in texts])
    with pytest.raises(RemoveSourceError) as refused:
        remove_source(settings, "The Vell ferry")
    assert str(refused.value).startswith("cannot remove The Vell ferry: more than one source has that title; give its")
    assert "ferry.md" in str(refused.value) and "ferry-fares.md" in str(refused.value)
    assert chat_reason(refused.value, "/sources") == str(refused.value)
    assert remove_source(settings, "the mill").name == "mill.md"
    assert sorted(s.name for s in list_sources(settings)) == [
        "ferry-fares.md",
        "ferry.md",
        "harbour.txt",
        "orchards.txt",
    ]


def test_a_failed_index_update_puts_the_seeds_back(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index write fails midway (the third file): the seeds folder, titles.toml and the index are as before."""
    add_sources(settings, [])  # builds the first index
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    seeds_before, index_before = folder_bytes(settings.seeds_dir), folder_bytes(settings.index_dir)
    real_save, saved = np.save, []

    def fail_on_third(path: object, array: np.ndarray, **kwargs: object) -> None:
        saved.append(path)
        if len(saved) == 3:
            raise OSError(28, "No space left on device")
        real_save(path, array, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(np, "save", fail_on_third)
    with pytest.raises(Exception, match="No space left on device"):
        add_sources(settings, [str(new)])
    assert len(saved) == 3
    assert folder_bytes(settings.seeds_dir) == seeds_before
    assert folder_bytes(settings.index_dir) == index_before


def test_list_without_an_index_names_the_fix(settings: Settings) -> None:
    with pytest.raises(IndexMissingError, match="run `python -m bot index` to build it"):
        list_sources(settings)


@pytest.fixture
def read_only_seeds(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The sources folder as a container's `:ro` mount shows it: nothing can be made in it (tests run as root,
    whom permission bits do not stop, so every file made there fails as EROFS does)."""
    real_mkstemp, real_unlink = tempfile.mkstemp, Path.unlink

    def mkstemp(*args: object, dir: object = None, **kwargs: object) -> object:
        if dir is not None and Path(str(dir)).resolve() == settings.seeds_dir.resolve():
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)  # type: ignore[call-overload]

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if path.parent.resolve() == settings.seeds_dir.resolve():
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(Path, "unlink", unlink)
    yield


def test_adding_to_a_read_only_sources_folder_is_one_line_and_changes_nothing(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """docker-compose.yml mounts ./seeds read-only: `add` (and a chat admin's /source add) ended in an OSError
    traceback from the temporary file."""
    add_sources(settings, [])  # the first index
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    seeds_before, index_before = folder_bytes(settings.seeds_dir), folder_bytes(settings.index_dir)
    request.getfixturevalue("read_only_seeds")
    with pytest.raises(SourceEditError) as caught:
        add_sources(settings, [str(new)])
    said = str(caught.value)
    assert said.startswith(
        f"cannot change {settings.seeds_dir}: the sources folder cannot be written (Read-only file system)"
    )
    assert "SEEDS_DIR" in said and "\n" not in said
    assert (
        chat_reason(caught.value)
        == "the bot cannot change its sources folder; whoever runs the bot can fix it (its log says how)"
    )
    assert folder_bytes(settings.seeds_dir) == seeds_before
    assert folder_bytes(settings.index_dir) == index_before


def test_removing_from_a_read_only_sources_folder_is_one_line_and_changes_nothing(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    add_sources(settings, [str(new)])
    seeds_before, index_before = folder_bytes(settings.seeds_dir), folder_bytes(settings.index_dir)
    request.getfixturevalue("read_only_seeds")
    with pytest.raises(SourceEditError, match="the sources folder cannot be written"):
        remove_source(settings, "ferry.txt")
    assert folder_bytes(settings.seeds_dir) == seeds_before
    assert folder_bytes(settings.index_dir) == index_before


def test_a_remove_waiting_for_another_process_build_says_so(settings: Settings, tmp_path: Path) -> None:
    """A remove while another process builds the index waits for its lock: it said nothing meanwhile,
    as add and index --full did before they said so too."""
    new = tmp_path / "ferry.txt"
    new.write_text("The Vell ferry sails twice a day in summer.\n", encoding="utf-8")
    add_sources(settings, [str(new)])
    said: list[str] = []
    waiting = threading.Event()

    def say(line: str) -> None:
        said.append(line)
        waiting.set()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        with build_lock(settings.index_dir):  # the other process's build
            removed = pool.submit(remove_source, settings, "ferry.txt", say=say)
            assert waiting.wait(timeout=60), "nothing was said while waiting for the lock"
        assert removed.result().name == "ferry.txt"
    assert said == [f"waiting for another process to finish building the index in {settings.index_dir} ..."]

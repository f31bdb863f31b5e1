"""The index on disk: manifest, staleness, damage, repair, atomic writes, skipped sources (index/store.py)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from index import store
from index.errors import IndexCorruptError, IndexMissingError, IndexStaleError, IndexWriteError, NoSourcesError
from index.query import Retriever
from index.sources import read_sources
from index.store import load_index, read_manifest, write_index

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
NEW_PARAGRAPH = "\n\nThe lighthouse keeper, Owen Marsh, painted the lamp room bright red in 1987.\n"


@dataclass
class Built:
    seeds: Path
    index: Path
    messages: list[str]


def open_index(seeds: Path, index: Path, **kwargs: object) -> tuple[Retriever, list[str]]:
    """Open (building when needed) and return the retriever with every message it said."""
    messages: list[str] = []
    retriever = Retriever.open(seeds, index, say=messages.append, **kwargs)  # type: ignore[arg-type]
    return retriever, messages


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Built:
    """A seeds folder with one document, a binary .txt and an empty .md, built once."""
    root = tmp_path_factory.mktemp("store")
    seeds = root / "seeds"
    seeds.mkdir()
    shutil.copy(FIXTURES / "field_notes.md", seeds / "field_notes.md")
    (seeds / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    (seeds / "empty.md").write_text("  \n\n", encoding="utf-8")
    _, messages = open_index(seeds, root / "index")
    return Built(seeds, root / "index", messages)


@pytest.fixture
def copy(built: Built, tmp_path: Path) -> Built:
    """A private copy of the built seeds and index, free to change or damage."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(built.seeds, seeds)
    shutil.copytree(built.index, index)
    return Built(seeds, index, [])


def test_first_open_builds_and_says_so(built: Built) -> None:
    """Opening with no index builds one and reports it through `say`."""
    assert any("building" in m for m in built.messages)
    assert any(m.startswith("index built in") for m in built.messages)


def test_manifest_records_model_settings_sources_and_files(built: Built) -> None:
    """manifest.json names the model, dimension, chunk size, content hash, format and every file's size."""
    manifest = read_manifest(built.index)
    assert manifest["model"] == "all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384
    assert manifest["chunk_tokens"] == 254
    assert len(manifest["content_hash"]) == 64
    assert isinstance(manifest["format_version"], int)
    assert set(manifest["files"]) >= {
        "chunks.vectors.npy",
        "sentences.vectors.npy",
        "quotes.vectors.npy",
        "chunks.jsonl",
        "quotes.jsonl",
    }
    for name, facts in manifest["files"].items():
        assert (built.index / name).stat().st_size == facts["bytes"]
    assert [s["source"] for s in manifest["sources"]] == ["seeds/field_notes.md"]


def test_second_open_loads_without_rebuilding(built: Built) -> None:
    """Unchanged sources and settings: no "building" message, and the same index is used."""
    before = read_manifest(built.index)["built_at"]
    retriever, messages = open_index(built.seeds, built.index)
    assert not any("building" in m for m in messages)
    assert read_manifest(built.index)["built_at"] == before
    assert retriever.info.documents == ("Field Notes from the Harbour",)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("photo.txt", "seeds/photo.txt: not UTF-8 text"), ("empty.md", "seeds/empty.md: empty")],
)
def test_binary_and_empty_sources_are_skipped_with_a_reason(built: Built, name: str, reason: str) -> None:
    """A binary .txt and a blank file are left out and `say` is told why."""
    assert reason in read_sources(built.seeds).skipped
    assert f"skipping {reason}" in built.messages


def test_utf8_file_with_nul_bytes_is_skipped_as_binary(tmp_path: Path) -> None:
    """Valid UTF-8 holding NUL bytes is binary content, not a document."""
    (tmp_path / "ok.txt").write_text("A real sentence.", encoding="utf-8")
    (tmp_path / "data.txt").write_bytes(b"abc\x00def")
    sources = read_sources(tmp_path)
    assert [d.source for d in sources.documents] == [f"{tmp_path.name}/ok.txt"]
    assert sources.skipped == (f"{tmp_path.name}/data.txt: binary content",)


@pytest.mark.parametrize("setup", ["empty", "missing", "only-unreadable"])
def test_no_readable_sources_raise_no_sources_error(tmp_path: Path, setup: str) -> None:
    """An empty, missing or all-unreadable seeds folder raises NoSourcesError naming `python -m bot index`."""
    seeds = tmp_path / "seeds"
    if setup != "missing":
        seeds.mkdir()
    if setup == "only-unreadable":
        (seeds / "empty.txt").write_text("")
        (seeds / "notes.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(NoSourcesError, match="python -m bot index"):
        Retriever.open(seeds, tmp_path / "index")


def test_changed_seed_rebuilds_and_answers_from_the_new_text(copy: Built) -> None:
    """Editing a source makes the next open rebuild (saying so) and the answer comes from the new paragraph."""
    with (copy.seeds / "field_notes.md").open("a", encoding="utf-8") as out:
        out.write(NEW_PARAGRAPH)
    retriever, messages = open_index(copy.seeds, copy.index)
    assert any("out of date" in m and "building" in m for m in messages)
    answer = retriever.ask("Who painted the lighthouse lamp room red?")
    assert not answer.abstained
    assert "Owen Marsh" in answer.hits[0].text


def test_changed_chunk_size_makes_the_index_stale(built: Built) -> None:
    """A different CHUNK_TOKENS is a settings change: with build=False it raises IndexStaleError."""
    with pytest.raises(IndexStaleError, match="python -m bot index"):
        Retriever.open(built.seeds, built.index, chunk_tokens=128, build=False)


def test_stale_index_with_build_false_raises_index_stale_error(copy: Built) -> None:
    """A changed source with build=False raises IndexStaleError and leaves the index alone."""
    (copy.seeds / "field_notes.md").write_text("# Other\n\nSomething else entirely.\n", encoding="utf-8")
    before = read_manifest(copy.index)
    with pytest.raises(IndexStaleError, match="python -m bot index"):
        Retriever.open(copy.seeds, copy.index, build=False)
    assert read_manifest(copy.index) == before


def test_missing_index_with_build_false_raises_index_missing_error(built: Built, tmp_path: Path) -> None:
    """No index and build=False raises IndexMissingError naming `python -m bot index`, creating nothing."""
    with pytest.raises(IndexMissingError, match="python -m bot index"):
        Retriever.open(built.seeds, tmp_path / "none", build=False)
    assert not (tmp_path / "none").exists()


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def scramble(path: Path) -> None:
    path.write_bytes(b"x" * path.stat().st_size)


DAMAGE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated chunks.vectors.npy": ("chunks.vectors.npy", truncate),
    "truncated chunks.jsonl": ("chunks.jsonl", truncate),
    "scrambled chunks.vectors.npy": ("chunks.vectors.npy", scramble),
    "scrambled chunks.jsonl": ("chunks.jsonl", scramble),
    "truncated manifest.json": ("manifest.json", truncate),
    "deleted quotes.jsonl": ("quotes.jsonl", Path.unlink),
    "truncated tokens.codes.npy": ("tokens.codes.npy", truncate),
    "truncated tokens.codebook.npy": ("tokens.codebook.npy", truncate),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_index_raises_index_corrupt_error_naming_the_fix(copy: Built, damage: str) -> None:
    """A truncated, scrambled or missing index file raises IndexCorruptError naming `python -m bot index`."""
    name, harm = DAMAGE[damage]
    harm(copy.index / name)
    with pytest.raises(IndexCorruptError, match="python -m bot index") as caught:
        Retriever.open(copy.seeds, copy.index)
    assert "\n" not in str(caught.value)


def test_same_size_edit_of_chunks_disagrees_with_the_manifest(copy: Built) -> None:
    """An edit that keeps chunks.jsonl's size still disagrees with the manifest's sha256: IndexCorruptError."""
    path = copy.index / "chunks.jsonl"
    data = path.read_bytes()
    assert b"forty-two boats" in data
    path.write_bytes(data.replace(b"forty-two boats", b"ninety-one cars", 1))
    with pytest.raises(IndexCorruptError, match="python -m bot index"):
        Retriever.open(copy.seeds, copy.index)


@pytest.mark.parametrize("damage", ["truncated chunks.vectors.npy"])
def test_repair_rebuilds_a_damaged_index(copy: Built, damage: str) -> None:
    """repair=True rebuilds over a damaged index, says why, and the result answers."""
    name, harm = DAMAGE[damage]
    harm(copy.index / name)
    retriever, messages = open_index(copy.seeds, copy.index, repair=True)
    assert any("damaged" in m and "building" in m for m in messages)
    load_index(copy.index)
    assert retriever.ask("How many boats did Moreno count?").hits[0].paragraph == 2


def assert_previous_index_is_whole(index: Path, manifest: dict[str, object]) -> None:
    assert read_manifest(index) == manifest
    load_index(index)
    leftovers = [p.name for p in index.parent.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]
    assert leftovers == []


def rewrite(index: Path) -> None:
    """Write the stored index again through write_index, as a build's last step does."""
    stored = load_index(index)
    manifest = {k: v for k, v in stored.manifest.items() if k not in {"files", "built_at", "format_version"}}
    manifest["content_hash"] = "changed"
    vectors = {
        "chunks.vectors.npy": stored.chunk_vectors,
        "sentences.vectors.npy": stored.sentence_vectors,
        "quotes.vectors.npy": stored.quote_vectors,
    }
    vectors["tokens.codes.npy"] = stored.token_vectors.codes
    vectors["tokens.codebook.npy"] = stored.token_vectors.codebook
    write_index(index, manifest, vectors, {"chunks.jsonl": stored.chunks, "quotes.jsonl": stored.quotes})


def test_rewrite_without_a_crash_replaces_the_index(copy: Built) -> None:
    """The write used by the crash tests below does replace the index when nothing fails."""
    rewrite(copy.index)
    assert read_manifest(copy.index)["content_hash"] == "changed"
    load_index(copy.index)


def test_crash_while_writing_vectors_leaves_the_previous_index_whole(
    copy: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing a vector file failing mid-write leaves the old index in place, loadable, with no temporary folder left."""
    before = read_manifest(copy.index)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store.np, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        rewrite(copy.index)
    monkeypatch.undo()
    assert_previous_index_is_whole(copy.index, before)


@pytest.mark.parametrize(
    "failing_call",
    [
        1,
        2,
    ],
)
def test_crash_while_swapping_folders_leaves_the_previous_index_whole(
    copy: Built, monkeypatch: pytest.MonkeyPatch, failing_call: int
) -> None:
    """os.replace failing at either step of the two-step swap (where the system cannot swap two
    folders in one step) leaves the old index at its place, loadable."""
    monkeypatch.setattr(store, "_exchange", lambda new, current: False)
    before = read_manifest(copy.index)
    real_replace = os.replace
    calls: list[tuple[object, object]] = []

    def flaky_replace(src: object, dst: object) -> None:
        calls.append((src, dst))
        if len(calls) == failing_call:
            raise OSError("simulated crash")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError, match="simulated crash"):
        rewrite(copy.index)
    monkeypatch.undo()
    assert_previous_index_is_whole(copy.index, before)


def test_index_files_are_inspectable_json_lines(built: Built) -> None:
    """chunks.jsonl holds one JSON object a line with source, paragraph and the verbatim text."""
    lines = (built.index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    text = (built.seeds / "field_notes.md").read_text(encoding="utf-8")
    assert records
    for record in records:
        assert record["source"] == "seeds/field_notes.md"
        assert text[record["start"] : record["end"]] == record["text"]


def test_sources_without_any_quotation_index_and_quote_nothing(tmp_path: Path, embedder: object) -> None:
    """A corpus with no quotation marks builds, answers, and `quotes` returns an empty list."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "rivers.md").write_text("# Rivers\n\nThe Loire is the longest river in France.\n\nIt floods in spring.\n")
    retriever, _ = open_index(seeds, tmp_path / "index")
    assert retriever.quotes("rivers").quotes == ()
    assert retriever.ask("Which is the longest river in France?").hits[0].paragraph == 2


def test_unwritable_index_folder_is_one_error_naming_index_dir(tmp_path: Path, embedder: object) -> None:
    """An INDEX_DIR that cannot be created gives IndexWriteError naming INDEX_DIR, not an OSError."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Alpha paragraph.\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexWriteError, match="INDEX_DIR"):
        open_index(seeds, blocker / "index")

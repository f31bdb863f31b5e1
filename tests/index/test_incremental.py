"""Incremental builds against full rebuilds: add, change and remove one document (index/incremental.py).

Each case builds a base index, changes the seeds folder, builds again from the base (the
incremental build) and, in another folder, from nothing (the full rebuild), then compares
them: records, dense vectors and calibration are identical, byte for byte; the documents left
alone keep their vectors from the base index byte for byte; only the changed document is
embedded. Token codes: with a float16 codec (a small corpus) they too equal the full
rebuild's; with a learnt codebook the incremental build keeps the base's codebook, so the new
document's codes are checked against that codebook encoding its fresh token vectors.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index import tokens
from index.build import build_index, chunk_input
from index.embed import Embedder
from index.incremental import document_hash
from index.sources import read_sources
from index.staleness import Build
from index.store import StoredIndex, load_index, settings_digest
from tests.prebuilt import Prebuilt

SQUAD = Path(__file__).resolve().parents[2] / "eval" / "squad" / "seeds"
NAMES = ("Amazon_rainforest.txt", "Black_Death.txt", "Packet_switching.txt", "Super_Bowl_50.txt")
PARAGRAPHS = 3  # of each article: enough for several chunks, quotations and sentences a document
CHUNK_TOKENS = 254


class Spy:
    """The real embedder, remembering every text it was asked to embed."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.name, self.dimension, self.max_tokens = embedder.name, embedder.dimension, embedder.max_tokens
        self.texts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return self._embedder.count_tokens(text)

    def offsets(self, text: str) -> list[tuple[int, int]]:
        return self._embedder.offsets(text)

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self._embedder.encode(texts, **kwargs)

    def encode_with_tokens(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self._embedder.encode_with_tokens(texts, **kwargs)


def write_seeds(folder: Path, names: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        paragraphs = (SQUAD / name).read_text(encoding="utf-8").split("\n\n")[:PARAGRAPHS]
        (folder / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


def build(seeds: Path, index: Path, embedder: object, previous: StoredIndex | None = None) -> StoredIndex:
    sources = read_sources(seeds)
    digest = settings_digest(sources.digest, "all-MiniLM-L6-v2", CHUNK_TOKENS)
    build_index(sources, embedder, index, digest, CHUNK_TOKENS, progress=False, previous=previous)  # type: ignore[arg-type]
    return load_index(index)


def file_bytes(index: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(index.iterdir())}


def rows_of(stored: StoredIndex, source: str) -> dict[str, bytes]:
    """One document's records' text and its rows of every dense array, as stored (float16 bytes)."""
    chunks = [i for i, c in enumerate(stored.chunks) if c["source"] == source]
    ends = np.cumsum([0, *(len(c["sentences"]) for c in stored.chunks)])
    sentences = [j for i in chunks for j in range(ends[i], ends[i + 1])]
    quotes = [i for i, q in enumerate(stored.quotes) if q["source"] == source]
    span = slice(stored.chunks[chunks[0]]["token_start"], stored.chunks[chunks[-1]]["token_end"])
    return {
        "chunks": stored.chunk_vectors[chunks].astype(np.float16).tobytes(),
        "sentences": stored.sentence_vectors[sentences].astype(np.float16).tobytes(),
        "quotes": stored.quote_vectors[quotes].astype(np.float16).tobytes(),
        "tokens": stored.token_vectors.codes[span].tobytes(),
    }


def assert_same_as_full(incremental: Path, full: Path, *, tokens_too: bool) -> None:
    a, b = file_bytes(incremental), file_bytes(full)
    for name in ("chunks.jsonl", "quotes.jsonl", "chunks.vectors.npy", "sentences.vectors.npy", "quotes.vectors.npy"):
        assert a[name] == b[name], name
    if tokens_too:
        assert a["tokens.codes.npy"] == b["tokens.codes.npy"]
        assert a["tokens.codebook.npy"] == b["tokens.codebook.npy"]
    ma, mb = load_index(incremental).manifest, load_index(full).manifest
    assert ma["calibration"] == mb["calibration"]
    assert ma["sources"] == mb["sources"]
    assert (ma["chunks"], ma["sentences"], ma["quotes"]) == (mb["chunks"], mb["sentences"], mb["quotes"])


Change = Callable[[Path], str]  # changes the seeds folder; returns the source cited that changed


def add(seeds: Path) -> str:
    write_seeds(seeds, ("Super_Bowl_50.txt",))
    return "seeds/Super_Bowl_50.txt"


def change(seeds: Path) -> str:
    path = seeds / "Black_Death.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing paragraph, said the editor.\n", "utf-8")
    return "seeds/Black_Death.txt"


def remove(seeds: Path) -> str:
    (seeds / "Packet_switching.txt").unlink()
    return "seeds/Packet_switching.txt"


def run_case(
    tmp_path: Path, embedder: Embedder, prebuilt: Prebuilt, what: Change
) -> tuple[Path, Path, StoredIndex, Spy, str]:
    seeds = write_seeds(tmp_path / "seeds", NAMES[:3])

    def build_base(home: Path) -> None:
        build(write_seeds(home / "seeds", NAMES[:3]), home / "base", embedder)

    # The base index is the same for every change: built once a run (for each token codec threshold).
    shared = prebuilt.made(f"incremental-base-{PARAGRAPHS}-{CHUNK_TOKENS}-{tokens.MIN_TOKENS}", build_base)
    shutil.copytree(shared / "base", tmp_path / "base")
    base = load_index(tmp_path / "base")
    changed = what(seeds)
    shutil.copytree(tmp_path / "base", tmp_path / "incremental")
    spy = Spy(embedder)
    build(seeds, tmp_path / "incremental", spy, previous=load_index(tmp_path / "incremental"))
    build(seeds, tmp_path / "full", embedder)
    return tmp_path / "incremental", tmp_path / "full", base, spy, changed


def embedded_sources(spy: Spy, stored: StoredIndex) -> set[str]:
    """Which documents' chunk texts the spy saw embedded (the calibration probes are no document's)."""
    by_text = {chunk_input(c["document"], c["text"]): c["source"] for c in stored.chunks}
    return {by_text[t] for t in spy.texts if t in by_text}


@pytest.mark.parametrize("what", [add, change, remove], ids=["add", "change", "remove"])
def test_small_corpus_equals_full_rebuild_byte_for_byte(
    tmp_path: Path, embedder: Embedder, prebuilt: Prebuilt, what: Change
) -> None:
    """A corpus under MIN_TOKENS keeps float16 token vectors: everything equals the full rebuild."""
    incremental, full, base, spy, changed = run_case(tmp_path, embedder, prebuilt, what)
    assert load_index(full).manifest["tokens"]["codec"] == "float16"
    assert_same_as_full(incremental, full, tokens_too=True)
    now = load_index(incremental)
    assert embedded_sources(spy, now) == ({changed} if what is not remove else set())
    for source in {c["source"] for c in base.chunks} - {changed}:
        assert rows_of(now, source) == rows_of(base, source), source  # reused, byte for byte


@pytest.mark.parametrize("what", [add, change, remove], ids=["add", "change", "remove"])
def test_learnt_codebook_is_kept(
    tmp_path: Path, embedder: Embedder, prebuilt: Prebuilt, what: Change, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a learnt codebook (MIN_TOKENS lowered so these few paragraphs learn one) the dense
    vectors, records and calibration still equal the full rebuild's; the token codebook is the
    base's, the reused documents' codes are the base's, and the changed one's are that codebook's
    encoding of its token vectors."""
    monkeypatch.setattr(tokens, "MIN_TOKENS", 300)
    incremental, full, base, spy, changed = run_case(tmp_path, embedder, prebuilt, what)
    now = load_index(incremental)
    assert now.manifest["tokens"]["codec"] == "pq32x8"
    assert_same_as_full(incremental, full, tokens_too=False)
    assert embedded_sources(spy, now) == ({changed} if what is not remove else set())
    assert file_bytes(incremental)["tokens.codebook.npy"] == file_bytes(tmp_path / "base")["tokens.codebook.npy"]
    for source in {c["source"] for c in base.chunks} - {changed}:
        assert rows_of(now, source) == rows_of(base, source), source
    if what is not remove:
        codec = tokens.TokenCodec.from_codebook(base.token_vectors.codebook, base.manifest["dimension"])
        mine = [c for c in now.chunks if c["source"] == changed]
        _, token_rows = embedder.encode_with_tokens([chunk_input(c["document"], c["text"]) for c in mine])
        expected = np.concatenate([codec.encode(rows) for rows in token_rows])
        assert now.token_vectors.codes[mine[0]["token_start"] : mine[-1]["token_end"]].tobytes() == expected.tobytes()


def test_embedding_is_batch_invariant(embedder: Embedder) -> None:
    """What reuse rests on: a text's vectors do not depend on the texts embedded with it."""
    texts = (SQUAD / NAMES[0]).read_text("utf-8")
    paragraphs = [p for p in texts.split("\n\n") if p.strip()][:12]
    together, rows_together = embedder.encode_with_tokens(paragraphs)
    for i in (0, 5, 11):
        alone, rows_alone = embedder.encode_with_tokens([paragraphs[i]])
        assert alone[0].tobytes() == together[i].tobytes()
        assert rows_alone[0].tobytes() == rows_together[i].tobytes()


def test_document_hash_covers_title_and_metadata(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path / "seeds", NAMES[:1])
    before = document_hash(read_sources(seeds).documents[0])
    (seeds / "titles.toml").write_text('"Amazon_rainforest.txt" = "The Amazon"\n', encoding="utf-8")
    titled = document_hash(read_sources(seeds).documents[0])
    (seeds / "titles.toml").write_text('["Amazon_rainforest.txt"]\nurl = "https://example.org/a"\n', "utf-8")
    linked = document_hash(read_sources(seeds).documents[0])
    assert len({before, titled, linked}) == 3


def test_a_failed_build_leaves_the_index_as_it_was(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that fails midway through writing its files leaves every file of the index as it was."""
    seeds = write_seeds(tmp_path / "seeds", NAMES[:2])
    index = tmp_path / "index"
    build(seeds, index, embedder)
    before = file_bytes(index)
    write_seeds(seeds, NAMES[2:3])
    real_save = np.save
    saved: list[str] = []

    def fail_on_third(path: object, array: np.ndarray, **kwargs: object) -> None:
        saved.append(str(path))
        if len(saved) == 3:
            raise OSError(28, "No space left on device")
        real_save(path, array, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(np, "save", fail_on_third)
    with pytest.raises(OSError, match="No space left"):
        build(seeds, index, embedder, previous=load_index(index))
    assert len(saved) == 3  # it failed midway, two files already written
    assert file_bytes(index) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "seeds"]  # no temporary folder left


def test_a_damaged_previous_index_is_built_in_full(
    tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    """Reuse starts from an index read back whole (its hashes checked): from a damaged one, nothing is
    reused. The log says why, not to run the build that is running."""
    seeds = write_seeds(tmp_path / "seeds", NAMES[:2])
    index = tmp_path / "index"
    build(seeds, index, embedder)
    with (index / "chunks.vectors.npy").open("r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\x00\x01\x02\x03")
    write_seeds(seeds, NAMES[2:3])
    sources = read_sources(seeds)
    spy, said = Spy(embedder), []
    digest = settings_digest(sources.digest, "all-MiniLM-L6-v2", CHUNK_TOKENS)
    with caplog.at_level("INFO", logger="index.staleness"):
        Build(sources, spy, index, digest, CHUNK_TOKENS).run(progress=False, say=said.append)  # type: ignore[arg-type]
    assert embedded_sources(spy, load_index(index)) == {f"seeds/{name}" for name in NAMES[:3]}
    assert said == []  # nothing to reuse: no "reused" line
    logged = [r.getMessage() for r in caplog.records if r.name == "index.staleness"]
    assert len(logged) == 1 and "cannot be reused (" in logged[0] and "python -m bot index" not in logged[0]


def test_a_first_build_logs_that_there_is_no_index_yet(
    tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = write_seeds(tmp_path / "seeds", NAMES[:1])
    sources = read_sources(seeds)
    digest = settings_digest(sources.digest, "all-MiniLM-L6-v2", CHUNK_TOKENS)
    with caplog.at_level("INFO", logger="index.staleness"):
        Build(sources, embedder, tmp_path / "index", digest, CHUNK_TOKENS).run(progress=False)
    logged = [r.getMessage() for r in caplog.records if r.name == "index.staleness"]
    assert logged == [f"building in full: no index in {tmp_path / 'index'} yet"]

"""The index on disk (the only module that touches disk).

An index is a folder anyone can inspect::

    manifest.json    format version, model, dimension, settings, source hashes, file sizes, build time
    index.faiss      one vector a chunk (inner product over unit vectors = cosine)
    sentences.faiss  one vector a sentence
    quotes.faiss     one vector a quotation
    tokens.npy       the chunks' contextual token vectors (float16), for late-interaction scoring
    chunks.jsonl     the chunks, one JSON object a line, row i = vector i
    quotes.jsonl     the quotations, likewise

It is written into a temporary folder beside the target and renamed into place,
so a crash mid-build leaves the previous index whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.documents import SOURCE_SUFFIXES, Document
from index.errors import IndexCorruptError, IndexMissingError, NoSourcesError
from index.flatfile import read_flat, write_flat
from index.formats import Entry, Unreadable, parse_titles, read_document

log = logging.getLogger(__name__)

FORMAT_VERSION = 4  # 4: records may carry a page and a url
MANIFEST = "manifest.json"
TITLES_FILE = "titles.toml"
VECTOR_FILES = ("index.faiss", "sentences.faiss", "quotes.faiss")
RECORD_FILES = ("chunks.jsonl", "quotes.jsonl")
ARRAY_FILES = ("tokens.npy",)
ALL_FILES = (*VECTOR_FILES, *ARRAY_FILES, *RECORD_FILES)


@dataclass(frozen=True)
class Sources:
    """The documents of a seeds folder, and what was skipped and why."""

    documents: tuple[Document, ...]
    skipped: tuple[str, ...]
    digest: str  # sha256 over every file's name and bytes, and the titles file


def _cite_path(seeds_dir: Path, path: Path) -> str:
    # Cite as "seeds/<file>" whatever SEEDS_DIR is, so citations read the same everywhere.
    return f"{seeds_dir.name}/{path.relative_to(seeds_dir).as_posix()}"


def read_sources(seeds_dir: Path) -> Sources:
    """Read every source file (.txt, .md, .html, .htm, .pdf) under ``seeds_dir``.

    A file that cannot be read as its format (a binary dropped in by mistake, a damaged or
    scanned PDF, a page without an article) is skipped with a reason, never fatal.
    ``titles.toml`` in the folder may give titles and metadata by file name (index/formats).

    Raises:
        NoSourcesError: the folder is missing or holds no readable document.
    """
    if not seeds_dir.is_dir():
        raise NoSourcesError(seeds_dir)
    titles: dict[str, Entry] = {}
    digest = hashlib.sha256()
    titles_path = seeds_dir / TITLES_FILE
    if titles_path.is_file():
        raw = titles_path.read_bytes()
        digest.update(b"titles\0" + raw)
        try:
            titles = parse_titles(raw)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            log.warning("ignoring %s: %s", titles_path, error)
    documents: list[Document] = []
    skipped: list[str] = []
    for path in sorted(p for p in seeds_dir.rglob("*") if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES):
        if any(part.startswith(".") for part in path.relative_to(seeds_dir).parts):
            continue
        cited = _cite_path(seeds_dir, path)
        raw = path.read_bytes()
        digest.update(cited.encode() + b"\0" + hashlib.sha256(raw).digest())
        try:
            documents.append(read_document(cited, raw, titles.get(path.relative_to(seeds_dir).as_posix())))
        except Unreadable as reason:
            skipped.append(f"{cited}: {reason}")
    if not documents:
        raise NoSourcesError(seeds_dir)
    return Sources(tuple(documents), tuple(skipped), digest.hexdigest())


def settings_digest(sources_digest: str, model: str, chunk_tokens: int) -> str:
    """The content hash that decides staleness: sources, model and chunking settings, format."""
    key = json.dumps([FORMAT_VERSION, sources_digest, model, chunk_tokens])
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class StoredIndex:
    """An index as read back from disk."""

    manifest: dict[str, Any]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    quote_vectors: np.ndarray
    chunks: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    token_vectors: np.ndarray


def write_index(
    index_dir: Path,
    manifest: dict[str, Any],
    vectors: dict[str, np.ndarray],
    records: dict[str, list[dict[str, Any]]],
) -> None:
    """Write a complete index into a temporary folder, then swap it into ``index_dir``."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name.lstrip('.')}.tmp-", dir=index_dir.parent))
    try:
        files: dict[str, dict[str, Any]] = {}
        for name in VECTOR_FILES:
            matrix = np.asarray(vectors[name], dtype=np.float32).reshape(-1, manifest["dimension"])
            write_flat(tmp / name, matrix)
        for name in ARRAY_FILES:
            np.save(tmp / name, np.ascontiguousarray(vectors[name], dtype=np.float16), allow_pickle=False)
        for name in RECORD_FILES:
            with (tmp / name).open("w", encoding="utf-8") as out:
                for record in records[name]:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        for name in ALL_FILES:
            files[name] = {"bytes": (tmp / name).stat().st_size, "sha256": _sha256(tmp / name)}
        manifest = {
            **manifest,
            "format_version": FORMAT_VERSION,
            "files": files,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for path in tmp.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        old = None
        if index_dir.exists():
            old = index_dir.with_name(f".{index_dir.name.lstrip('.')}.old-{os.getpid()}")
            os.replace(index_dir, old)
        try:
            os.replace(tmp, index_dir)
        except BaseException:
            if old is not None:  # put the previous index back: it is still whole
                os.replace(old, index_dir)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest alone (cheap: for staleness checks and health checks).

    Raises:
        IndexMissingError: there is no index there.
        IndexCorruptError: the manifest is unreadable.
    """
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexCorruptError(index_dir, f"{MANIFEST} is unreadable: {type(error).__name__}") from None
    if not isinstance(manifest, dict):
        raise IndexCorruptError(index_dir, f"{MANIFEST} is not a JSON object")
    return manifest


def check_files(index_dir: Path, manifest: dict[str, Any], *, hashes: bool = False) -> None:
    """Check every file the manifest lists is there with its recorded size (a truncated copy
    fails) and, with ``hashes``, its recorded sha256 (any edit fails)."""
    for name in ALL_FILES:
        expected = manifest.get("files", {}).get(name, {}).get("bytes")
        path = index_dir / name
        if not path.is_file():
            raise IndexCorruptError(index_dir, f"{name} is missing")
        if expected is not None and path.stat().st_size != expected:
            raise IndexCorruptError(index_dir, f"{name} has {path.stat().st_size} bytes, the manifest says {expected}")
        digest = manifest.get("files", {}).get(name, {}).get("sha256")
        if hashes and digest is not None and _sha256(path) != digest:
            raise IndexCorruptError(index_dir, f"{name} differs from what the manifest recorded")


def load_index(index_dir: Path) -> StoredIndex:
    """Read an index back, checking it is whole.

    Raises:
        IndexMissingError: no index there.
        IndexCorruptError: a file is missing, truncated, unreadable, or disagrees with the manifest.
    """
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            index_dir, f"format version {manifest.get('format_version')}, expected {FORMAT_VERSION}"
        )
    check_files(index_dir, manifest, hashes=True)
    try:
        vectors = {name: read_flat(index_dir / name) for name in VECTOR_FILES}
        records = {name: _read_jsonl(index_dir / name) for name in RECORD_FILES}
        token_vectors = np.load(index_dir / "tokens.npy", allow_pickle=False).astype(np.float32)
    except (RuntimeError, OSError, ValueError, UnicodeDecodeError) as error:
        raise IndexCorruptError(index_dir, f"{type(error).__name__}: {str(error).splitlines()[0][:120]}") from None
    if len(vectors["index.faiss"]) != len(records["chunks.jsonl"]) or len(vectors["quotes.faiss"]) != len(
        records["quotes.jsonl"]
    ):
        raise IndexCorruptError(index_dir, "vector and record counts differ")
    n_sentences = sum(len(c["sentences"]) for c in records["chunks.jsonl"])
    if len(vectors["sentences.faiss"]) != n_sentences:
        raise IndexCorruptError(index_dir, "sentence vectors and sentences differ in number")
    if len(token_vectors) != (records["chunks.jsonl"][-1]["token_end"] if records["chunks.jsonl"] else 0):
        raise IndexCorruptError(index_dir, "token vectors and chunks differ in number")
    for matrix in (*vectors.values(), token_vectors):
        if len(matrix) and matrix.shape[1] != manifest.get("dimension"):
            raise IndexCorruptError(index_dir, "vectors are not of the manifest's dimension")
    return StoredIndex(
        manifest,
        vectors["index.faiss"],
        vectors["sentences.faiss"],
        vectors["quotes.faiss"],
        records["chunks.jsonl"],
        records["quotes.jsonl"],
        token_vectors,
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock while building, so two processes never build the same index at once."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.with_name(f".{index_dir.name.lstrip('.')}.lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

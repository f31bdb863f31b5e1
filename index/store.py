"""The index on disk (the only module that touches disk).

An index is a folder anyone can inspect::

    manifest.json          format version, model, dimension, settings, source hashes, file sizes, build time
    chunks.vectors.npy     one unit vector a chunk, float16 (inner product = cosine)
    sentences.vectors.npy  one vector a sentence, likewise
    quotes.vectors.npy     one vector a quotation, likewise
    tokens.codes.npy       the chunks' contextual token vectors, compressed (index/tokens.py), and
    tokens.codebook.npy    the centroids to decode them, for late-interaction scoring
    citebot-build.json     the build marker: which process built it (index/location.py)
    chunks.jsonl           the chunks, one JSON object a line, row i = vector i
    quotes.jsonl           the quotations, likewise

It is written into a temporary folder beside the target and swapped into place in one step
(two renames where the system cannot), so a crash mid-build leaves the previous index whole
and a crash mid-swap leaves one of the two.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index import location
from index import manifest as manifest_schema
from index.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from index.tokens import TokenStore

log = logging.getLogger(__name__)

# 4: records carry page and url; 5: float16 .npy vectors, compressed token vectors, a build marker;
# 6: sentences, quotations and rules ("---") read anew (an incremental build would keep old records)
FORMAT_VERSION = 6
MANIFEST = "manifest.json"
VECTOR_FILES = ("chunks.vectors.npy", "sentences.vectors.npy", "quotes.vectors.npy")  # float16, np.save
RECORD_FILES = ("chunks.jsonl", "quotes.jsonl")
ARRAY_FILES = ("tokens.codes.npy", "tokens.codebook.npy")  # index/tokens.py
ALL_FILES = (*VECTOR_FILES, *ARRAY_FILES, *RECORD_FILES)


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
    token_vectors: TokenStore


def write_index(
    index_dir: Path,
    manifest: dict[str, Any],
    vectors: dict[str, np.ndarray],
    records: dict[str, list[dict[str, Any]]],
) -> None:
    """Write a complete index into a temporary folder, then swap it into ``index_dir``.

    Raises:
        IndexLocationError: ``index_dir`` exists and is not an index folder of citebot's
            (nothing is written then).
    """
    index_dir = location.real(index_dir)
    location.check_replaceable(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    location.remove_leftovers(index_dir)
    tmp = location.build_folder(index_dir)
    try:
        location.mark(tmp)  # first, so a killed build's folder is known to be ours
        files = _write_files(tmp, manifest["dimension"], vectors, records)
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
        if index_dir.exists():
            # The previous index is about to become this build's temporary folder: marked as this
            # process's, a kill before it is deleted leaves it for the next build to remove.
            location.mark(index_dir)
            if _exchange(tmp, index_dir):
                return  # tmp now holds the previous index, deleted below
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


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV})


@functools.cache
def _renameat2() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # not Linux, or a C library before glibc 2.28
        return None


def _exchange(new: Path, current: Path) -> bool:
    """Swap two folders in one step (Linux's ``renameat2(RENAME_EXCHANGE)``), so ``current``
    always holds a whole index: a build killed between two renames would leave none, and a
    process looking in between would find none. False where the system or the file system
    cannot (then the caller renames in two steps, as before)."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(current))


def _write_files(
    folder: Path, dimension: int, vectors: dict[str, np.ndarray], records: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Write every vector, array and record file into ``folder``; their sizes and sha256."""
    for name in VECTOR_FILES:
        # float16 halves the largest files (a sentence vector is about 12x its sentence at float32)
        # and moves a unit vector's cosines by about 1e-4 (docs/retrieval.md).
        matrix = np.asarray(vectors[name], dtype=np.float32).reshape(-1, dimension)
        np.save(folder / name, matrix.astype(np.float16), allow_pickle=False)
    for name in ARRAY_FILES:
        np.save(folder / name, np.ascontiguousarray(vectors[name]), allow_pickle=False)
    for name in RECORD_FILES:
        with (folder / name).open("w", encoding="utf-8") as out:
            for record in records[name]:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {name: {"bytes": (folder / name).stat().st_size, "sha256": _sha256(folder / name)} for name in ALL_FILES}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest alone (cheap: for staleness checks and health checks), its shape checked.

    Raises:
        IndexMissingError: there is no index there.
        IndexCorruptError: the manifest is unreadable or wrongly shaped (index/manifest.py).
    """
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexCorruptError(index_dir, f"{MANIFEST} is unreadable: {type(error).__name__}") from None
    wrong = manifest_schema.problem(manifest, FORMAT_VERSION)
    if wrong is not None:
        raise IndexCorruptError(index_dir, f"{MANIFEST} is wrongly shaped ({wrong})")
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
        IndexMissingError: no index there. IndexStaleError: another citebot version's format.
        IndexCorruptError: a file is missing, truncated, unreadable, or disagrees with the manifest.
    """
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:  # whole, but another citebot's (an upgrade under way)
        version = f"index format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}"
        raise IndexStaleError(index_dir, f"made by another version of citebot: {version}")
    check_files(index_dir, manifest, hashes=True)
    try:
        vectors = {name: _read_vectors(index_dir / name) for name in VECTOR_FILES}
        records = {name: _read_jsonl(index_dir / name) for name in RECORD_FILES}
        token_vectors = TokenStore(*(np.load(index_dir / name, allow_pickle=False) for name in ARRAY_FILES))
    except (RuntimeError, OSError, ValueError, UnicodeDecodeError) as error:
        raise IndexCorruptError(index_dir, f"{type(error).__name__}: {str(error).splitlines()[0][:120]}") from None
    if len(vectors["chunks.vectors.npy"]) != len(records["chunks.jsonl"]) or len(vectors["quotes.vectors.npy"]) != len(
        records["quotes.jsonl"]
    ):
        raise IndexCorruptError(index_dir, "vector and record counts differ")
    n_sentences = sum(len(c["sentences"]) for c in records["chunks.jsonl"])
    if len(vectors["sentences.vectors.npy"]) != n_sentences:
        raise IndexCorruptError(index_dir, "sentence vectors and sentences differ in number")
    if len(token_vectors) != (records["chunks.jsonl"][-1]["token_end"] if records["chunks.jsonl"] else 0):
        raise IndexCorruptError(index_dir, "token vectors and chunks differ in number")
    if len(token_vectors) and token_vectors.dimension != manifest.get("dimension"):
        raise IndexCorruptError(index_dir, "token vectors are not of the manifest's dimension")
    for matrix in vectors.values():
        if len(matrix) and matrix.shape[1] != manifest.get("dimension"):
            raise IndexCorruptError(index_dir, "vectors are not of the manifest's dimension")
    return StoredIndex(
        manifest,
        vectors["chunks.vectors.npy"],
        vectors["sentences.vectors.npy"],
        vectors["quotes.vectors.npy"],
        records["chunks.jsonl"],
        records["quotes.jsonl"],
        token_vectors,
    )


def _read_vectors(path: Path) -> np.ndarray:
    # Ranking multiplies them by the question's vector: float32, which BLAS computes with.
    return np.load(path, allow_pickle=False).astype(np.float32)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _lock_path(index_dir: Path) -> Path:
    return index_dir.with_name(f".{index_dir.name.lstrip('.')}.lock")


def build_running(index_dir: Path) -> bool:
    """Whether a process holds the build lock now (a build or ``bot add`` is under way); never waits."""
    try:
        with _lock_path(index_dir).open("rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:  # no lock file yet (nothing was ever built here) or unreadable: no build known
        return False
    return False


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock while building, so two processes never build the same index at once."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with _lock_path(index_dir).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""The index's vector files without FAISS (index/flatfile.py): byte for byte what FAISS writes and reads."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from index.flatfile import read_flat, write_flat


@pytest.mark.parametrize("rows", [0, 1, 7])
def test_files_are_byte_for_byte_those_faiss_writes_and_read_both_ways(rows: int, tmp_path: Path) -> None:
    """write_flat gives FAISS's own bytes; read_flat reads FAISS's file, and FAISS reads ours."""
    matrix = np.random.default_rng(rows).standard_normal((rows, 5)).astype(np.float32)
    flat = faiss.IndexFlatIP(5)
    if rows:
        flat.add(matrix)
    faiss.write_index(flat, str(tmp_path / "theirs.faiss"))
    write_flat(tmp_path / "ours.faiss", matrix)
    assert (tmp_path / "ours.faiss").read_bytes() == (tmp_path / "theirs.faiss").read_bytes()
    np.testing.assert_array_equal(read_flat(tmp_path / "theirs.faiss"), matrix)
    back = faiss.read_index(str(tmp_path / "ours.faiss"))
    assert (back.ntotal, back.d) == (rows, 5)
    if rows:
        np.testing.assert_array_equal(back.reconstruct_n(0, rows), matrix)


def test_a_cut_or_foreign_file_is_a_value_error(tmp_path: Path) -> None:
    """A file cut short, with bytes added, or of another index kind raises ValueError (the store's "damaged")."""
    write_flat(tmp_path / "v.faiss", np.ones((3, 4), np.float32))
    data = (tmp_path / "v.faiss").read_bytes()
    for bad in (data[:20], data[:-4], data + b"\0\0\0\0", b"IxF2" + data[4:]):
        (tmp_path / "bad.faiss").write_bytes(bad)
        with pytest.raises(ValueError):
            read_flat(tmp_path / "bad.faiss")

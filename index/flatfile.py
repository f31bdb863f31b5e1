"""The index's ``.faiss`` vector files, read and written with numpy alone.

A FAISS ``IndexFlatIP`` file is a short header and the vectors as float32 rows. Serving
only ever reads them whole, so 66 MB of FAISS and its BLAS have no place in the runtime
image; the files stay byte for byte what ``faiss.write_index`` writes (the tests check
both ways), so FAISS still reads them, as the benchmark's dense baseline does.

Layout (little-endian): ``b"IxFI"``, d (int32), ntotal (int64), two unused int64 fields
(1 << 20 each), is_trained (1 byte), metric (int32, 0 = inner product), then the vectors:
their size in 4-byte words (uint64) and ntotal * d float32 values.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_MAGIC = b"IxFI"
_HEADER = struct.Struct("<4siqqqBiQ")
_UNUSED = 1 << 20
_INNER_PRODUCT = 0


def write_flat(path: Path, matrix: np.ndarray) -> None:
    """Write ``matrix`` (rows of float32) as a FAISS IndexFlatIP file at ``path``."""
    rows = np.ascontiguousarray(matrix, dtype="<f4")
    n, d = rows.shape
    header = _HEADER.pack(_MAGIC, d, n, _UNUSED, _UNUSED, 1, _INNER_PRODUCT, rows.size)
    with path.open("wb") as out:
        out.write(header)
        out.write(rows.tobytes())


def read_flat(path: Path) -> np.ndarray:
    """The vectors of a FAISS IndexFlatIP file, shape ``(ntotal, d)``, float32.

    Raises:
        ValueError: the file is not an inner-product flat index, or it is cut short or too long.
        OSError: it cannot be read.
    """
    data = path.read_bytes()
    if len(data) < _HEADER.size:
        raise ValueError(f"{path.name} is {len(data)} bytes, shorter than its header")
    magic, d, n, _, _, _, metric, words = _HEADER.unpack_from(data)
    if magic != _MAGIC or metric != _INNER_PRODUCT:
        raise ValueError(f"{path.name} is not a flat inner-product index")
    if d < 0 or n < 0 or words != n * d or len(data) != _HEADER.size + 4 * words:
        raise ValueError(f"{path.name} holds {len(data) - _HEADER.size} bytes of vectors, not {n} x {d}")
    return np.frombuffer(data, dtype="<f4", offset=_HEADER.size).reshape(n, d).astype(np.float32)

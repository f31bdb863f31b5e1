"""Serving's layout of the export: weights mapped from a file of their own, and one session of a
thread per core that every caller shares. Both must give the bytes the plain export gives."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.embed import Embedder
from index.onnx_backend import OnnxBackend
from index.onnx_cache import onnx_folder
from index.onnx_serving import DATA, serving_model, split_weights
from tests.index.test_onnx import eval_texts

pytestmark = pytest.mark.model

TEXTS = [
    "Why did IBM quit facial recognition?",
    "What did Arvind Krishna send to Congress?",
    "IBM will no longer offer general purpose facial recognition or analysis software.",
    "How do I bake sourdough bread?",
]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled export with its weights inside model.onnx, as index.export writes it."""
    import onnx  # the export's own tool (requirements-build.txt)

    folder = tmp_path_factory.mktemp("whole") / "model"
    shutil.copytree(onnx_folder(None), folder, ignore=shutil.ignore_patterns("model.onnx", DATA))
    onnx.save(onnx.load(onnx_folder(None) / "model.onnx"), folder / "model.onnx")  # every weight inside
    assert (folder / "model.onnx").stat().st_size > 80_000_000
    return folder


@pytest.fixture(scope="module")
def export(whole: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of it in a folder of this test module's own, its weights split off as the export does."""
    folder = tmp_path_factory.mktemp("export") / "model"
    shutil.copytree(whole, folder)
    split_weights(folder / "model.onnx")
    return folder


def test_the_export_writes_the_weights_to_a_file_of_their_own() -> None:
    """What `make` exported: a small graph and its weights beside it, mapped when loaded."""
    folder = onnx_folder(None)
    assert (folder / "model.onnx").stat().st_size < 1_000_000 and (folder / DATA).stat().st_size > 80_000_000
    assert serving_model(folder) == (folder / "model.onnx", True)
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no work folder left


def test_an_export_written_whole_is_loaded_whole_and_left_as_it_is(whole: Path) -> None:
    """An export of an older citebot (every weight inside model.onnx) still serves, and loading
    writes nothing."""
    before = {p.name: p.stat().st_mtime_ns for p in whole.iterdir()}
    assert serving_model(whole) == (whole / "model.onnx", False)
    backend = OnnxBackend(whole, threads=1, workers=2)
    assert backend._run(TEXTS[:1])[1].shape == (1, 384)
    assert {p.name: p.stat().st_mtime_ns for p in whole.iterdir()} == before


def test_the_mapped_model_and_the_shared_session_give_the_same_bytes(
    export: Path, whole: Path, embedder: Embedder
) -> None:
    """The export loaded whole on one thread (what built every index before) against the mapped
    one: every eval text in batches, and one text at a time on a session of two threads (two
    cores of a thread each)."""
    shared = Embedder(threads=1, workers=2)
    assert shared._backend._session.get_session_options().intra_op_num_threads == 2  # type: ignore[attr-defined]
    mapped = OnnxBackend(export, threads=1)
    plain = OnnxBackend(whole, threads=1)
    texts = eval_texts()
    for start in range(0, len(texts), 32):
        assert np.array_equal(plain._run(texts[start : start + 32])[0], mapped._run(texts[start : start + 32])[0])
    for text in TEXTS:
        assert np.array_equal(plain._run([text])[0], shared._backend._run([text])[0])  # type: ignore[attr-defined]
    ours = [shared.encode_with_tokens([t]) for t in TEXTS]
    theirs = [embedder.encode_with_tokens([t]) for t in TEXTS]
    for (a, a_tokens), (b, b_tokens) in zip(ours, theirs, strict=True):
        assert np.array_equal(a, b)
        assert all(np.array_equal(x, y) for x, y in zip(a_tokens, b_tokens, strict=True))
    assert np.array_equal(shared.encode(TEXTS, batch_size=2), embedder.encode(TEXTS, batch_size=2))


def test_calls_made_together_on_the_shared_session_give_the_bytes_of_calls_made_alone(export: Path) -> None:
    """Two workers in the model at once share its two threads; each still gets what one thread gives."""
    shared = OnnxBackend(export, threads=1, workers=2)
    alone = OnnxBackend(export, threads=1)
    jobs = [[text] for text in TEXTS] * 8 + [TEXTS[:2], TEXTS[1:]] * 4
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(shared._run, jobs))
    for job, (hidden, pooled, lengths) in zip(jobs, together, strict=True):
        expected = alone._run(job)
        assert np.array_equal(hidden, expected[0]) and np.array_equal(pooled, expected[1])
        assert np.array_equal(lengths, expected[2])

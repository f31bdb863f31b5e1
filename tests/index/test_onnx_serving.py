"""Serving's layout of the export: weights mapped from a file of their own, and a second session
for a question asked alone. Both must give the bytes the plain export gives."""

from __future__ import annotations

import shutil
import threading
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
    """An export of an older citebot (every weight inside model.onnx) still serves, without a second
    session (it would hold a second copy of the weights), and loading writes nothing."""
    before = {p.name: p.stat().st_mtime_ns for p in whole.iterdir()}
    assert serving_model(whole) == (whole / "model.onnx", False)
    backend = OnnxBackend(whole, threads=1, lone_threads=2)
    assert backend._lone is None and backend._run(TEXTS[:1])[1].shape == (1, 384)
    assert {p.name: p.stat().st_mtime_ns for p in whole.iterdir()} == before


def test_the_mapped_model_and_the_lone_session_give_the_same_bytes(
    export: Path, whole: Path, embedder: Embedder
) -> None:
    """The export loaded whole on one thread (what built every index before) against the mapped
    one: every eval text in batches, and one text at a time on the lone session (two threads)."""
    lone = Embedder(threads=1, lone_threads=2)
    assert lone._backend._lone is not None  # type: ignore[attr-defined]
    mapped = OnnxBackend(export, threads=1)
    plain = OnnxBackend(whole, threads=1)
    texts = eval_texts()
    for start in range(0, len(texts), 32):
        assert np.array_equal(plain._run(texts[start : start + 32])[0], mapped._run(texts[start : start + 32])[0])
    for text in TEXTS:
        assert np.array_equal(plain._run([text])[0], lone._backend._run([text])[0])  # type: ignore[attr-defined]
    ours = [lone.encode_with_tokens([t]) for t in TEXTS]
    theirs = [embedder.encode_with_tokens([t]) for t in TEXTS]
    for (a, a_tokens), (b, b_tokens) in zip(ours, theirs, strict=True):
        assert np.array_equal(a, b)
        assert all(np.array_equal(x, y) for x, y in zip(a_tokens, b_tokens, strict=True))
    assert np.array_equal(lone.encode(TEXTS, batch_size=2), embedder.encode(TEXTS, batch_size=2))


class _Recording:
    """A session stand-in that records its name and, when told to, holds the call until released."""

    def __init__(self, name: str, session: object, calls: list[str], hold: threading.Event | None = None) -> None:
        self.name, self.session, self.calls, self.hold = name, session, calls, hold
        self.entered = threading.Event()

    def run(self, *args: object) -> object:
        self.calls.append(self.name)
        self.entered.set()
        if self.hold is not None:
            assert self.hold.wait(30)
        return self.session.run(*args)  # type: ignore[attr-defined]


def test_only_a_call_made_alone_takes_the_lone_session(export: Path) -> None:
    """A call while another is in the model runs on the workers' session; alone, on the lone one."""
    backend = OnnxBackend(export, threads=1, lone_threads=2)
    calls: list[str] = []
    release = threading.Event()
    lone = _Recording("lone", backend._lone, calls, hold=release)
    backend._lone, backend._session = lone, _Recording("shared", backend._session, calls)
    first = threading.Thread(target=backend._run, args=(TEXTS[:1],))
    first.start()
    assert lone.entered.wait(30)
    lone.hold = None
    backend._run(TEXTS[1:2])  # the first is still in the model
    release.set()
    first.join(30)
    backend._run(TEXTS[2:3])  # alone again
    assert calls == ["lone", "shared", "lone"]


def test_with_more_than_one_question_in_flight_every_call_keeps_to_the_workers_threads(export: Path) -> None:
    """Questions being ranked elsewhere (Retriever.ask_many counts them) keep the embedding on one thread."""
    backend = OnnxBackend(export, threads=1, lone_threads=2)
    calls: list[str] = []
    backend._lone = _Recording("lone", backend._lone, calls)
    backend._session = _Recording("shared", backend._session, calls)
    with backend.asking(1):
        backend._run(TEXTS[:1])
        with backend.asking(1):  # a second question, in another worker
            backend._run(TEXTS[1:2])
    with backend.asking(32):  # a batch (`ask -`): its calls run side by side anyway
        backend._run(TEXTS[:2])
    assert calls == ["lone", "shared", "shared"]

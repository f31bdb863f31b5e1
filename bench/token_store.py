"""What storing the token vectors (and the other vectors) smaller costs in recall.

For each SQuAD set: open the shipped index, embed its chunks again for their exact token
vectors, then answer the set's answerable questions with the token store replaced by each
candidate encoding (index/tokens.py), and with the dense vectors rounded to float16.

    .venv/bin/python bench/token_store.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.evaluate import evaluate, load_jsonl
from index import search
from index.build import chunk_input
from index.query import Retriever
from index.tokens import TokenCodec, TokenStore, sample_chunks

SQUAD_SETS = (
    ("squad", ROOT / "eval" / "squad" / "seeds", ROOT / "eval" / "squad" / "questions.jsonl"),
    ("squad2", ROOT / "eval" / "squad2" / "seeds", ROOT / "eval" / "squad2" / "questions.jsonl"),
)
SUBVECTOR_CHOICES = (64, 32, 16, 8)
BYTES_PER_DIM = {"float32": 4, "float16": 2}


def exact_tokens(retriever: Retriever) -> tuple[np.ndarray, list[int]]:
    """Every chunk's token vectors as the model gives them (float32), and each chunk's count."""
    texts = [chunk_input(c.document, c.text) for c in retriever.corpus.chunks]
    _, per_chunk = retriever._embedder.encode_with_tokens(texts, batch_size=32)  # the benchmark looks inside on purpose
    return np.concatenate(per_chunk), [len(rows) for rows in per_chunk]


def answerable(path: Path) -> list[dict]:
    return [q for q in load_jsonl(path) if q.get("evidence") and not q.get("unanswerable") and not q.get("abstain")]


def rows_for(name: str, retriever: Retriever, questions: list[dict], source_bytes: int) -> list[str]:
    tokens, counts = exact_tokens(retriever)
    spans = np.cumsum([0, *counts])
    sample = np.concatenate([tokens[spans[i] : spans[i + 1]] for i in sample_chunks(counts)])
    out = []

    def row(label: str, store: object, bytes_per_token: float, mix: search.Mix | None = None) -> None:
        retriever.corpus = replace(retriever.corpus, token_vectors=store)
        retriever.mix = mix or search.Mix()
        q = evaluate(retriever, questions)
        ratio = bytes_per_token * len(tokens) / source_bytes
        out.append(f"| {name} | {label} | {ratio:.1f}x | {q.recall_at_1:.3f} | {q.recall_at_3:.3f} | {q.mrr:.3f} |")

    row("float16 (before)", tokens.astype(np.float16).astype(np.float32), 2 * tokens.shape[1])
    for m in SUBVECTOR_CHOICES:
        codec = TokenCodec.learn(sample, len(tokens), m)
        store = TokenStore(codec.encode(tokens), codec.codebook())
        row(f"product quantization, {m} bytes a token", store, m)
    row("no token store (late interaction off)", tokens, 0, replace(search.Mix(), late_interaction=0))
    retriever.mix = search.Mix()
    return out


def main() -> None:
    print("## Token store: size and recall (answerable questions)\n")
    print("| set | token store | tokens on disk / source | recall@1 | recall@3 | MRR |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="citebot-tokens-") as tmp:
        for name, seeds, questions in SQUAD_SETS:
            if not seeds.is_dir():
                print(f"| {name} | (set not found at {seeds.relative_to(ROOT)}) | | | | |")
                continue
            retriever = Retriever.open(seeds, Path(tmp) / name)
            source_bytes = sum(p.stat().st_size for p in seeds.rglob("*.txt"))
            for line in rows_for(name, retriever, answerable(questions), source_bytes):
                print(line, flush=True)


if __name__ == "__main__":
    main()

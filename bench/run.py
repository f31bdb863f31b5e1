"""`make bench`: retrieval quality on the evaluation sets, which sentence is bold, then latency,
throughput, build time, start-up time and memory. Figures, not assertions: nothing here fails a build.

    .venv/bin/python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench import bold, conversation
from bench.baseline import DenseBaseline
from bench.evaluate import evaluate, evaluate_quotes, load_jsonl
from bench.first_answer import start_and_answer
from index import search
from index.query import Retriever

SETS = (
    ("article", ROOT / "seeds", ROOT / "eval" / "questions.jsonl"),
    ("squad", ROOT / "eval" / "squad" / "seeds", ROOT / "eval" / "squad" / "questions.jsonl"),
)
ABLATION = (
    ("BM25 over chunks", search.Mix(0, 0, 0, 1, 0)),
    ("dense cosine over chunks", search.Mix(0, 0, 1, 0, 0)),
    ("hybrid: sentence + chunk, dense + BM25", search.Mix(1, 0.5, 1, 1, 0)),
    ("hybrid + late interaction (shipped)", search.Mix()),
)
LATENCY_QUESTION_COUNT = 200


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def quality(work: Path) -> dict[str, Retriever]:
    print("## Retrieval quality\n")
    print("| set | method | recall@1 | recall@3 | MRR | out-of-scope abstained | false abstentions |")
    print("|---|---|---|---|---|---|---|")
    opened = {}
    for name, seeds, questions in SETS:
        retriever = Retriever.open(seeds, work / f"index-{name}")
        opened[name] = retriever
        rows = load_jsonl(questions)
        for label, mix in ABLATION:
            retriever.mix = mix
            q = evaluate(retriever, rows)
            print(
                f"| {name} | {label} | {q.recall_at_1:.3f} | {q.recall_at_3:.3f} | {q.mrr:.3f} "
                f"| {q.abstain_rate:.2f} ({q.out_of_scope}) | {q.false_abstain_rate:.3f} ({q.answerable}) |"
            )
        retriever.mix = search.Mix()
    hits, speakers, misses = evaluate_quotes(opened["article"], load_jsonl(ROOT / "eval" / "quotes.jsonl"))
    print(f"\nQuotes (eval/quotes.jsonl): expected quotation first {hits:.2f}, right speaker {speakers:.2f}")
    for miss in misses:
        print(f"  miss: {miss}")
    return opened


def latency(retriever: Retriever) -> None:
    questions = [q["q"] for q in load_jsonl(ROOT / "eval" / "questions.jsonl")]
    stream = [questions[i % len(questions)] for i in range(LATENCY_QUESTION_COUNT)]
    baseline = DenseBaseline(retriever)
    for q in questions[:10]:  # warm-up: first calls allocate
        retriever.ask(q)
        baseline.search(q)
    ours, dense = [], []
    for q in stream:  # interleaved, so both see the same machine load
        t = time.perf_counter()
        retriever.ask(q)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        baseline.search(q)
        dense.append(time.perf_counter() - t)
    started = time.perf_counter()
    retriever.ask_many(stream)
    batch_qps = len(stream) / (time.perf_counter() - started)
    p50, dense_p50 = statistics.median(ours), statistics.median(dense)
    print("\n## Latency (article index, one question at a time, after warm-up)\n")
    print("| method | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(f"| plain dense search (FAISS, chunks) | {dense_p50 * 1e3:.1f} | {percentile(dense, 99) * 1e3:.1f} |")
    print(f"| citebot ask | {p50 * 1e3:.1f} | {percentile(ours, 99) * 1e3:.1f} |")
    print(f"\nratio of p50s: {p50 / dense_p50:.2f}x; batch mode (ask_many): {batch_qps:.0f} questions/s")


def build_time(work: Path) -> None:
    print("\n## Index build (fresh folder, model already loaded in another process)\n")
    for name, seeds, _ in SETS:
        index_dir = work / f"build-{name}"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "index"],
            env={**os.environ, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(index_dir)},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        manifest = json.loads((index_dir / "manifest.json").read_text())
        print(
            f"- {name}: {time.perf_counter() - started:.1f} s for the whole `python -m bot index` process "
            f"({manifest['chunks']} chunks, {manifest['sentences']} sentences, {manifest['quotes']} quotations)"
        )


def startup_and_memory(work: Path) -> None:
    index_dir = work / "index-article"
    env = {**os.environ, "SEEDS_DIR": str(ROOT / "seeds"), "INDEX_DIR": str(index_dir)}
    questions = [q["q"] for q in load_jsonl(ROOT / "eval" / "questions.jsonl")]
    run = start_and_answer(env, questions)
    first_answer, peak_mb = run.wall, run.peak_mb
    print("\n## Start-up and memory (`python -m bot ask --json -`, index already built)\n")
    print(f"- process start to first answer: {first_answer:.1f} s")
    print(f"- peak RSS of a process answering questions: {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="quality on the article set and latency only")
    args = parser.parse_args()
    global SETS  # noqa: PLW0603
    if args.quick:
        SETS = SETS[:1]
    with tempfile.TemporaryDirectory(prefix="citebot-bench-") as tmp:
        work = Path(tmp)
        opened = quality(work)
        if not args.quick:
            every = conversation.opener(work, opened)
            bold.bold_table(every)
            conversation.report(every)
        latency(opened["article"])
        if not args.quick:
            startup_and_memory(work)
            build_time(work)


if __name__ == "__main__":
    main()

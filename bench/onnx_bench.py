"""`make bench`, embedding backends: ONNX Runtime (what serves) beside sentence-transformers
(the torch reference), in the same run. Figures, not assertions.

For each backend: every quality figure of bench/run.py on each set and whether the answers
are the same; process start to first answer and the peak RSS of a process answering the
article's questions; one-question p50 and batch questions/s; questions/s through the answer
service at concurrency 20 on a quiet machine and beside a busy loop per core, for several
worker/thread layouts (the EMBED_THREADS sweep); and int8 as a candidate. Each backend runs
in its own process, so neither's libraries weigh on the other's figures.

    .venv/bin/python bench/onnx_bench.py [--quick] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.evaluate import evaluate, evaluate_quotes, load_jsonl
from bench.first_answer import start_and_answer
from bench.run import ABLATION, SETS

ST = "sentence-transformers"
CORES = os.cpu_count() or 1
STREAM = 200  # questions per latency, batch and quiet service run (bench/latency.py)
# Issue 12's goals, printed beside the figures: one question p50 (ms), batch questions/s,
# process start to first answer (s), peak RSS answering on the article (MB).
P50_GOAL, BATCH_GOAL, START_GOAL, RSS_GOAL = 4.0, 350.0, 1.0, 250.0
LOADED_STREAM = 100  # fewer beside the busy loops: the reference crawls there


# ----- workers (one process each)


def open_retriever(args: argparse.Namespace, seeds: Path, name: str) -> Any:
    from index.query import Retriever

    return Retriever.open(
        seeds,
        args.work / f"index-{args.index_of}-{name}",
        model_path=args.model_path,
        embed_backend=args.backend,
        embed_threads=args.threads,
        workers=args.session_workers,
    )


def quality_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Quality rows of every set, the shipped method's answers, and quotes."""
    from index import search

    out: dict[str, Any] = {"rows": [], "answers": {}, "build_s": {}}
    for name, seeds, questions in SETS:
        started = time.perf_counter()
        retriever = open_retriever(args, seeds, name)
        out["build_s"][name] = time.perf_counter() - started if retriever.rebuilt else None
        rows = load_jsonl(questions)
        for label, mix in ABLATION:
            retriever.mix = mix
            q = evaluate(retriever, rows)
            out["rows"].append([name, label, q.recall_at_1, q.recall_at_3, q.mrr, q.abstain_rate, q.false_abstain_rate])
        retriever.mix = search.Mix()
        answers = retriever.ask_many([r["q"] for r in rows])
        out["answers"][name] = [
            [a.abstained, [[h.source, h.paragraph, h.sentence_start] for h in a.hits]] for a in answers
        ]
        if name == "article":
            topics = load_jsonl(ROOT / "eval" / "quotes.jsonl")
            out["quotes"] = list(evaluate_quotes(retriever, topics)[:2])
            found = [retriever.quotes(t["topic"]) for t in topics]
            out["answers"]["quotes"] = [[[q.source, q.paragraph, q.text] for q in f.quotes] for f in found]
    if args.model_path is not None:  # a candidate export: how far its vectors are from the shipped one's
        out["min_cosine"] = min_cosine(args)
    return out


def min_cosine(args: argparse.Namespace) -> float:
    from index.embed import Embedder
    from tests.index.test_onnx import eval_texts

    texts = eval_texts()
    shipped = Embedder().encode(texts)
    candidate = Embedder(args.model_path).encode(texts)
    return float((shipped * candidate).sum(axis=1).min())


def speed_worker(args: argparse.Namespace) -> dict[str, Any]:
    """One-question latency, batch questions/s, and the service's questions/s quiet and loaded,
    with the CPU per question of each (bench/latency.py measures them)."""
    from bench.latency import STREAM as STREAMED
    from bench.latency import measure, service_run

    retriever = open_retriever(args, ROOT / "seeds", "article")
    questions = [q["q"] for q in load_jsonl(ROOT / "eval" / "questions.jsonl")]
    out = measure(retriever, questions, workers=args.workers)
    out["quiet"] = out.pop("service")
    stream = [questions[i % len(questions)] for i in range(STREAMED)]
    with busy_loops(CORES):
        out["loaded"] = asyncio.run(service_run(retriever, stream[:LOADED_STREAM], args.workers))
    return out


@contextlib.contextmanager
def busy_loops(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPU: the competing load of a shared machine."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5)  # let them get going before measuring
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


# ----- the driver


def worker(kind: str, work: Path, backend: str, *, threads: int = 1, workers: int = 1, **extra: Any) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--worker", kind, "--work", str(work), "--backend", backend]
    argv += ["--threads", str(threads), "--workers", str(workers)]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"worker {argv[3:]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# Serving as the image runs it: no scipy (the serving path never imports it; in the dev venv it
# comes with torch's kin), so nothing the image lacks can be loaded by accident.
RUNTIME_ONLY = (
    "import runpy, sys; sys.modules['scipy'] = None; sys.argv[0] = 'bot'; runpy.run_module('bot', run_name='__main__')"
)


def start_and_memory(work: Path, backend: str, runs: int, *, runtime_only: bool = False) -> dict[str, list[float]]:
    """Per run: seconds (wall and CPU) from process start to the first answer, and the peak RSS
    (MB) of the process once it has answered the article's questions."""
    questions = [q["q"] for q in load_jsonl(ROOT / "eval" / "questions.jsonl")]
    env = {**os.environ, "SEEDS_DIR": str(ROOT / "seeds"), "INDEX_DIR": str(work / f"index-{backend}-article")}
    env |= {"EMBED_BACKEND": backend, "EMBED_THREADS": str(CORES if backend == ST else 1)}
    command = ["-c", RUNTIME_ONLY] if runtime_only else ["-m", "bot"]
    out: dict[str, list[float]] = {"wall": [], "cpu": [], "peak": []}
    for _ in range(runs):
        run = start_and_answer(env, questions, command)
        out["wall"].append(run.wall)
        out["cpu"].append(run.cpu)
        out["peak"].append(run.peak_mb)
    return out


def make_int8(work: Path) -> Path:
    """The shipped export quantised to int8 (dynamic, per channel), as a folder MODEL_PATH accepts."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from index.onnx_backend import METADATA
    from index.onnx_cache import onnx_folder

    fp32 = onnx_folder(None)
    folder = work / "all-MiniLM-L6-v2-int8"
    folder.mkdir(exist_ok=True)
    # The fused operators are ONNX Runtime's own, which ONNX's shape inference cannot type.
    quantize_dynamic(
        fp32 / "model.onnx",
        folder / "model.onnx",
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    shutil.copy(fp32 / "tokenizer.json", folder / "tokenizer.json")
    meta = json.loads((fp32 / METADATA).read_text()) | {"quantisation": "int8, dynamic, per channel"}
    (folder / METADATA).write_text(json.dumps(meta, indent=2))
    return folder


def spread(values: list[float], fmt: str = ".2f") -> str:
    """``a`` for one value, ``a–b`` (lowest to highest) for several: the machine is shared, so ranges."""
    low, high = min(values), max(values)
    return f"{low:{fmt}}" if len(values) == 1 or f"{low:{fmt}}" == f"{high:{fmt}}" else f"{low:{fmt}}–{high:{fmt}}"


def print_quality(results: dict[str, dict[str, Any]]) -> None:
    print("## Retrieval quality by backend (same sets and methods as bench/run.py)\n")
    print("| set | method | backend | recall@1 | recall@3 | MRR | out-of-scope abstained | false abstentions |")
    print("|---|---|---|---|---|---|---|---|")
    keys = list(results)
    for i in range(len(results[keys[0]]["rows"])):
        for key in keys:
            name, label, r1, r3, mrr, abst, false = results[key]["rows"][i]
            print(f"| {name} | {label} | {key} | {r1:.3f} | {r3:.3f} | {mrr:.3f} | {abst:.2f} | {false:.3f} |")
    for key in keys:
        if "quotes" in results[key]:
            hits, speakers = results[key]["quotes"]
            print(f"\nQuotes ({key}): expected quotation first {hits:.2f}, right speaker {speakers:.2f}", end="")
    print("\n")


def print_agreement(results: dict[str, dict[str, Any]], reference: str) -> None:
    print(f"## Answers against {reference} (shipped method: passages, their order, abstention; quotes)\n")
    for key, result in results.items():
        if key == reference:
            continue
        parts = []
        for name, answers in result["answers"].items():
            theirs = results[reference]["answers"][name]
            same = sum(a == b for a, b in zip(answers, theirs, strict=True))
            parts.append(f"{name} {same}/{len(answers)}")
            for n, (a, b) in enumerate(zip(answers, theirs, strict=True)):
                if a != b and not key.startswith("int8"):
                    print(f"  - {key}, {name} #{n + 1}: {a} vs {b}")
        cosine = f"; min cosine to the shipped export {result['min_cosine']:.4f}" if "min_cosine" in result else ""
        print(f"- {key}: identical on {', '.join(parts)}{cosine}")
    print()


def print_speed(speeds: dict[str, list[dict[str, Any]]]) -> None:
    load = os.getloadavg()
    print(f"## Speed (article index; service: concurrency 20, {STREAM} questions quiet, {LOADED_STREAM} beside")
    print(f"{CORES} busy loops; ranges over runs; load average now {load[0]:.1f}, {load[1]:.1f} over 5 minutes)\n")
    print(
        f"| backend, layout | one question p50 ms (goal <= {P50_GOAL:g}) | p99 ms | CPU ms/question "
        f"| batch q/s (goal >= {BATCH_GOAL:g}) | batch CPU ms/question | service q/s quiet | its p50 / p99 ms "
        "| service CPU ms/question | service q/s beside busy loops |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, runs in speeds.items():
        quiet = [r["quiet"] for r in runs]
        print(
            f"| {label} | {spread([r['p50_ms'] for r in runs])} | {spread([r['p99_ms'] for r in runs], '.1f')} "
            f"| {spread([r['one_cpu_ms'] for r in runs])} "
            f"| {spread([r['batch_qps'] for r in runs], '.0f')} | {spread([r['batch_cpu_ms'] for r in runs])} "
            f"| {spread([q['qps'] for q in quiet], '.0f')} "
            f"| {spread([q['p50_ms'] for q in quiet], '.0f')} / {spread([q['p99_ms'] for q in quiet], '.0f')} "
            f"| {spread([q['cpu_ms'] for q in quiet])} | {spread([r['loaded']['qps'] for r in runs], '.0f')} |"
        )
    print(
        "\nCPU ms/question is the process's CPU (every thread) over the stream: on a shared machine the "
        "figure to compare; the wall figures are the goals', read on a quiet machine."
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each, no int8 and no layout sweep")
    parser.add_argument("--runs", type=int, default=3, help="runs of the start-up and speed figures (default 3)")
    parser.add_argument("--worker", choices=["quality", "speed"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="onnx", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)  # the service's
    # Callers the model's one session is sized for (EMBED_THREADS × this threads); None: the cores.
    parser.add_argument("--session-workers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--model-path", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--index-of", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.index_of = args.index_of or (args.backend if args.model_path is None else "int8")
        print(json.dumps((quality_worker if args.worker == "quality" else speed_worker)(args)))
        return
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="citebot-onnx-bench-") as tmp:
        work = Path(tmp)
        results = {ST: worker("quality", work, ST, threads=CORES), "onnx": worker("quality", work, "onnx")}
        results["onnx over the torch-built index"] = worker("quality", work, "onnx", index_of=ST)
        int8 = None if args.quick else make_int8(work)
        if int8 is not None:
            results["int8 (onnx)"] = worker("quality", work, "onnx", model_path=int8)
        print_quality(results)
        print_agreement(results, ST)
        for key, result in results.items():
            built = ", ".join(f"{n} {s:.1f} s" for n, s in result["build_s"].items() if s is not None)
            if built:
                print(f"- index build, {key} (in the same process as the model load): {built}")
        print("\n## Start-up and memory (`python -m bot ask --json -`, index built)\n")
        starts = [
            (ST, ST, False),
            ("onnx", "onnx", False),
            ("onnx, runtime requirements only (as the image)", "onnx", True),
        ]
        for label, backend, runtime_only in starts:
            got = start_and_memory(work, backend, runs, runtime_only=runtime_only)
            print(
                f"- {label}: process start to first answer {spread(got['wall'])} s ({spread(got['cpu'])} s of CPU; "
                f"goal <= {START_GOAL:g} s); peak RSS {spread(got['peak'], '.0f')} MB (goal <= {RSS_GOAL:g} MB)"
            )
        print()
        # (label, backend, EMBED_THREADS, the service's workers, extra): the shipped layout is one
        # session on every core and one service worker (docs/retrieval.md, "Latency, sixth pass").
        one_thread_session = {"session_workers": 1}
        layouts = [(f"{ST} (torch threads {CORES}, 1 worker: before)", ST, CORES, 1, {})]
        layouts.append((f"onnx, one session of {CORES} threads, 1 service worker (shipped)", "onnx", 1, 1, {}))
        if not args.quick:
            layouts += [
                (f"onnx, a one-thread session, {CORES} service workers (before)", "onnx", 1, CORES, one_thread_session),
                ("onnx, a one-thread session, 1 service worker", "onnx", 1, 1, one_thread_session),
            ]
            layouts.append(
                (f"int8 onnx, one session of {CORES} threads, 1 service worker", "onnx", 1, 1, {"model_path": int8})
            )
        speeds: dict[str, list[dict[str, Any]]] = {label: [] for label, *_ in layouts}
        for _ in range(runs):  # interleaved, so every layout sees the same spells of machine load
            for label, backend, threads, workers, extra in layouts:
                speeds[label].append(worker("speed", work, backend, threads=threads, workers=workers, **extra))
        print_speed(speeds)


if __name__ == "__main__":
    main()

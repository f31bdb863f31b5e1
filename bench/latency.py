"""`make bench`, the query path's speed: CPU per question (the primary figure on a shared
machine) and wall figures, for this checkout and, with ``--before DIR``, another checkout of
citebot (the commit before a change) in the same run, interleaved so both see the same load.

For each index (the article; SQuAD's 48 articles): one question at a time (``ask``: p50/p99
wall, CPU per question), a batch (``ask_many`` of the whole stream: questions/s, CPU per
question), the answer service at concurrency 20 (questions/s, p50/p99), and the embedding
alone (CPU per question, one at a time). CPU is ``time.process_time`` of the process: every
thread's, so BLAS threads spinning count as what they cost.

This checkout answers as the bots do: one session of a thread per core, and the service one
batch at a time. ``--layout-ab`` also runs it in the layout before (a one-thread session, a
service worker per core, as ``--before`` runs); ``--before-lone`` also runs ``--before`` with
``lone_threads`` = the cores (EMBED_LONE_THREADS, the second session that layout had for a
question asked alone). Each worker also reports its peak RSS.

    .venv/bin/python bench/latency.py [--before DIR [--before-lone]] [--layout-ab] [--runs 2] [--sets article squad]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STREAM = 200
SETS = {
    "article": ("seeds", "eval/questions.jsonl"),
    "squad": ("eval/squad/seeds", "eval/squad/questions.jsonl"),
}
GOALS = {"p50_ms": 4.0, "batch_qps": 350.0}  # issue 12, on the article index


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def _timed(fn: Any) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(retriever: Any, questions: list[str], *, workers: int = 1, service: bool = True) -> dict[str, Any]:
    """The speed figures of one opened retriever over ``STREAM`` questions drawn from ``questions``."""
    import asyncio

    stream = [questions[i % len(questions)] for i in range(STREAM)]
    for q in questions[:10]:  # warm-up: first calls allocate
        retriever.ask(q)
    latencies: list[float] = []
    cpu = time.process_time()
    for q in stream:
        started = time.perf_counter()
        retriever.ask(q)
        latencies.append(time.perf_counter() - started)
    one_cpu = time.process_time() - cpu
    batch_wall, batch_cpu = _timed(lambda: retriever.ask_many(stream))
    embedder = retriever._embedder  # the embedding alone, one question at a time
    _, embed_cpu = _timed(lambda: [embedder.encode_with_tokens([q], batch_size=32) for q in stream])
    out = {
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * _percentile(latencies, 99),
        "one_cpu_ms": 1000 * one_cpu / STREAM,
        "batch_qps": STREAM / batch_wall,
        "batch_cpu_ms": 1000 * batch_cpu / STREAM,
        "embed_cpu_ms": 1000 * embed_cpu / STREAM,
    }
    if service:
        cpu = time.process_time()
        out["service"] = asyncio.run(service_run(retriever, stream, workers))
        out["service"]["cpu_ms"] = 1000 * (time.process_time() - cpu) / STREAM
    return out


async def service_run(retriever: Any, stream: list[str], workers: int, concurrency: int = 20) -> dict[str, float]:
    """Questions/s and latency through the answer service, ``concurrency`` questions outstanding."""
    import asyncio

    from bot.core.service import AnswerService

    service = AnswerService(retriever, max_in_flight=32, max_batch=32, workers=workers)
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(question: str) -> None:
        async with gate:
            started = time.perf_counter()
            await service.ask(question)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(q) for q in stream))
    wall = time.perf_counter() - started
    await service.aclose()
    return {
        "qps": len(stream) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * _percentile(latencies, 99),
    }


def _worker(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(args.code))  # that checkout's index and bot, not this one's
    from index.query import Retriever

    seeds, questions = SETS[args.set]
    lone = {} if args.lone is None else {"lone_threads": args.lone}  # only checkouts before have it
    session = {} if args.session_workers is None else {"workers": args.session_workers}
    retriever = Retriever.open(ROOT / seeds, args.work / f"index-{args.set}", **lone, **session)
    retriever.batch_workers = os.cpu_count() or 1  # the session's size aside, batches run as shipped
    rows = [json.loads(line)["q"] for line in (ROOT / questions).read_text(encoding="utf-8").splitlines()]
    out = measure(retriever, rows, workers=args.service_workers)
    return out | {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run(code: Path, name: str, work: Path, option: list[str]) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--worker", "--code", str(code), "--set", name, "--work", str(work), *option]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"worker {code} {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cell(runs: list[dict[str, Any]], key: str, fmt: str = ".2f") -> str:
    values = [r[key] for r in runs]
    low, high = min(values), max(values)
    return f"{low:{fmt}}" if f"{low:{fmt}}" == f"{high:{fmt}}" else f"{low:{fmt}}–{high:{fmt}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout of citebot, measured in the same run")
    parser.add_argument("--runs", type=int, default=2, help="interleaved runs of each (default 2)")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--layout-ab", action="store_true", help="this checkout with a one-thread session too")
    parser.add_argument("--before-lone", action="store_true", help="--before with EMBED_LONE_THREADS=cores too")
    parser.add_argument("--raw", type=Path, help="also write every run's figures to this JSON file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lone", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--session-workers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--service-workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--set", default="article", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args)))
        return
    cores = os.cpu_count() or 1
    per_core = ["--service-workers", str(cores)]  # the layout before: a service worker per core
    trees: list[tuple[str, Path, list[str]]] = [("before", args.before.resolve(), per_core)] if args.before else []
    if args.before and args.before_lone:
        trees.append((f"before, EMBED_LONE_THREADS={cores}", args.before.resolve(), ["--lone", str(cores), *per_core]))
    trees.append((f"this checkout (one session of {cores} threads, one service worker)", ROOT, []))
    if args.layout_ab:
        trees.append(("this checkout, the layout before", ROOT, ["--session-workers", "1", *per_core]))
    load = os.getloadavg()
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="citebot-latency-") as tmp:
        for run in range(args.runs):
            for name in args.sets:
                turn = run % len(trees)  # each run starts with the next code: none is always first after a pause
                for label, code, option in trees[turn:] + trees[:turn]:
                    results.setdefault((name, label), []).append(_run(code, name, Path(tmp), option))
    if args.raw:
        args.raw.write_text(json.dumps([[*key, runs] for key, runs in results.items()], indent=1), encoding="utf-8")
    print(
        f"## Query path speed ({STREAM} questions; load average {load[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; ranges over {args.runs} interleaved runs, the order turned each run)\n"
    )
    print(
        "| index | code | CPU ms/question: ask | of which embedding | ask_many | service c=20 "
        "| ask p50 / p99 ms | ask_many q/s | service q/s | its p50 / p99 ms | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (name, label), runs in results.items():
        service = [r["service"] for r in runs]
        print(
            f"| {name} | {label} | {_cell(runs, 'one_cpu_ms')} | {_cell(runs, 'embed_cpu_ms')} "
            f"| {_cell(runs, 'batch_cpu_ms')} | {_cell(service, 'cpu_ms')} "
            f"| {_cell(runs, 'p50_ms')} / {_cell(runs, 'p99_ms', '.1f')} | {_cell(runs, 'batch_qps', '.0f')} "
            f"| {_cell(service, 'qps', '.0f')} | {_cell(service, 'p50_ms', '.0f')} / {_cell(service, 'p99_ms', '.0f')} "
            f"| {_cell(runs, 'peak_mb', '.0f')} |"
        )
    print(
        f"\nGoals (issue 12, article, quiet machine): one question p50 <= {GOALS['p50_ms']:g} ms, "
        f"batch >= {GOALS['batch_qps']:g} q/s."
    )


if __name__ == "__main__":
    main()

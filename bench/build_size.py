"""Index build at scale: time, CPU, peak memory and size on disk for 1, 5 and 20 MB of text.

The corpora repeat the SQuAD seeds (eval/squad/seeds), each copy in its own folder with its
title changed ("Black Death (copy 7)"), so every copy is a distinct document to the index.
Each build is a fresh `python -m bot index` process; its CPU time and peak RSS come from
``wait4`` on that process alone.

    .venv/bin/python bench/build_size.py [--sizes 1 5 20] [--keep DIR] [--batches]

``--batches`` sweeps the padded tokens a model call (index/batches.py BATCH_TOKENS) on the
SQuAD chunks and sentences, the model alone in this process: CPU seconds, tokens a CPU second,
and the GFLOP a CPU second the runtime reaches (the model's multiply-adds counted on the
padded batches), the figure the floor of a build's cost is worked out from.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD_SEEDS = ROOT / "eval" / "squad" / "seeds"
GOALS = "goals: build time linear in size, 20 MB under 10 min on 2 cores, index <= 20x the source, RSS <= 1.5 GB"


def make_corpus(folder: Path, megabytes: float) -> int:
    """Write copies of the SQuAD seeds under ``folder`` until ``megabytes`` of text; returns the bytes written."""
    originals = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SQUAD_SEEDS.glob("*.txt"))]
    target, written, copy = int(megabytes * 1_000_000), 0, 0
    while written < target:
        copy += 1
        part = folder / f"copy-{copy:04d}"
        part.mkdir(parents=True)
        for name, text in originals:
            title, _, body = text.partition("\n")
            data = f"{title} (copy {copy})\n{body}".encode()
            (part / name).write_bytes(data)
            written += len(data)
            if written >= target:
                break
    return written


def build(seeds: Path, index: Path, python: str = sys.executable, cwd: Path = ROOT) -> tuple[float, float, float, int]:
    """Run `python -m bot index` once: wall seconds, CPU seconds, peak RSS in MB, exit status."""
    env = {**os.environ, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(index), "PYTHONPATH": str(cwd)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [python, "-m", "bot", "index"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode:
        print(f"  build failed ({proc.returncode}): {err.decode(errors='replace').strip().splitlines()[-1:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def folder_bytes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}


def _words(text: str) -> int:
    return len(text.split())  # a stand-in for the tokenizer: the packing is what is timed


def text_passes(sizes: tuple[float, ...] = (0.5, 1, 2)) -> None:
    """Seconds per MB of the text passes alone (no model), on one document made of one paragraph
    and on one line: the shapes that were quadratic. Flat seconds per MB is linear."""
    sys.path.insert(0, str(ROOT))
    from index.chunk import chunk_document
    from index.documents import parse_document
    from index.quotes import extract_quotes
    from index.text import split_sentences

    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SQUAD_SEEDS.glob("*.txt")))
    print("\n## Text passes alone (one document; CPU seconds per MB; flat = linear)\n")
    print("| document | split sentences | chunk | quotations |")
    print("|---|---|---|---|")
    for size in sizes:
        body = (text * int(size * 1e6 / len(text) + 1))[: int(size * 1e6)]
        for shape, doc_text in (("paragraphs", body), ("one line", body.replace("\n", " "))):
            doc = parse_document("seeds/big.txt", f"Big\n\n{doc_text}")
            timings = []
            for work in (
                lambda d=doc: split_sentences(d.text),
                lambda d=doc: chunk_document(d, _words, 254),
                lambda d=doc: extract_quotes(d),
            ):
                started = time.process_time()
                work()
                timings.append((time.process_time() - started) / size)
            print(f"| {size:g} MB, {shape} | " + " | ".join(f"{t:.2f}" for t in timings) + " |", flush=True)


# all-MiniLM-L6-v2: 6 layers, hidden 384, feed-forward 1536 (its config.json).
LAYERS, HIDDEN, FEED_FORWARD = 6, 384, 1536


def model_flops(length: int) -> float:
    """Floating-point operations of one forward pass over ``length`` tokens (padding included):
    the four attention projections and the feed-forward (2 L (4 h^2 + 2 h f)), and the attention
    scores and their mix (4 L^2 h), a layer."""
    per_layer = 2 * length * (4 * HIDDEN**2 + 2 * HIDDEN * FEED_FORWARD) + 4 * length**2 * HIDDEN
    return LAYERS * per_layer


def batch_sweep(budgets: tuple[int, ...] = (256, 512, 1024, 2048, 4096, 16384), threads: int = 1) -> None:
    """CPU seconds of the model alone by BATCH_TOKENS, on the SQuAD chunks and sentences."""
    sys.path.insert(0, str(ROOT))
    from index.batches import token_batches
    from index.build import chunk_input, collect_records
    from index.embed import Embedder
    from index.sources import read_sources

    embedder = Embedder(threads=threads)
    chunks, _ = collect_records(read_sources(SQUAD_SEEDS).documents, embedder, 254)
    sets = {
        "chunks": [chunk_input(c.document, c.text) for c in chunks],
        "sentences": [c.text[a:b] for c in chunks for a, b in c.sentences],
    }
    print(f"\n## Model calls by padded tokens a call ({threads} intra-op thread(s), SQuAD seeds)\n")
    print(f"load average {os.getloadavg()[0]:.1f} at start\n")
    print(
        "| texts | BATCH_TOKENS | texts a call | padded / real tokens | CPU s | real tokens a CPU s | GFLOP a CPU s |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind, texts in sets.items():
        lengths = [min(embedder.count_tokens(t) + 2, embedder.max_tokens + 2) for t in texts]
        embedder.encode(texts[:8])  # warm-up: the first call allocates
        for budget in budgets:
            groups = token_batches(lengths, range(len(texts)), budget)
            padded = sum(len(g) * lengths[g[0]] for g in groups)
            flops = sum(len(g) * model_flops(lengths[g[0]]) for g in groups)
            started = time.process_time()
            for g in groups:
                embedder.encode([texts[i] for i in g], batch_size=len(g))
            cpu = time.process_time() - started
            print(
                f"| {kind} | {budget} | {len(texts) / len(groups):.1f} | {padded / sum(lengths):.2f} | {cpu:.1f} "
                f"| {sum(lengths) / cpu:.0f} | {flops / cpu / 1e9:.1f} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 20], help="corpus sizes in MB")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    parser.add_argument("--passes-only", action="store_true", help="only the text passes (no model, seconds)")
    parser.add_argument("--batches", action="store_true", help="only the sweep of BATCH_TOKENS (the model alone)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads of the --batches sweep")
    args = parser.parse_args()
    if args.batches:
        batch_sweep(threads=args.threads)
        return
    text_passes()
    if args.passes_only:
        return
    print("\n## Index build at scale (repeated SQuAD seeds, fresh `python -m bot index` each)\n")
    print(f"{GOALS}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n")
    print("| source | documents | wall s | CPU s | CPU s per MB | peak RSS MB | index MB | index / source |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="citebot-build-") as tmp:
        work = args.keep or Path(tmp)
        breakdown: dict[str, int] = {}
        for size in args.sizes:
            seeds, index = work / f"seeds-{size:g}MB", work / f"index-{size:g}MB"
            source = (
                make_corpus(seeds, size) if not seeds.exists() else sum(p.stat().st_size for p in seeds.rglob("*.txt"))
            )
            wall, cpu, rss, status = build(seeds, index)
            if status:
                continue
            files = folder_bytes(index)
            total = sum(files.values())
            documents = sum(1 for _ in seeds.rglob("*.txt"))
            print(
                f"| {source / 1e6:.1f} MB | {documents} | {wall:.0f} | {cpu:.0f} | {cpu / (source / 1e6):.0f} "
                f"| {rss:.0f} | {total / 1e6:.1f} | {total / source:.1f}x |",
                flush=True,
            )
            breakdown, last_source = files, source
        if breakdown:
            print("\nlargest index, file by file (multiple of the source):", end=" ")
            print(", ".join(f"{name} {size / last_source:.2f}x" for name, size in sorted(breakdown.items())))


if __name__ == "__main__":
    main()

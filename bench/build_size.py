"""Index build at scale: time, CPU, peak memory and size on disk for 1, 5 and 20 MB of text.

The corpora repeat the SQuAD seeds (eval/squad/seeds), each copy in its own folder with its
title changed ("Black Death (copy 7)"), so every copy is a distinct document to the index.
Each build is a fresh `python -m bot index` process; its CPU time and peak RSS come from
``wait4`` on that process alone.

    .venv/bin/python bench/build_size.py [--sizes 1 5 20] [--keep DIR]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 20], help="corpus sizes in MB")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    parser.add_argument("--passes-only", action="store_true", help="only the text passes (no model, seconds)")
    args = parser.parse_args()
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

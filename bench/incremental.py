"""Incremental index: adding one document beside a full rebuild, on a ten-document SQuAD corpus.

The corpus: the seven SQuAD articles of eval/ (six of eval/squad, Normans of eval/squad2) and
three copies of the smaller ones with their titles changed (as bench/build_size.py makes its
corpora), ten documents in all. For each document added (the smallest and the largest article),
the base is the other nine, built once. Each run then times, interleaved so they share the
machine's noise:

- the full rebuild: every document chunked and embedded, the token codebook learnt;
- the add: the base index read back, only the new document chunked and embedded, the rest
  reused (index/incremental.py), written whole.

Both in this process with the model loaded once (its load, the same for both, is shown apart);
wall and CPU seconds (this process, all threads). Then the add's result is checked against the
full rebuild: records, dense vectors and calibration byte-identical; the reused documents' token
codes byte-identical to the base's (the codebook is kept; a full rebuild learns another).

    nice .venv/bin/python bench/incremental.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.build import build_index
from index.embed import Embedder
from index.sources import read_sources
from index.store import load_index, settings_digest

ARTICLES = [
    *sorted((ROOT / "eval" / "squad" / "seeds").glob("*.txt")),
    ROOT / "eval" / "squad2" / "seeds" / "Normans.txt",
]
COPIED = ("Amazon_rainforest.txt", "Sky_(United_Kingdom).txt", "Black_Death.txt")
ADDED = ("Amazon_rainforest.txt", "Super_Bowl_50.txt")  # the smallest and the largest article
GOAL = 0.10
CHUNK_TOKENS = 254


def make_corpus(folder: Path, leave_out: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in ARTICLES:
        if path.name != leave_out:
            shutil.copyfile(path, folder / path.name)
    for name in COPIED:
        title, _, body = (ROOT / "eval" / "squad" / "seeds" / name).read_text(encoding="utf-8").partition("\n")
        (folder / f"copy_{name}").write_text(f"{title} (copy)\n{body}", encoding="utf-8")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_build(embedder: Embedder, seeds: Path, index: Path, *, incremental: bool) -> tuple[float, float]:
    """One build (reading the sources and, for an add, the previous index included): wall and CPU seconds."""
    wall, used = time.perf_counter(), cpu()
    sources = read_sources(seeds)
    digest = settings_digest(sources.digest, embedder.name, CHUNK_TOKENS)
    previous = load_index(index) if incremental else None
    build_index(sources, embedder, index, digest, CHUNK_TOKENS, progress=False, previous=previous)
    return time.perf_counter() - wall, cpu() - used


def same_as_full(incremental: Path, full: Path, base: Path) -> dict[str, bool]:
    """What the add left, against the full rebuild (and the base, for the token codes kept)."""
    names = ("chunks.jsonl", "quotes.jsonl", "chunks.vectors.npy", "sentences.vectors.npy", "quotes.vectors.npy")
    inc, whole, before = load_index(incremental), load_index(full), load_index(base)
    reused_tokens = True
    for source in {c["source"] for c in before.chunks}:
        mine = [c for c in inc.chunks if c["source"] == source]
        theirs = [c for c in before.chunks if c["source"] == source]
        a = inc.token_vectors.codes[mine[0]["token_start"] : mine[-1]["token_end"]]
        b = before.token_vectors.codes[theirs[0]["token_start"] : theirs[-1]["token_end"]]
        reused_tokens &= a.tobytes() == b.tobytes()
    return {
        "records and dense vectors": all((incremental / n).read_bytes() == (full / n).read_bytes() for n in names),
        "calibration": inc.manifest["calibration"] == whole.manifest["calibration"],
        "reused token codes": reused_tokens,
    }


def recall(index: Path, embedder: Embedder) -> str:
    """recall@1 / recall@3 on the SQuAD questions, asked of the index in ``index``."""
    from bench.evaluate import evaluate, load_jsonl
    from index.corpus import Corpus
    from index.query import Retriever

    retriever = Retriever(Corpus.load(load_index(index)), embedder, index)
    quality = evaluate(retriever, load_jsonl(ROOT / "eval" / "squad" / "questions.jsonl"))
    return f"{quality.recall_at_1:.3f} / {quality.recall_at_3:.3f}"


def share_of_tokens(index: Path, added: str) -> float:
    chunks = load_index(index).chunks
    total = sum(c["token_end"] - c["token_start"] for c in chunks)
    return sum(c["token_end"] - c["token_start"] for c in chunks if c["source"].endswith("/" + added)) / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--added", nargs="+", default=list(ADDED), help="which articles to add (default: both)")
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = Embedder()
    print("\n## Incremental index: adding one document beside a full rebuild (bench/incremental.py)\n")
    print(
        f"Ten documents ({len(ARTICLES)} SQuAD articles, {len(COPIED)} copies); model loaded once in "
        f"{time.perf_counter() - started:.1f} s (not counted); {args.runs} runs interleaved; "
        f"load average {os.getloadavg()[0]:.1f} at start on {os.cpu_count()} cores.\n"
    )
    print(
        "| added | its share of tokens | full rebuild wall / CPU s | add wall / CPU s | add / full (wall, CPU) "
        "| identical to the full rebuild |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="citebot-incremental-") as tmp:
        work = Path(tmp)
        # Every corpus in a folder named seeds: a document is known by its path as cited (seeds/...).
        make_corpus(work / "all" / "seeds")
        qualities: list[tuple[str, str, str]] = []
        for added in args.added:
            base_index = work / f"base-{added}" / "index"
            make_corpus(work / f"base-{added}" / "seeds", leave_out=added)
            timed_build(embedder, work / f"base-{added}" / "seeds", base_index, incremental=False)
            fulls, adds = [], []
            for run in range(args.runs):
                full_dir, inc_dir = work / f"full-{run}", work / f"inc-{run}"
                shutil.rmtree(full_dir, ignore_errors=True)
                fulls.append(timed_build(embedder, work / "all" / "seeds", full_dir, incremental=False))
                shutil.rmtree(inc_dir, ignore_errors=True)
                shutil.copytree(base_index, inc_dir)
                adds.append(timed_build(embedder, work / "all" / "seeds", inc_dir, incremental=True))
            checks = same_as_full(inc_dir, full_dir, base_index)
            fw, fc = (statistics.median(x[i] for x in fulls) for i in (0, 1))
            aw, ac = (statistics.median(x[i] for x in adds) for i in (0, 1))
            spread = f"{min(x[0] for x in fulls):.1f}-{max(x[0] for x in fulls):.1f}"
            shown = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in checks.items())
            qualities.append((added, recall(inc_dir, embedder), recall(full_dir, embedder)))
            print(
                f"| {added} | {share_of_tokens(full_dir, added):.1%} | {fw:.1f} ({spread}) / {fc:.1f} "
                f"| {aw:.2f} / {ac:.2f} | {aw / fw:.1%}, {ac / fc:.1%} | {shown} |"
            )
    print("\nThe token codebook kept by an add against the one a full rebuild learns, on the SQuAD questions")
    print("(recall@1 / recall@3; the dense vectors are the same, only late-interaction scoring can differ):\n")
    print("| added | after the add | after a full rebuild |\n|---|---|---|")
    for added, inc, whole in qualities:
        print(f"| {added} | {inc} | {whole} |")
    print(
        f"\nGoal: an add at most {GOAL:.0%} of a full rebuild. Medians of {args.runs} runs (the full rebuild's "
        f"wall range in brackets); load average {os.getloadavg()[0]:.1f} at the end."
    )


if __name__ == "__main__":
    main()

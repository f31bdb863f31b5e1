"""The learned re-ranking of bench/fusion.py end to end: the answers of the follow-ups of each half
with weights trained on the other (every earlier follow-up of a thread re-ranked too, so its answer is
what the thread carries), the standalone questions kept, the CPU per chain; and, once, held-out files."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.conversation import _ok, recall
from bench.evaluate import load_jsonl, rank_of_answer
from bench.followup_sweep import THIRTEENTH_HALVES, batch_halves, cached
from bench.fusion import (
    CORPORA,
    FAMILIES,
    FEATURES,
    TABLES,
    Follow,
    choose,
    collect_all,
    features,
    fit,
    joined_tensor,
    nested,
    pool,
    read,
    settings_of,
    tensor,
    trained,
)
from index import followup, search
from index.query import Retriever

# A variant picked in the exploration, after its cross-fit had been seen on both halves (so not evidence
# on its own): the re-ranking without the method's ranks, over the first 5 of three rankings; λ and the
# margin are still chosen inside the training half (docs/retrieval.md, "Fourteenth pass: follow-ups").
PICKED = ("no method rank", 5, ("method", "asked", "joined"))
_SHIPPED_RANK = followup.rank
_MIX = search.Mix()


class Reranked:
    """``followup.rank`` replaced, for as long as it is installed, by the method's ranking with its first
    passage replaced when the weights score another candidate ``margin`` higher."""

    def __init__(self, setting: tuple, weights: np.ndarray) -> None:
        self.family, self.depth, self.names, _, self.margin = setting
        self.weights = weights
        self.side: dict[str, tuple[search.Query, search.Query]] = {}
        self.seconds = 0.0

    def __enter__(self) -> Reranked:
        followup.rank = self.rank  # type: ignore[assignment]
        return self

    def __exit__(self, *_: object) -> None:
        followup.rank = _SHIPPED_RANK  # type: ignore[assignment]

    def thread(self, retriever: Retriever, history: Sequence[str], question: str) -> None:
        """What the re-ranking reads for each text of one thread: the text asked, and the thread up to it joined."""
        window = [*followup.earlier_questions(history, 1000, retriever.folding.turns), question]
        self.side = {}
        for i, text in enumerate(window):
            asked = retriever._queries([text])[text]
            self.side[text] = (asked, retriever._one_query(" ".join(window[: i + 1])))

    def rank(self, corpus, query, k, mix=_MIX, context=None, folding=None):
        base = _SHIPPED_RANK(corpus, query, k, mix, context, folding)
        if context is None or context.answer is None or query.text not in self.side or not base:
            return base
        started = time.process_time()
        asked, joined = self.side[query.text]
        folding = folding or followup.Folding()
        lists, folded, rewritten, cells = read(corpus, query, context, asked, joined, folding, mix)
        follow = Follow("", "", 0, False, np.zeros(0, dtype=bool), lists, folded, rewritten, cells)
        chunks = pool(follow, self.depth, self.names)
        columns = [FEATURES.index(f) for f in FAMILIES[self.family]]
        scores = features(follow, chunks, self.depth, self.names)[:, columns] @ self.weights
        best = int(np.argmax(scores))
        self.seconds += time.process_time() - started
        if scores[best] - scores[0] <= self.margin or chunks[best] == base[0].chunk:
            return base
        winner = next(s for name in ("method", "asked", "joined") for s in lists[name] if s.chunk == chunks[best])
        rest = [s for s in _SHIPPED_RANK(corpus, query, k + 1, mix, context, folding) if s.chunk != winner.chunk]
        return (replace(winner, score=base[0].score), *rest)[:k]


def ask(retriever: Retriever, rows: Sequence[dict], reranked: Reranked | None) -> list:
    """Each row asked with its thread, one thread at a time (the side texts are per thread)."""
    out = []
    for row in rows:
        if reranked is None:
            out += _ok(retriever.ask_many([row["q"]], histories=[row["history"]]))
        else:
            reranked.thread(retriever, row["history"], row["q"])
            with reranked:
                out += _ok(retriever.ask_many([row["q"]], histories=[row["history"]]))
    return out


def table_cells(
    held: dict[str, Retriever], rows: Sequence[dict], reranked: Reranked | None
) -> tuple[int, int, int, int]:
    """(follow-ups at rank 1, follow-ups, standalone questions kept, standalone questions)."""
    hits = n = kept = alone = 0
    for corpus, retriever in held.items():
        follow = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
        if follow:
            got = recall(ask(retriever, follow, reranked), follow)
            hits, n = hits + round(got.at_1 * got.n), n + got.n
        standalone = [r for r in rows if r["corpus"] == corpus and r.get("standalone")]
        if standalone:
            plain = _ok(retriever.ask_many([r["q"] for r in standalone]))
            threaded = ask(retriever, standalone, reranked)
            kept, alone = kept + sum(a == b for a, b in zip(threaded, plain, strict=True)), alone + len(standalone)
    return hits, n, kept, alone


def picked(collected: dict[str, list[Follow]], halves: Sequence[int]) -> tuple[tuple, np.ndarray]:
    """The PICKED variant fitted on ``halves``, λ and margin chosen inside them (one batch left out in turn)."""
    tensors = {
        t: tensor([f for f in collected[t] if f.half in halves], PICKED[1], PICKED[2], FAMILIES[PICKED[0]])
        for t in TABLES
    }
    lam, margin, _, _ = nested(tensors, halves[0])
    return (*PICKED, lam, margin), fit(joined_tensor(list(tensors.values())), lam)


def end_to_end(opened: Callable[[str], Retriever]) -> None:
    collected = collect_all(opened)
    settings = settings_of(collected)
    batches = batch_halves(THIRTEENTH_HALVES)
    models = {
        "fully nested": {h: trained(settings, [h]) for h in (0, 1)},
        "picked": {h: picked(collected, [h]) for h in (0, 1)},
    }
    print("\nEnd to end (each thread asked alone, its earlier follow-ups re-ranked too): follow-ups at rank 1 and")
    print("standalone questions kept, the re-ranking chosen and trained on the other half\n")
    print(
        "| re-ranking | table | half | thirteenth pass | re-ranked | chosen on the other half | standalone kept, before / after |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, model in models.items():
        for table in TABLES:
            held = {c: cached(opened("all" if table == "all" else c)) for c in CORPORA}
            for h in (0, 1):
                rows = [r for _, which, part in batches if which == h for r in part]
                before = table_cells(held, rows, None)
                setting, w = model[1 - h]
                after = table_cells(held, rows, Reranked(setting, w))
                family, depth, names, lam, margin = setting
                print(
                    f"| {label} | {table} | {'first' if h == 0 else 'second'} | {before[0]}/{before[1]} | {after[0]}/{after[1]} "
                    f"| {family}, {depth} of {' + '.join(names)}, λ {lam}, margin {margin} "
                    f"| {before[2]}/{before[3]} / {after[2]}/{after[3]} |",
                    flush=True,
                )
    for label, model in models.items():
        cpu(opened, label, model[0])


def cpu(opened: Callable[[str], Retriever], label: str, model: tuple[tuple, np.ndarray], rounds: int = 3) -> None:
    """CPU per chain of every tuning batch, the thirteenth pass and the re-ranking in turn in one process."""
    rows = [r for _, _, part in batch_halves(THIRTEENTH_HALVES) for r in part]
    for table in TABLES:
        held = {c: cached(opened("all" if table == "all" else c)) for c in CORPORA}
        for corpus, retriever in held.items():  # every embedding memoised first: ranking is what is timed
            ask(retriever, [r for r in rows if r["corpus"] == corpus], Reranked(*model))
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(rounds):
            for how in ("before", "after"):
                started = time.process_time()
                for corpus, retriever in held.items():
                    mine = [r for r in rows if r["corpus"] == corpus]
                    ask(retriever, mine, None if how == "before" else Reranked(*model))
                times[how].append((time.process_time() - started) / len(rows) * 1000)
        print(
            f"\nCPU per chain ({label}, {table}, {len(rows)} chains, {rounds} rounds, medians): thirteenth pass "
            f"{np.median(times['before']):.2f} ms, re-ranked {np.median(times['after']):.2f} ms "
            f"(ranges {min(times['before']):.2f}-{max(times['before']):.2f}, {min(times['after']):.2f}-{max(times['after']):.2f});"
            " every embedding memoised, the joined text's too",
            flush=True,
        )


# A cheaper re-ranking the sweep points to, measured on held-out files beside the chosen one and not
# shipped either: the method's ranks and the answer checks, over the method's own first 3.
ANSWER_ONLY = ("method rank and the answer", 3, ("method",))


def fixed(collected: dict[str, list[Follow]], setting: tuple) -> tuple[tuple, np.ndarray]:
    """``setting`` (family, depth, names) fitted on every tuning batch, λ and the margin chosen on them
    (each batch left out in turn)."""
    family, depth, names = setting
    tensors = {t: tensor(collected[t], depth, names, FAMILIES[family]) for t in TABLES}
    best, _ = choose({setting: tensors}, [0, 1])
    return best, fit(joined_tensor(list(tensors.values())), best[3])


def held_out(opened: Callable[[str], Retriever], files: Sequence[Path]) -> None:
    """Held-out files, once: the thirteenth pass beside the re-ranking chosen and trained on every tuning
    batch and ANSWER_ONLY, with the follow-up asked alone and the naive join for reference."""
    collected = collect_all(opened)
    models = {"chosen": trained(settings_of(collected), [0, 1]), "answer checks": fixed(collected, ANSWER_ONLY)}
    print("\nHeld out; the re-rankings fitted on every tuning batch:")
    for label, (setting, _) in models.items():
        family, depth, names, lam, margin = setting
        print(f"- {label}: {family}, {depth} of {' + '.join(names)}, λ {lam}, margin {margin}")
    hows = ("asked alone", "naive join", "thirteenth pass", *models)
    print("\nrecall@1 / @3 of the follow-ups (same paragraph as the history's answer, another), standalone kept\n")
    print("| file | table | " + " | ".join(hows) + " |")
    print("|---" * (2 + len(hows)) + "|")
    for path in files:
        rows = load_jsonl(path)
        follow = [r for r in rows if not r.get("standalone")]
        standalone = [r for r in rows if r.get("standalone")]
        for table in TABLES:
            held = {c: cached(opened("all" if table == "all" else c)) for c in CORPORA}
            cells = []
            for how in hows:
                ranks, kept = [], 0
                for row in follow + standalone:
                    retriever = held[row["corpus"]]
                    if how == "asked alone":
                        answer = _ok(retriever.ask_many([row["q"]]))[0]
                    elif how == "naive join":
                        answer = _ok(retriever.ask_many([" ".join([*row["history"], row["q"]])]))[0]
                    else:
                        answer = ask(retriever, [row], Reranked(*models[how]) if how in models else None)[0]
                    if row.get("standalone"):
                        kept += (
                            how not in ("asked alone", "naive join")
                            and answer == _ok(retriever.ask_many([row["q"]]))[0]
                        )
                    else:
                        ranks.append(rank_of_answer([h.text for h in answer.hits], row["evidence"]) or 99)
                where = [r.get("where") for r in follow]
                same = sum(k == 1 for k, w in zip(ranks, where, strict=True) if w == "same")
                other = sum(k == 1 for k, w in zip(ranks, where, strict=True) if w == "other")
                cell = (
                    f"{sum(k == 1 for k in ranks)}/{len(ranks)} / {sum(k <= 3 for k in ranks)} "
                    f"(same {same}/{where.count('same')}, other {other}/{where.count('other')})"
                )
                if how not in ("asked alone", "naive join"):
                    cell += f", {kept}/{len(standalone)} kept"
                cells.append(cell)
            print(f"| {path.name} | {table} | " + " | ".join(cells) + " |", flush=True)

"""A learned re-ranking of follow-ups, measured and not shipped (docs/retrieval.md, "Fourteenth pass:
follow-ups"): what a perfect reorder of the candidates could reach, the candidates' features, a listwise
softmax (conditional logit) with an L2 penalty fitted with numpy on one half of the tuning batches and read
on the other. bench/fusion_sweep.py runs it; bench/fusion_end.py reads the same weights end to end.

The halves are the thirteenth pass's (bench/followup_sweep.py, THIRTEENTH_HALVES), on each corpus's own
index and on one index of all eight documents.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from bench.evaluate import rank_of_answer
from bench.followup_sweep import THIRTEENTH_HALVES, batch_halves, cached, read_with_thread
from index import confidence, search, thread
from index.asked import has_answer_type
from index.bold import asked_kind
from index.lexical import terms
from index.query import Retriever

CORPORA = ("squad", "article", "squad2")
TABLES = ("own", "all")
# Every feature of a candidate passage (docs/retrieval.md has each one's reading).
METHOD = ("method_rr", "method_top", "method_gap")
VIEWS = (*(f"{v}_{f}" for v in ("asked", "joined") for f in ("rr", "top", "gap", "z")), "folded_z", "rewritten_z")
PLACE = ("same", "same_doc", "next_to")
WORDS = ("question_words", "thread_words", "referent_words", "new_words")
ANSWER = ("high", "high_resolved", "typed", "sentence_new", "sentence_referent", "together")
CROSSED = ("same_clear", "same_resolved", "same_nothing_new", "same_new_words")
FEATURES = METHOD + VIEWS + PLACE + WORDS + ANSWER + CROSSED
FAMILIES = {
    "every feature": FEATURES,
    "no method rank": VIEWS + PLACE + WORDS + ANSWER + CROSSED,
    "no method rank, cheaper": tuple(
        f for f in VIEWS + PLACE + WORDS + ANSWER + CROSSED if f not in ("folded_z", "rewritten_z", "high_resolved")
    ),
    "no method rank, no join": tuple(
        f
        for f in VIEWS + PLACE + WORDS + ANSWER + CROSSED
        if f not in ("folded_z", "rewritten_z", "high_resolved") and not f.startswith("joined")
    ),
    "method rank and the answer": METHOD + ANSWER + ("referent_words",),
    "method rank and the views": METHOD + VIEWS + PLACE,
}
# Candidates: the first `depth` passages of each ranking named.
POOLS = ((3, ("method", "asked", "joined")), (5, ("method", "asked", "joined")), (2, ("method",)), (3, ("method",)))
LAMBDAS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
MARGINS = (0.0, 0.5, 1.0)
LIST = search.RERANK_CANDIDATES  # every passage late interaction rescores: the finite scores


@dataclass
class Follow:
    """One follow-up read with its thread: the rankings, every passage's place and words beside it."""

    id: str
    batch: str
    half: int
    standalone: bool
    gold: np.ndarray  # which chunks hold the evidence
    lists: dict[str, list[search.Scored]]  # method (its first 10), asked, joined (their first LIST)
    folded: np.ndarray  # every chunk's score for the folded query before the thread's drops
    rewritten: np.ndarray  # ... for the follow-up read in its context without the thread's words
    cells: dict[int, dict[str, float]]  # chunk -> its features that do not depend on the pool


def _z(scores: np.ndarray, chunk: int) -> float:
    finite = scores[np.isfinite(scores)]
    value = scores[chunk] if np.isfinite(scores[chunk]) else finite.min()
    return float(max((value - finite.mean()) / (finite.std() + 1e-9), -4.0))


def read(
    corpus, query: search.Query, context: thread.Context, asked: search.Query, joined: search.Query, folding, mix
) -> tuple[dict[str, list[search.Scored]], np.ndarray, np.ndarray, dict[int, dict[str, float]]]:
    """The rankings of a follow-up read in ``context`` and the pool-free features of every passage in them."""
    lists = {
        "method": list(thread.rank(corpus, query, 10, mix, context, folding)),
        "asked": list(search.rank_chunks(corpus, asked, LIST, mix)),
        "joined": list(search.rank_chunks(corpus, joined, LIST, mix)),
    }
    folded = search.chunk_scores(corpus, query, mix)
    rewritten = search.chunk_scores(corpus, context.alone, mix) if context.alone is not None else folded
    prev = context.answer[0]
    chunks = corpus.chunks
    own = set(corpus.sentence_lexicon.query_terms(asked.text))
    threads = set(context.chunk_terms)
    referent = set(terms(context.referents.entity if context.referents else ""))
    new = thread.new_words(corpus, asked.text, context, folding)
    kind = asked_kind(asked.text)
    clear = min(max((context.clarity - folding.vague_z) / 3.0, 0.0), 1.0)

    def share(words: set[str], text: set[str]) -> float:
        return len(words & text) / len(words) if words else 0.0

    cells: dict[int, dict[str, float]] = {}
    for name in ("method", "asked", "joined"):
        for scored in lists[name][: 10 if name != "method" else None]:
            c = scored.chunk
            if c in cells:
                continue
            text = set(terms(chunks[c].text))
            sentence = chunks[c].sentence(scored.sentence)
            said = set(terms(sentence))
            sentences = [set(terms(chunks[c].sentence(i))) for i in range(len(chunks[c].sentences))]
            same = float(c == prev)
            f = {
                "same": same,
                "same_doc": float(chunks[c].source == chunks[prev].source),
                "next_to": float(
                    chunks[c].source == chunks[prev].source and abs(chunks[c].paragraph - chunks[prev].paragraph) == 1
                ),
                "question_words": share(own, text),
                "thread_words": share(threads, text),
                "referent_words": share(referent, text),
                "new_words": share(new, text),
                "high": float(confidence.of_passage(corpus, asked.text, c, scored.sentence) == "high"),
                "high_resolved": float(
                    confidence.of_passage(corpus, query.resolved or asked.text, c, scored.sentence) == "high"
                ),
                "typed": float(has_answer_type(kind, sentence, asked.text)),
                "sentence_new": share(new, said),
                "sentence_referent": share(referent, said),
                "together": max((share(new | referent, s) for s in sentences), default=0.0),
                "folded_z": _z(folded, c),
                "rewritten_z": _z(rewritten, c),
            }
            f["same_clear"] = same * clear
            f["same_resolved"] = same * float(query.resolved is not None)
            f["same_nothing_new"] = same * float(not new)
            f["same_new_words"] = same * f["new_words"]
            cells[c] = f
    return lists, folded, rewritten, cells


def pool(follow: Follow, depth: int, names: Sequence[str]) -> list[int]:
    """The candidates: the first ``depth`` of each ranking named, the method's first in front."""
    out = [s.chunk for name in names for s in follow.lists[name][:depth]]
    return list(dict.fromkeys(out))


def features(follow: Follow, chunks: Sequence[int], depth: int, names: Sequence[str]) -> np.ndarray:
    """The candidates' features, one row each, in FEATURES order (the rest of a family is a column choice)."""
    rows = []
    for c in chunks:
        f = dict(follow.cells[c])
        for name in ("method", "asked", "joined"):
            listed = follow.lists[name]
            at = next((i + 1 for i, s in enumerate(listed) if s.chunk == c), None)
            top = listed[0].score
            score = listed[at - 1].score if at else listed[-1].score - 0.5
            f[f"{name}_rr"] = 1.0 / at if at and at <= depth else 0.0
            f[f"{name}_top"] = float(at == 1)
            f[f"{name}_gap"] = max(score - top, -8.0)
            if name != "method":
                finite = np.array([s.score for s in listed])
                value = listed[at - 1].score if at else finite.min()
                f[f"{name}_z"] = float(max((value - finite.mean()) / (finite.std() + 1e-9), -4.0))
        rows.append([f[k] for k in FEATURES])
    return np.array(rows, dtype=float)


def collect(retriever: Retriever, rows: Sequence[dict], batch: str, half: int) -> list[Follow]:
    """Every row's follow-up read with its thread as shipped (the thirteenth pass); the rows its gate
    reads alone are left out (nothing is re-ranked there)."""
    corpus, mix, folding = retriever.corpus, retriever.mix, retriever.folding
    out = []
    for row in rows:
        q, turns, asked, query, context = read_with_thread(retriever, row, folding)
        if context is None or context.answer is None:
            continue
        joined = retriever._one_query(" ".join([*turns, q]))
        lists, folded, rewritten, cells = read(corpus, query, context, asked, joined, folding, mix)
        gold = np.array([rank_of_answer([c.text], row["evidence"]) == 1 for c in corpus.chunks])
        out.append(Follow(row["id"], batch, half, bool(row.get("standalone")), gold, lists, folded, rewritten, cells))
    return out


@dataclass
class Tensor:
    X: np.ndarray  # (follow-ups, candidates, features)
    Y: np.ndarray  # (follow-ups, candidates): holds the evidence
    M: np.ndarray  # (follow-ups, candidates): a real candidate
    follows: list[Follow]

    def where(self, keep: Callable[[Follow], bool]) -> Tensor:
        at = np.array([i for i, f in enumerate(self.follows) if keep(f)], dtype=int)
        return Tensor(self.X[at], self.Y[at], self.M[at], [self.follows[i] for i in at])


def tensor(follows: Sequence[Follow], depth: int, names: Sequence[str], family: Sequence[str]) -> Tensor:
    columns = [FEATURES.index(f) for f in family]
    blocks, labels = [], []
    for follow in follows:
        chunks = pool(follow, depth, names)
        blocks.append(features(follow, chunks, depth, names)[:, columns])
        labels.append(follow.gold[chunks].astype(float))
    width = max(len(b) for b in blocks)
    X = np.zeros((len(blocks), width, len(columns)))
    Y, M = np.zeros((len(blocks), width)), np.zeros((len(blocks), width), dtype=bool)
    for i, (b, y) in enumerate(zip(blocks, labels, strict=True)):
        X[i, : len(b)], Y[i, : len(y)], M[i, : len(y)] = b, y, True
    return Tensor(X, Y, M, list(follows))


def joined_tensor(parts: Sequence[Tensor]) -> Tensor:
    width = max(p.X.shape[1] for p in parts)

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2))

    return Tensor(
        np.concatenate([pad(p.X) for p in parts]),
        np.concatenate([pad(p.Y) for p in parts]),
        np.concatenate([pad(p.M) for p in parts]),
        [f for p in parts for f in p.follows],
    )


def fit(data: Tensor, lam: float, steps: int = 300) -> np.ndarray:
    """Listwise softmax over each follow-up's candidates, the loss -log of the probability of those
    holding the evidence, plus ``lam`` times the squared weights of the standardised features; full-batch
    gradient descent with a step that grows by 1.2 while the loss falls and halves when it does not.
    Returns the weights on the raw features (the standardisation folded in; a constant does not rank)."""
    useful = data.Y.any(1) & ((data.Y == 0) & data.M).any(1)  # a follow-up with nothing to choose teaches nothing
    X, Y, M = data.X[useful], data.Y[useful], data.M[useful]
    flat = X[M]
    mu, sd = flat.mean(0), flat.std(0) + 1e-9
    Z = (X - mu) / sd
    n = len(Z)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.where(M, Z @ w, -np.inf)
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        right = p * Y
        held = right.sum(1)
        value = -np.log(held + 1e-300).mean() + lam * w @ w
        grad = (np.einsum("qc,qcf->f", p, Z) - np.einsum("qc,qcf->f", right / held[:, None], Z)) / n
        return float(value), grad + 2 * lam * w

    w, step = np.zeros(X.shape[2]), 0.5
    value, grad = loss(w)
    for _ in range(steps):
        trial = w - step * grad
        new, new_grad = loss(trial)
        if new <= value:
            w, value, grad, step = trial, new, new_grad, step * 1.2
        else:
            step *= 0.5
    return w / sd


def chosen(data: Tensor, w: np.ndarray, margin: float) -> np.ndarray:
    """Each follow-up's first passage: the method's (candidate 0) unless another scores ``margin`` more."""
    s = np.where(data.M, data.X @ w, -np.inf)
    best = s.argmax(1)
    return np.where(s[np.arange(len(s)), best] - s[:, 0] > margin, best, 0)


def gain(data: Tensor, w: np.ndarray, margin: float) -> int:
    """Follow-ups right at rank 1 re-ranked, minus those right as the method ranks them."""
    picked = chosen(data, w, margin)
    return int(data.Y[np.arange(len(picked)), picked].sum() - data.Y[:, 0].sum())


def log_loss(data: Tensor, w: np.ndarray) -> float:
    useful = data.Y.any(1)
    s = np.where(data.M, data.X @ w, -np.inf)[useful]
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    return float(-np.log((p * data.Y[useful]).sum(1) + 1e-300).sum())


def nested(tensors: dict[str, Tensor], train: int) -> tuple[float, float, dict[float, float], dict[float, int]]:
    """λ and the margin chosen inside the training half alone, leaving one batch out in turn: λ by
    the held-out batches' log-loss, then the margin by their follow-ups gained."""
    batches = sorted({f.batch for t in tensors.values() for f in t.follows if f.half == train})
    losses = dict.fromkeys(LAMBDAS, 0.0)
    gains = {lam: dict.fromkeys(MARGINS, 0) for lam in LAMBDAS}
    for lam in LAMBDAS:
        for batch in batches:
            fitted = fit(
                joined_tensor([t.where(lambda f, b=batch: f.half == train and f.batch != b) for t in tensors.values()]),
                lam,
            )
            for t in tensors.values():
                left = t.where(lambda f, b=batch: f.half == train and f.batch == b)
                losses[lam] += log_loss(left, fitted)
                for margin in MARGINS:
                    gains[lam][margin] += gain(left, fitted, margin)
    lam = min(losses, key=losses.__getitem__)
    margin = max(MARGINS, key=lambda m: (gains[lam][m], m))
    return lam, margin, losses, gains[lam]


def crossfit(opened: Callable[[str], Retriever]) -> dict:
    """The sweep and the nested cross-fit, both directions, both tables; returns the collected follow-ups."""
    collected = collect_all(opened)
    print("\nListwise softmax, trained on one half (both tables' follow-ups), read on the other: follow-ups")
    print("gained at rank 1 over the thirteenth pass (own index / one index), every λ and margin\n")
    print(
        "| features | candidates | λ | margin | first -> second, own | one index | second -> first, own | one index |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for family, columns in FAMILIES.items():
        for depth, pooled in POOLS:
            names = tuple(n for n in pooled if n != "joined") if family.endswith("no join") else pooled
            tensors = {table: tensor(collected[table], depth, names, columns) for table in TABLES}
            for lam in LAMBDAS:
                weights = [
                    fit(joined_tensor([t.where(lambda f, h=h: f.half == h) for t in tensors.values()]), lam)
                    for h in (0, 1)
                ]
                for margin in MARGINS:
                    cells = [
                        gain(tensors[table].where(lambda f, h=h: f.half == 1 - h), weights[h], margin)
                        for h in (0, 1)
                        for table in TABLES
                    ]
                    print(
                        f"| {family} | {depth} of {' + '.join(names)} | {lam} | {margin} | "
                        + " | ".join(f"{c:+d}" for c in cells)
                        + " |",
                        flush=True,
                    )
    print("\nNested: λ and margin chosen inside the training half (one batch left out in turn), read on the other\n")
    print(
        "| features | candidates | trained on | λ, margin | gained on the other half, own index | one index | in-sample, own | one |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for family, columns in FAMILIES.items():
        for depth, pooled in POOLS[:2]:
            names = tuple(n for n in pooled if n != "joined") if family.endswith("no join") else pooled
            tensors = {table: tensor(collected[table], depth, names, columns) for table in TABLES}
            for train in (0, 1):
                lam, margin, _, _ = nested(tensors, train)
                w = fit(joined_tensor([t.where(lambda f, h=train: f.half == h) for t in tensors.values()]), lam)
                out = [gain(tensors[t].where(lambda f, h=train: f.half == 1 - h), w, margin) for t in TABLES]
                ins = [gain(tensors[t].where(lambda f, h=train: f.half == h), w, margin) for t in TABLES]
                print(
                    f"| {family} | {depth} of {' + '.join(names)} | {'first' if train == 0 else 'second'} half | {lam}, {margin} "
                    f"| {out[0]:+d} | {out[1]:+d} | {ins[0]:+d} | {ins[1]:+d} |",
                    flush=True,
                )
    fully_nested(collected)
    return collected


def settings_of(collected: dict[str, list[Follow]]) -> dict[tuple, dict[str, Tensor]]:
    """Every family and pool's tensors, both tables."""
    settings = {}
    for family, columns in FAMILIES.items():
        for depth, pooled in POOLS:
            names = tuple(n for n in pooled if n != "joined") if family.endswith("no join") else pooled
            settings[(family, depth, names)] = {t: tensor(collected[t], depth, names, columns) for t in TABLES}
    return settings


def choose(settings: dict[tuple, dict[str, Tensor]], halves: Sequence[int]) -> tuple[tuple, int]:
    """(family, depth, names, λ, margin) chosen on the batches of ``halves`` alone: each batch left out in
    turn, the follow-ups gained on it summed over the batches and both tables; and that sum."""
    batches = sorted({f.batch for t in next(iter(settings.values())).values() for f in t.follows if f.half in halves})
    scores = {}
    for key, tensors in settings.items():
        for lam in LAMBDAS:
            gains = dict.fromkeys(MARGINS, 0)
            for batch in batches:
                parts = [t.where(lambda f, b=batch: f.half in halves and f.batch != b) for t in tensors.values()]
                w = fit(joined_tensor(parts), lam)
                for t in tensors.values():
                    left = t.where(lambda f, b=batch: f.half in halves and f.batch == b)
                    for margin in MARGINS:
                        gains[margin] += gain(left, w, margin)
            for margin in MARGINS:
                scores[(*key, lam, margin)] = gains[margin]
    best = max(scores, key=scores.__getitem__)
    return best, scores[best]


def trained(settings: dict[tuple, dict[str, Tensor]], halves: Sequence[int]) -> tuple[tuple, np.ndarray]:
    """The re-ranking chosen (:func:`choose`) and fitted on ``halves``: its setting and its weights."""
    best, _ = choose(settings, halves)
    family, depth, names, lam, _ = best
    tensors = settings[(family, depth, names)]
    return best, fit(joined_tensor([t.where(lambda f: f.half in halves) for t in tensors.values()]), lam)


def fully_nested(collected: dict[str, list[Follow]]) -> None:
    """The features, the candidates, λ and the margin all chosen inside the training half (one batch left
    out in turn, by the follow-ups it gains there), then read on the other half: what choosing a re-ranking
    on tuning data is worth on data it was not chosen on."""
    print("\nFully nested (features, candidates, λ and margin chosen inside the training half)\n")
    print("| trained on | chosen | inner gain | gained on the other half, own index | one index |")
    print("|---|---|---|---|---|")
    settings = settings_of(collected)
    for train in (0, 1):
        best, inner = choose(settings, [train])
        family, depth, names, lam, margin = best
        tensors = settings[(family, depth, names)]
        w = fit(joined_tensor([t.where(lambda f, h=train: f.half == h) for t in tensors.values()]), lam)
        out = [gain(tensors[t].where(lambda f, h=train: f.half == 1 - h), w, margin) for t in TABLES]
        print(
            f"| {'first' if train == 0 else 'second'} half | {family}, {depth} of {' + '.join(names)}, λ {lam}, margin {margin} "
            f"| {inner:+d} | {out[0]:+d} | {out[1]:+d} |",
            flush=True,
        )


def collect_all(opened: Callable[[str], Retriever]) -> dict[str, list[Follow]]:
    out = {}
    batches = batch_halves(THIRTEENTH_HALVES)
    for table in TABLES:
        held = {c: cached(opened("all" if table == "all" else c)) for c in CORPORA}
        out[table] = [
            f
            for name, which, rows in batches
            for corpus in CORPORA
            for f in collect(
                held[corpus], [r for r in rows if r["corpus"] == corpus and not r.get("standalone")], name, which
            )
        ]
        print(f"collected {len(out[table])} follow-ups read with their thread ({table})", flush=True)
    return out


def ceilings(opened: Callable[[str], Retriever]) -> None:
    """Recall@1 of a perfect reorder of the method's first 3, the union of the first 3 of the method,
    the naive join and the follow-up asked alone, and the same with 5; every follow-up of each half."""
    print(
        "\n| table | half | follow-ups | thirteenth pass | naive join | asked alone | (a) method's 3 | method's 5 | (b) union of 3 | (c) union of 5 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    batches = batch_halves(THIRTEENTH_HALVES)
    for table in TABLES:
        held = {c: cached(opened("all" if table == "all" else c)) for c in CORPORA}
        counts = {h: np.zeros(8, dtype=int) for h in (0, 1)}
        for _, which, rows in batches:
            for corpus, retriever in held.items():
                mine = [r for r in rows if r["corpus"] == corpus and not r.get("standalone")]
                if not mine:
                    continue
                ranks = {}
                for how, k in (("method", 3), ("method5", 5), ("joined", 5), ("alone", 5)):
                    texts = [" ".join([*r["history"], r["q"]]) if how == "joined" else r["q"] for r in mine]
                    histories = [r["history"] for r in mine] if how.startswith("method") else None
                    answers = retriever.ask_many(texts, k=k, histories=histories)
                    ranks[how] = [
                        rank_of_answer([h.text for h in a.hits], r["evidence"]) or 99
                        for a, r in zip(answers, mine, strict=True)
                    ]
                for i in range(len(mine)):
                    m, m5, j, a = (ranks[h][i] for h in ("method", "method5", "joined", "alone"))
                    counts[which] += [1, m == 1, j == 1, a == 1, m <= 3, m5 <= 5, min(m, j, a) <= 3, min(m5, j, a) <= 5]
        for h in (0, 1):
            n, *rest = counts[h]
            print(
                f"| {table} | {'first' if h == 0 else 'second'} | {n} | " + " | ".join(f"{x}/{n}" for x in rest) + " |",
                flush=True,
            )

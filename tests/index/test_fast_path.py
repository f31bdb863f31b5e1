"""The query path's speed-ups give the answers the plain computations give (index/search.py,
index/lexical.py, index/text.py, index/tokens.py, index/onnx_backend.py, index/blas.py).

Each fast path is checked against the straightforward code it replaced, kept here as the
reference: ranking on every evaluation question of the article (and of the article with a
second document), spelling correction, text normalisation and words, PQ decoding; a batch embedded on several threads
against one thread; a batch of questions against the same questions asked one by one.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from index import blas, bold, lexical, search, text
from index.corpus import Corpus
from index.lexical import Lexicon
from index.query import Retriever
from index.text import within_edits
from index.tokens import TokenCodec, TokenStore
from index.types import Answer
from tests.index.test_late import plain_window_maxsim
from tests.prebuilt import Prebuilt

ROOT = Path(__file__).resolve().parents[2]
# Late interaction on sentence windows, measured and off in the shipped mix (docs/retrieval.md, ninth pass).
WINDOWS = search.Mix(late_windows=2.0)
NO_WINDOWS = search.Mix(late_windows=0.0)
QUESTIONS = [json.loads(line)["q"] for line in (ROOT / "eval" / "questions.jsonl").read_text().splitlines()]
FOLLOWUPS = [json.loads(line) for line in (ROOT / "eval" / "followups.jsonl").read_text().splitlines()]
ARTICLE_FOLLOWUPS = [f for f in FOLLOWUPS if f["corpus"] == "article"]


def reference_rank_chunks(corpus: Corpus, query: search.Query, k: int, mix: search.Mix) -> tuple[search.Scored, ...]:
    """:func:`search.rank_chunks` as it was written before it was made faster."""
    dense_sentence = corpus.sentence_vectors @ query.vector
    if query.sentence_weights is None:
        sentence_bm25 = corpus.sentence_lexicon.scores(corpus.sentence_lexicon.query_terms(query.text))
    else:
        sentence_bm25 = corpus.sentence_lexicon.weighted_scores(query.sentence_weights)
    if query.chunk_weights is None:
        chunk_bm25 = corpus.lexicon.scores(query.terms)
    else:
        chunk_bm25 = corpus.lexicon.weighted_scores(query.chunk_weights)
    n_chunks = len(corpus.chunk_vectors)
    sentence_score = mix.sentence_dense * search._z(dense_sentence) + mix.sentence_bm25 * search._z(sentence_bm25)
    best_sentence_score = np.full(n_chunks, -np.inf)
    np.maximum.at(best_sentence_score, corpus.sentence_owner, sentence_score)
    best_sentence_score[~np.isfinite(best_sentence_score)] = 0.0
    dense_chunk = corpus.chunk_vectors @ query.vector
    first = best_sentence_score + mix.chunk_dense * search._z(dense_chunk) + mix.chunk_bm25 * search._z(chunk_bm25)
    candidates = np.argsort(-first, kind="stable")[: search.RERANK_CANDIDATES if mix.late_interaction else n_chunks]
    score = np.full(n_chunks, -np.inf)
    maxsims = reference_maxsim_spans(query.tokens, corpus.token_vectors, corpus.token_spans[candidates])
    score[candidates] = first[candidates] + mix.late_interaction * search._z(maxsims)
    if mix.late_interaction and mix.late_windows and query.chunk_weights is None and len(query.tokens):
        # The best window of sentences of each candidate, for a question searched alone.
        counts = np.array([len(corpus.chunks[c].sentences) for c in candidates])
        rows = corpus.sentence_tokens.rows(candidates)
        spans = corpus.token_spans[candidates]
        windows = plain_window_maxsim(query.tokens, corpus.token_vectors, spans, rows, counts, mix.window_sentences)
        score[candidates] += mix.late_windows * search._z(windows)
    order = search.dedup.distinct(np.argsort(-score, kind="stable"), corpus.duplicate_of, k)
    highlight = search._z(dense_sentence) + search.Mix().sentence_bm25 * search._z(sentence_bm25)
    starts = np.searchsorted(corpus.sentence_owner, np.arange(n_chunks + 1))
    late = reference_sentence_late(corpus, query, candidates) if mix.late_interaction else {}
    kind = bold.asked_kind(query.text)
    top = []
    for ci in order:
        lo, hi = starts[ci], starts[ci + 1]
        own = np.array([late.get(i, 0.0) for i in range(lo, hi)])
        best = bold.choose(highlight[lo:hi], own, query.text, kind, corpus.chunks[ci].sentence) if hi > lo else 0
        top.append(search.Scored(int(ci), best, float(score[ci])))
    return tuple(top)


def reference_sentence_late(corpus: Corpus, query: search.Query, candidates: np.ndarray) -> dict[int, float]:
    """Each candidate sentence's own MaxSim (its rows alone, -1 with none), z-scored over them, by
    sentence number: what the bold sentence reads beside the sentence view."""
    if not len(query.tokens):
        return {}
    numbers, maxsims = [], []
    rows = iter(corpus.sentence_tokens.rows(candidates))
    for c in candidates:
        for number in range(corpus.sentence_starts[c], corpus.sentence_starts[c + 1]):
            a, b = next(rows)
            own = (query.tokens @ corpus.token_vectors[np.arange(a, b)].T).max(axis=1).mean() if b > a else -1.0
            numbers.append(int(number))
            maxsims.append(own)
    return dict(zip(numbers, search._z(np.array(maxsims, dtype=np.float32)).tolist(), strict=True))


def reference_maxsim_spans(query_tokens: np.ndarray, store: TokenStore, spans: np.ndarray) -> np.ndarray:
    """:func:`search.maxsim_spans` as it was: the spans' rows gathered in a Python loop."""
    scores = np.zeros(len(spans), dtype=np.float32)
    lengths = spans[:, 1] - spans[:, 0] if len(spans) else np.zeros(0, dtype=np.int64)
    filled = lengths > 0
    if len(query_tokens) == 0 or not filled.any():
        return scores
    rows = np.concatenate([np.arange(a, b) for a, b in spans[filled]])
    similarities = query_tokens @ store[rows].T
    starts = np.concatenate(([0], np.cumsum(lengths[filled])[:-1]))
    scores[filled] = np.maximum.reduceat(similarities, starts, axis=1).mean(axis=0)
    return scores


def reference_correct(vocabulary: frozenset[str], query_terms: list[str]) -> list[str]:
    """:meth:`Lexicon.correct` as it was: every unknown word against the whole vocabulary."""
    fixed = []
    for term in query_terms:
        if term in vocabulary or len(term) < 5:
            fixed.append(term)
            continue
        limit = 1 if len(term) < 7 else 2
        near = [v for v in vocabulary if v[0] == term[0] and within_edits(term, v, limit)]
        fixed.append(min(near, key=lambda v: (abs(len(v) - len(term)), v)) if near else term)
    return fixed


def shaped(answer: Answer) -> tuple[object, ...]:
    """What an answer says: passages, their order and sentences, abstention and confidence (not scores)."""
    hits = tuple((h.source, h.paragraph, h.sentence_start, h.sentence) for h in answer.hits)
    return answer.question, answer.abstained, answer.confidence, hits


def open_index(root: Path, prebuilt: Prebuilt, *files: Path) -> Retriever:
    """``files`` and the article's titles, indexed (a copy of the run's index of the same files)."""
    return Retriever.open(*prebuilt.copy(root, *files, ROOT / "seeds" / "titles.toml"))


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """The real article, indexed once for this module."""
    return open_index(tmp_path_factory.mktemp("article"), prebuilt, *sorted((ROOT / "seeds").glob("*.txt")))


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """The article and an article on honeybees."""
    bees = ROOT / "tests" / "fixtures" / "multi" / "honeybees.md"
    return open_index(tmp_path_factory.mktemp("two"), prebuilt, *sorted((ROOT / "seeds").glob("*.txt")), bees)


def test_spelling_correction_by_bucket_equals_the_scan_of_the_whole_vocabulary() -> None:
    """Misspellings, near misses and unknown words are corrected as the full scan corrects them."""
    lexicon = Lexicon(
        [
            "Arvind Krishna wrote to Congress about facial recognition technology.",
            "Honeybee colonies collapse; pesticides and parasites weaken the hives.",
            "Recognising recognition: the recogniser recognises.",
        ]
    )
    asked = ["khrisna", "congres", "recognitoin", "pesticid", "honeybe", "zzzzzz", "colonie", "parasit", "ab", "hive"]
    assert lexicon.correct(asked) == reference_correct(lexicon.vocabulary, asked)
    assert lexicon.correct(asked) == lexicon.correct(asked)  # the remembered corrections are the same


def test_spelling_correction_on_a_real_vocabulary_equals_the_full_scan() -> None:
    """150 words of the SQuAD articles misspelt at random (a letter dropped, added, changed or two
    swapped, once or twice) are corrected as the scan of the whole vocabulary corrects them."""
    paragraphs = [
        p for f in sorted((ROOT / "eval" / "squad" / "seeds").glob("*.txt")) for p in f.read_text().split("\n\n")
    ]
    lexicon = Lexicon(paragraphs)
    rng = np.random.default_rng(7)
    words = sorted(w for w in lexicon.vocabulary if len(w) >= 5)
    asked = []
    for word in rng.choice(words, 150, replace=False):
        letters = list(word)
        for _ in range(int(rng.integers(1, 3))):
            i = int(rng.integers(1, len(letters) - 1))
            kind = rng.integers(0, 4)
            if kind == 0:
                del letters[i]
            elif kind == 1:
                letters.insert(i, "abcdefghijklmnopqrstuvwxyz"[rng.integers(0, 26)])
            elif kind == 2:
                letters[i] = "abcdefghijklmnopqrstuvwxyz"[rng.integers(0, 26)]
            else:
                letters[i - 1], letters[i] = letters[i], letters[i - 1]
        asked.append("".join(letters))
    assert lexicon.correct(asked) == reference_correct(lexicon.vocabulary, asked)


def test_z_scores_are_the_bytes_of_numpys_mean_and_std() -> None:
    """search._z skips numpy's Python layers of mean and std, not their arithmetic."""
    rng = np.random.default_rng(7)
    for n in (1, 2, 18, 48, 184, 1537, 9000):
        for dtype in (np.float32, np.float64):
            values = (rng.standard_normal(n) * rng.uniform(0.01, 50) + rng.uniform(-20, 20)).astype(dtype)
            for view in (values, values[::3]):
                spread = view.std()
                plain = np.zeros_like(view) if spread < 1e-6 else (view - view.mean()) / spread
                fast = search._z(view)
                assert fast.dtype == plain.dtype and np.array_equal(fast, plain), (n, dtype)
    assert np.array_equal(search._z(np.full(5, 3.0, np.float32)), np.zeros(5, np.float32))
    assert np.array_equal(search._z(np.arange(4)), (np.arange(4) - 1.5) / np.arange(4).std())


def reference_plain(raw: str) -> str:
    """:func:`text.plain` as it was written before it was made faster (one translate of every character)."""
    return text._SPACE.sub(" ", unicodedata.normalize("NFKC", raw).translate(text._PLAIN)).strip()


def reference_words(raw: str) -> list[str]:
    """:func:`lexical.words` as it was written before it was made faster."""
    out = []
    raw = lexical._CAPITAL_THEN_L.sub(lambda m: f"{m.group(0)} {m.group(1)}I", raw)
    for word in lexical._WORD.findall(text.normalize(raw)):
        stem = word.removesuffix("'s")
        out.extend(part for part in stem.replace("'", " ").split() if part)
    return out


def test_plain_text_and_words_are_those_of_the_plain_code() -> None:
    """Every character, alone and all together; random mixes of the characters made plain,
    apostrophes and possessives; the evaluation questions and the article's lines."""
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    rng = random.Random(12)
    tricky = "".join(map(chr, text._PLAIN)) + "'s’ AlI-_ x1.\u00a0\t\n\u2028\ufb01"
    mixes = ["".join(rng.choice(tricky) for _ in range(rng.randint(0, 30))) for _ in range(20_000)]
    lines = (ROOT / "seeds").joinpath(next(p.name for p in (ROOT / "seeds").glob("*.txt"))).read_text().splitlines()
    for raw in [*every, "".join(every), *mixes, *QUESTIONS, *lines, "IBM's rock'n'roll 's ' AI's Al"]:
        assert text.plain(raw) == reference_plain(raw), repr(raw)
    for raw in [*mixes, *QUESTIONS, *lines, "IBM's rock'n'roll 's ' AI's Al o'neil's"]:
        assert lexical.words(raw) == reference_words(raw), repr(raw)


def test_pq_decoding_by_one_take_equals_decoding_piece_by_piece() -> None:
    """Rows decoded from the centroids laid end to end are the bytes the per-piece lookup gives."""
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(5000, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    codec = TokenCodec.learn(rows[:4096], len(rows))
    store = TokenStore(codec.encode(rows), codec.codebook())
    wanted = rng.integers(0, len(rows), 700)
    centroids = store.codebook.astype(np.float32)
    by_piece = centroids[np.arange(store.codes.shape[1]), store.codes[wanted]].reshape(len(wanted), -1)
    assert np.array_equal(store[wanted], by_piece)
    assert np.array_equal(store[10:20], centroids[np.arange(store.codes.shape[1]), store.codes[10:20]].reshape(10, -1))


def test_a_small_float16_store_reads_as_its_float32_values() -> None:
    """Kept as float32 at load, a small float16 store gives what converting its rows gives, read-only."""
    rows = np.random.default_rng(4).normal(size=(300, 384)).astype(np.float16)
    store = TokenStore(rows, np.zeros((0,), dtype=np.float16))
    assert np.array_equal(store[np.arange(10, 60)], rows[10:60].astype(np.float32))
    assert not store[0:5].flags.writeable


@pytest.mark.model
@pytest.mark.parametrize("corpus_name", ["article", "two_documents"])
def test_ranking_equals_the_plain_computation_on_every_question(
    corpus_name: str, request: pytest.FixtureRequest
) -> None:
    """Every evaluation question (and every follow-up, read with its thread) ranks the same chunks, in
    the same order, with the same sentences and the same scores as the plain code."""
    retriever: Retriever = request.getfixturevalue(corpus_name)
    texts = QUESTIONS + [f["q"] for f in ARTICLE_FOLLOWUPS] + [h for f in ARTICLE_FOLLOWUPS for h in f["history"]]
    queries = retriever._queries(list(dict.fromkeys(texts)))
    for query in queries.values():
        for mix in (NO_WINDOWS, search.Mix(late_interaction=0.0), WINDOWS, replace(WINDOWS, window_sentences=3)):
            assert search.rank_chunks(retriever.corpus, query, 6, mix) == reference_scored_alike(
                retriever.corpus, query, mix
            ), query.text


def reference_scored_alike(corpus: Corpus, query: search.Query, mix: search.Mix) -> tuple[search.Scored, ...]:
    """The plain computation's first 6 passages, each score within float32 rounding of the fast path's
    (the windows' maxima are averaged in another order) and the same scores exactly without windows."""
    plain = reference_rank_chunks(corpus, query, 6, mix)
    fast = search.rank_chunks(corpus, query, 6, mix)
    if not (mix.late_interaction and mix.late_windows and query.chunk_weights is None):
        return plain
    assert [s.score for s in fast] == pytest.approx([s.score for s in plain], abs=1e-4)
    return tuple(search.Scored(p.chunk, p.sentence, f.score) for p, f in zip(plain, fast, strict=True))


@pytest.mark.model
def test_a_follow_up_read_with_its_thread_is_ranked_without_sentence_windows(article: Retriever) -> None:
    """The windows are for a question searched alone: a query carrying its thread's words is ranked to
    the byte as with them off (unless asked for), while the same question alone is not."""
    assert search.Mix() == WINDOWS  # the shipped ranking has them
    changed = threaded_changed = 0
    for query in article._queries(QUESTIONS).values():
        threaded = replace(query, chunk_weights=dict.fromkeys(query.terms, 1.0))
        off = search.rank_chunks(article.corpus, threaded, 6, NO_WINDOWS)
        assert search.rank_chunks(article.corpus, threaded, 6, WINDOWS) == off, query.text
        in_threads = search.rank_chunks(article.corpus, threaded, 6, replace(WINDOWS, windows_in_threads=True))
        threaded_changed += in_threads != off
        changed += search.rank_chunks(article.corpus, query, 6, WINDOWS) != search.rank_chunks(
            article.corpus, query, 6, NO_WINDOWS
        )
    assert changed > 0 and threaded_changed > 0


def test_a_batch_on_two_threads_gives_the_bytes_of_one_thread(article: Retriever) -> None:
    """More questions than one embedding batch: embedded on two threads, every answer and score is the
    same as on one (the batches are the same)."""
    questions = QUESTIONS * 3  # 99 questions: four batches of 32
    article.batch_workers = 1
    one = article.ask_many(questions)
    article.batch_workers = 2
    two = article.ask_many(questions)
    assert one == two


def test_a_batch_answers_as_the_questions_asked_one_by_one(article: Retriever) -> None:
    """ask_many over the article's questions and follow-ups gives each the passages, sentences,
    abstention and confidence it gets alone."""
    histories = [()] * len(QUESTIONS) + [tuple(f["history"]) for f in ARTICLE_FOLLOWUPS]
    questions = QUESTIONS + [f["q"] for f in ARTICLE_FOLLOWUPS]
    together = article.ask_many(questions, 6, histories=histories)
    alone = [article.ask(q, 6, history=h) for q, h in zip(questions, histories, strict=True)]
    assert [shaped(a) for a in together] == [shaped(a) for a in alone]  # type: ignore[arg-type]


def test_answering_leaves_numpy_one_blas_thread(article: Retriever) -> None:
    """A retriever opened with one embedding thread leaves numpy's BLAS one thread (no spinning threads)."""
    assert article is not None
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}
    blas.limit_threads(1)  # again: nothing to do

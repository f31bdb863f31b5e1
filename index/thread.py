"""What reading a follow-up with its thread is made of: how it is read (:class:`Folding`, the
shipped constants, each measured in docs/retrieval.md, in :mod:`index.folding`), what the earlier questions leave for
it (:class:`Context`), and how a follow-up is ranked (:func:`rank`): what the passage that answered
the previous question loses when it is ranked again (:func:`sentence_lead`, :func:`release`,
:func:`unsaid`), and other documents' passages (:func:`elsewhere`). The reading itself is
:mod:`index.followup`."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index import reference, search
from index.asked import question_names
from index.corpus import Corpus
from index.folding import Folding
from index.lexical import terms


@dataclass(frozen=True)
class Context:
    """What the earlier questions of a thread leave for the next one.

    Attributes:
        vector: Unit vector of the last earlier question's (folded) search, shape ``(d,)``.
        chunk_terms: Weighted words for chunk BM25.
        sentence_terms: Weighted words for sentence BM25.
        referents: What the last earlier question's pronouns may point to.
        answer: The ``(chunk, sentence)`` that answered the last earlier question, or None.
        added: The words (of either lexicon) that only the answer's names brought.
        alone: The follow-up read in this context, searched without it (its own words, its
            vector blended with its resolved rewrite), or None: set by :func:`threaded`.
        clarity: How clear the follow-up is alone: its best match in background spreads
            above the off-topic background (``calibration.z``).
    """

    vector: np.ndarray
    chunk_terms: Mapping[str, float]
    sentence_terms: Mapping[str, float]
    referents: reference.Referents | None = None
    answer: tuple[int, int] | None = None
    added: frozenset[str] = frozenset()
    alone: search.Query | None = None
    clarity: float = 0.0


_MIX = search.Mix()

# Embeds a rewritten question: its text in, its Query out (Retriever._queries for one text).
Encode = Callable[[str], search.Query]


def rank(
    corpus: Corpus,
    query: search.Query,
    k: int,
    mix: search.Mix = _MIX,
    context: Context | None = None,
    folding: Folding | None = None,
) -> tuple[search.Scored, ...]:
    """:func:`search.rank_chunks` for a question read in ``context`` (None: as it is), where the
    passage that answered the previous question loses ``repeat_weight`` of the lead its
    answering sentence gives it over its other sentences, part of the lift the thread gives it
    (:func:`release`) and, when it lacks the follow-up's own new words, a flat
    ``unsaid_drop`` (:func:`unsaid`): a follow-up asks for something new. The passages of
    other documents than that one lose ``elsewhere_drop`` (:func:`elsewhere`). A question
    with no context is ranked unchanged."""
    folding = folding or Folding()
    if context is None or context.answer is None:
        return search.rank_chunks(corpus, query, k, mix)
    # Passages only move down: the first k + 1, and those that rise past other documents', hold the new first k.
    depth = k + 1 + (folding.elsewhere_depth if folding.elsewhere_drop > 0 else 0)
    deeper, (chunk, sentence), drop = search.rank_chunks(corpus, query, depth, mix), context.answer, 0.0
    top = deeper[: k + 1]
    covers = folding.covered and covered(corpus, query.text, chunk, sentence)
    covers = covers or said(corpus, query.text, context, folding, chunk, sentence)
    if folding.repeat_weight > 0 and any(s.chunk == chunk for s in top) and not covers:
        score = next(s.score for s in top if s.chunk == chunk)
        drop = folding.repeat_weight * sentence_lead(corpus, query, mix, chunk, sentence)
        drop += release(corpus, context, folding, mix, chunk, score - drop)
        drop += unsaid(corpus, query, context, folding, chunk, [s.chunk for s in top if s.chunk != chunk])
        if folding.lift_cap < float("inf"):
            drop = min(drop, folding.lift_cap * lift(corpus, context, mix, chunk, score))
    moved = [
        replace(s, score=s.score - (drop if s.chunk == chunk else 0.0) - elsewhere(corpus, s.chunk, chunk, folding))
        for s in deeper
    ]
    return tuple(sorted(moved, key=lambda s: -s.score)[:k])


def covered(corpus: Corpus, question: str, chunk: int, sentence: int) -> bool:
    """Whether the sentence ``(chunk, sentence)`` holds every content word of ``question`` (as
    the sentence lexicon stems them; False for a question with none)."""
    own = set(corpus.sentence_lexicon.query_terms(question))
    return bool(own) and own <= set(terms(corpus.chunks[chunk].sentence(sentence)))


def sentence_lead(corpus: Corpus, query: search.Query, mix: search.Mix, chunk: int, sentence: int) -> float:
    """How far ``chunk``'s sentence view (:func:`search.rank_chunks`: its best sentence, dense and
    BM25 z-scored over every sentence) falls without ``sentence``; 0 when another is better."""
    lo, hi = corpus.sentence_starts[chunk], corpus.sentence_starts[chunk + 1]
    own = mix.sentence_view(*search.sentence_signals(corpus, query))[lo:hi]
    if not 0 <= sentence < len(own) or own[sentence] < own.max():
        return 0.0
    rest = np.delete(own, sentence)
    # A passage with no sentence left scores 0 on the sentence view, as in rank_chunks.
    return float(own[sentence] - (rest.max() if rest.size else 0.0))


def release(corpus: Corpus, context: Context, folding: Folding, mix: search.Mix, chunk: int, score: float) -> float:
    """How much more the previous answer's passage (``chunk``, at ``score`` so far) loses: a share
    of the lift the thread gives it over the follow-up searched alone, ``release_low`` for a
    follow-up vague alone up to ``release_high`` for one clear alone. 0 when the follow-up alone
    does not even rescore that passage, or the thread does not lift it."""
    if context.alone is None:
        return 0.0
    span = max(folding.release_z - folding.vague_z, 1e-9)
    clear = min(1.0, max(0.0, (context.clarity - folding.vague_z) / span))
    share = folding.release_low + (folding.release_high - folding.release_low) * clear
    if share <= 0:
        return 0.0
    gained = lift(corpus, context, mix, chunk, score)
    return share * gained if np.isfinite(gained) else 0.0


def lift(corpus: Corpus, context: Context, mix: search.Mix, chunk: int, score: float) -> float:
    """What the thread gives the previous answer's passage (``chunk``, at ``score`` read with it) over the
    follow-up read in its context without it (:attr:`Context.alone`): ``lift_cap`` times it is the most
    its discount takes back. Unbounded when there is no such reading or it does not rescore that passage."""
    if context.alone is None:
        return float("inf")
    own = float(search.chunk_scores(corpus, context.alone, mix)[chunk])
    return max(0.0, score - own) if np.isfinite(own) and np.isfinite(score) else float("inf")


def unsaid(
    corpus: Corpus, query: search.Query, context: Context, folding: Folding, chunk: int, others: Sequence[int]
) -> float:
    """``unsaid_drop`` when the previous answer's passage (``chunk``) does not say what the
    follow-up newly asks: at least ``unsaid_share`` of its new words are missing from it, and (as
    ``unsaid_by`` says) its own token vectors align better with one of the ``others`` leading
    passages; else 0. A follow-up with no word of its own its thread lacks ("Why?", "And in
    Prussia?") never loses it, nor does a passage whose words are said otherwise ("Why is that
    hard to settle?" answered by "This debate has proved difficult to resolve because ...") when
    the follow-up's tokens still align best with it."""
    if folding.unsaid_drop <= 0 or not others:
        return 0.0
    words = missing(corpus, query.text, context, chunk, None, folding) >= folding.unsaid_share
    aligned = search.maxsim_spans(query.tokens, corpus.token_vectors, corpus.token_spans[[chunk, *others]])
    tokens = bool(aligned[0] < aligned[1:].max())
    said = {"words": words, "tokens": tokens, "both": words and tokens, "either": words or tokens}
    return folding.unsaid_drop if said[folding.unsaid_by] else 0.0


def elsewhere(corpus: Corpus, chunk: int, answer: int, folding: Folding) -> float:
    """``elsewhere_drop`` when ``chunk`` is of another document than ``answer``, the passage that
    answered the previous question, else 0 ("How big was the area hit five years later?" after a
    question the Amazon article answered is not asked of the Black Death's crowded cities)."""
    if folding.elsewhere_drop <= 0 or corpus.chunks[chunk].source == corpus.chunks[answer].source:
        return 0.0
    return folding.elsewhere_drop


def missing(
    corpus: Corpus, question: str, context: Context, chunk: int, text: str | None = None, folding: Folding | None = None
) -> float:
    """The share of ``question``'s new words (:func:`new_words`) missing from ``chunk``'s text (or
    ``text``); 0 when it has none."""
    folding = folding or Folding()
    new = new_words(corpus, question, context, folding)
    if not new:
        return 0.0
    return 1.0 - len(new & set(terms(corpus.chunks[chunk].text if text is None else text))) / len(new)


# Words the lexicon keeps that name no topic: "since" beside "until" and "after" (which it drops),
# the pieces of a negated auxiliary ("didn't" is "didn" and "t"), indefinite pronouns.
_NO_TOPIC = frozenset(
    terms(
        "since till ever else also still yet anyone anything anybody someone something somebody"
        " t didn doesn isn wasn weren aren don won couldn wouldn shouldn hasn haven hadn"
    )
)


def new_words(corpus: Corpus, question: str, context: Context, folding: Folding) -> set[str]:
    """``question``'s new words: its content words, as the chunk lexicon reads them, that the
    thread's words do not hold (with ``plain_new``, none that names no topic: "since", "didn't")."""
    new = set(corpus.lexicon.query_terms(question)) - set(context.chunk_terms)
    return new - _NO_TOPIC if folding.plain_new else new


def said(corpus: Corpus, question: str, context: Context, folding: Folding, chunk: int, sentence: int) -> bool:
    """Whether the previous answer already says what the follow-up newly asks about (``said_in``):
    at least ``said_share`` of its new words are in that answer's sentence ("Why didn't anyone tackle
    him?" after "... none of them attempted to make a tackle") or passage, so the follow-up asks
    about it; with ``said_bare``, also a follow-up with no new word ("And since then?")."""
    if not folding.said_in:
        return False
    if not new_words(corpus, question, context, folding):
        return folding.said_bare
    text = corpus.chunks[chunk].sentence(sentence) if folding.said_in == "sentence" else None
    return 1.0 - missing(corpus, question, context, chunk, text, folding) >= folding.said_share


def names_itself(corpus: Corpus, query: search.Query, folding: Folding) -> bool:
    """Whether a question names its own subject: one of its names (``subject_kind``) is used by
    at most ``subject_share`` of the passages, or by none ("What did Paramount pay for?", "What
    did the CALIPSO satellite measure?"). A name most passages use ("Harvard" across an article on
    Harvard) is the sources' subject, not the question's; "What was the final score?" names none."""
    if folding.subject_share <= 0:
        return False
    lexicon = corpus.lexicon
    if folding.subject_kind == "words":
        words = lexicon.query_terms(query.text)
    else:
        found = question_names(query.text)
        if folding.subject_kind == "names":
            found = [name for name in found if not name[0].isdigit()]
        words = [term for name in found for term in lexicon.query_terms(name)]
    rare = math.log(1 + 1 / folding.subject_share)
    return any(lexicon.idf(term) >= rare for term in words)

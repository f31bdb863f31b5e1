"""What reading a follow-up with its thread is made of: how it is read (:class:`Folding`, the
shipped constants, each measured in docs/retrieval.md), what the earlier questions leave for
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
from index.lexical import terms


@dataclass(frozen=True)
class Folding:
    """How a follow-up is read with its thread. The defaults are the shipped method; the
    benchmark's sweeps change them (docs/retrieval.md).

    Attributes:
        turns: Earlier questions read, the newest ones.
        vague_z: A question whose best semantic match stands less than this many background
            spreads above the off-topic background is too vague to search alone ("What was
            the final score?"), even with no pronoun.
        vector_weight: Weight of the context's vector beside the question's own.
        term_weight: Weight of the context's words in BM25 beside the question's own (1).
        name_weight: Weight in BM25 of the names and figures of the previous answer's sentence.
        resolve_weight: Weight of the vector of the follow-up rewritten with what its pronouns
            point to (:mod:`index.reference`), beside its own vector (0: not rewritten).
        repeat_weight: Share of its lead that the previous answer's sentence loses when its
            passage is ranked for the follow-up (:func:`rank`; 0: none).
        strict: The resolution's fourth-pass rules (:func:`reference.resolve`): "he" is one
            person, "that country" is the previous answer only when a country was asked for.
        referent_weight: Weight in BM25 of the words a follow-up's pronouns were resolved to
            (0: only the vector of the rewritten question uses them).
        clear_z: A question that refers back but whose best match stands this many background
            spreads above the background is read alone (inf: never; measured, not kept).
        focus: When a follow-up's pronoun was resolved to one of the previous answer's names,
            the weight of the thread's other words is multiplied by this (1: unchanged).
        answer_depth: When an earlier question asked who or which and its first passage's
            answering sentence names nothing it did not ask, its answer is the first of this
            many passages whose sentence does (1: always the first passage).
        need_z: The thread weighs by how much the follow-up needs it: a follow-up whose own
            best match stands ``vague_z`` background spreads above the background or less gets
            the thread's full weight, one at ``need_z`` or more ``need_floor`` of it, linearly
            between (inf: always the full weight).
        need_floor: The share of the thread's weight left to a follow-up clear enough alone.
        release_low: Share of the lift the thread gives the previous answer's passage (its
            score read with the thread minus its score for the follow-up alone) that it loses
            when the follow-up is vague alone (best match ``vague_z`` background spreads above
            the background or less); 0: none (:func:`rank`).
        release_high: The same share for a follow-up clear alone (``release_z`` spreads or
            more), linearly between.
        release_z: Where a follow-up counts as clear alone for ``release_high``.
        which_person: "he" after a which-question whose subject is no person ("Which zoologist
            challenged the theory?") is the answer's name that can be one person
            (:func:`reference.resolve`; False: left unresolved).
        covered: A follow-up whose every own content word the previous answer's sentence holds
            ("And the host interface?" after "... changed the host interface to X.25 and the
            terminal interface to X.29") may be answered by that very sentence: its passage
            then loses nothing (:func:`rank`; False: it loses as any other).
        contrast: The weight of the thread's words that a contrasting fragment replaces
            ("Sweden" for "And in Prussia?" after "How many ... kill in Sweden?",
            :func:`anaphora.ellipsis`) is multiplied by this (1: unchanged; 0: dropped).
        ellipsis_weight: Weight of the vector of the previous question rewritten with the
            fragment in place ("How many ... kill in Prussia?") beside the follow-up's own, as
            ``resolve_weight`` for pronouns (0: not rewritten).
        release_rewritten: The clarity that sets ``release`` is that of the follow-up's vector
            blended with its rewrite (pronouns resolved, fragment put in place), not of its own.
        unsaid_drop: What the previous answer's passage loses, in the ranking's summed z-scores,
            when it does not say what the follow-up newly asks (:func:`unsaid`; 0: nothing):
            "What do the sceptics say about the weather in the north?" after "Who first seriously
            challenged the plague theory?" is not answered by the passage that answered that.
        unsaid_share: The share of the follow-up's new words (its content words its thread does
            not hold) that must be missing from that passage.
        unsaid_by: What says the passage does not say it: ``"words"`` (the new words missing),
            ``"tokens"`` (the follow-up's own token vectors align better with another of the
            leading passages, late interaction's MaxSim), ``"both"`` or ``"either"``.
        bound: A possessive whose owner is the question's own subject ("When did BSkyB discontinue
            its Sky+ Box?") does not point back (:func:`anaphora.bound_possessive`).
        clauses: A "that" opening a clause ("Which newspaper reported that ... were being
            checked?") is no demonstrative (:func:`anaphora.opens_clause`).
        subject_share: A question vague alone (below ``vague_z``) that points back with no word
            but names its own subject, a name used by at most this share of the passages ("What
            did Paramount pay for?"), is read alone (:func:`names_itself`; 0: never).
        subject_kind: What names that subject: ``"names"`` (capitalised words after the first),
            ``"figures"`` (those and figures), ``"words"`` (any content word).
        subject_z: ... and only when its best match stands at least this many background spreads
            above the off-topic background (-inf: whatever its clarity).
        remainders: "the rest", "the remaining ...", "the others" (not followed by "of") point back
            (:func:`anaphora.refers_back`): "How much did Sky pay for the rest?" is read with its thread.
        elsewhere_drop: What a passage of another document than the one that answered the previous
            question loses, in the ranking's summed z-scores, when a follow-up is ranked with its
            thread (:func:`elsewhere`; 0: nothing): a follow-up goes on about its thread's document.
        elsewhere_depth: How many passages past the first k + 1 the ranking reads for it, the ones
            that can rise when those before them fall.
    """

    turns: int = 4
    vague_z: float = 3.0
    vector_weight: float = 0.5
    term_weight: float = 0.5
    name_weight: float = 0.25
    resolve_weight: float = 0.5
    repeat_weight: float = 0.25
    strict: bool = True
    answer_depth: int = 3
    referent_weight: float = 0.0
    clear_z: float = float("inf")
    focus: float = 0.75
    need_z: float = float("inf")
    need_floor: float = 1.0
    which_person: bool = True
    release_low: float = 0.1
    release_high: float = 0.75
    release_z: float = 5.0
    covered: bool = False
    contrast: float = 1.0
    ellipsis_weight: float = 0.5
    release_rewritten: bool = False
    unsaid_drop: float = 2.0
    unsaid_share: float = 0.5
    unsaid_by: str = "both"
    bound: bool = True
    clauses: bool = True
    subject_share: float = 0.05
    subject_kind: str = "names"
    subject_z: float = float("-inf")
    remainders: bool = True
    elsewhere_drop: float = 3.0
    elsewhere_depth: int = 8


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
    if folding.repeat_weight > 0 and any(s.chunk == chunk for s in top) and not covers:
        drop = folding.repeat_weight * sentence_lead(corpus, query, mix, chunk, sentence)
        drop += release(corpus, context, folding, mix, chunk, next(s.score for s in top if s.chunk == chunk) - drop)
        drop += unsaid(corpus, query, context, folding, chunk, [s.chunk for s in top if s.chunk != chunk])
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
    own = float(search.chunk_scores(corpus, context.alone, mix)[chunk])
    if share <= 0 or not np.isfinite(own) or not np.isfinite(score):
        return 0.0
    return share * max(0.0, score - own)


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
    words = missing(corpus, query.text, context, chunk) >= folding.unsaid_share
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


def missing(corpus: Corpus, question: str, context: Context, chunk: int) -> float:
    """The share of ``question``'s new words (its content words, as the chunk lexicon reads them,
    that the thread's words do not hold) missing from ``chunk``'s text; 0 when it has none."""
    new = set(corpus.lexicon.query_terms(question)) - set(context.chunk_terms)
    if not new:
        return 0.0
    return 1.0 - len(new & set(terms(corpus.chunks[chunk].text))) / len(new)


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

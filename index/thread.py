"""What reading a follow-up with its thread is made of: how it is read (:class:`Folding`, the
shipped constants, each measured in docs/retrieval.md) and what the earlier questions leave for
it (:class:`Context`). The reading itself is :mod:`index.followup`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from index import reference, search


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


# Embeds a rewritten question: its text in, its Query out (Retriever._queries for one text).
Encode = Callable[[str], search.Query]

"""How a follow-up is read with its thread: :class:`Folding`, the shipped constants, each measured in
docs/retrieval.md (used by :mod:`index.thread` and :mod:`index.followup`)."""

from __future__ import annotations

from dataclasses import dataclass

from index.binding import WITHIN


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
        fragments: A short question that opens with a preposition and a question word and has no
            auxiliary ("On how many ships?", "At whose expense?") continues another question, and a
            closing "then" ("How much does a channel pay, then?") points back
            (:func:`anaphora.refers_back`).
        said_in: Where the previous answer must say the follow-up's new words for its passage to lose
            nothing of ``repeat_weight`` and the release (:func:`thread.said`): ``"sentence"`` (its
            answering sentence: "Why didn't anyone tackle him?" after "... none of them attempted to
            make a tackle"), ``"passage"``, or ``""`` (never: the discount as before).
        said_share: The share of the follow-up's new words that must be said there.
        said_bare: A follow-up with no new word ("And since then?") counts as said.
        plain_new: A follow-up's new words (:func:`thread.new_words`, read by ``unsaid`` and ``said_in``)
            leave out the words the lexicon keeps that name no topic: "since" ("And since then?" asks
            nothing the previous answer's sentence must lack), the pieces of "didn't", "anyone".
        within: Pointing words whose antecedent is inside the question do not point back
            (:mod:`index.binding`, :func:`anaphora.refers_back`): ``"negated"`` (a "that" before a
            negated auxiliary opens a clause: "... require that Frame Relay doesn't?"), ``"which"``
            (a possessive of a subject question's "which" phrase or "who": "Which Nordic city lost
            two-thirds of its people?"), ``"adjunct"`` (an adjunct clause's subject pronoun is the main
            clause's subject: "... ravage Europe before it continued into Russia?"), ``"one"`` ("this
            one" after "a" + noun in the question: "... a Super Bowl before this one?"); empty: none.
        within_named: ... and only in a question that names its own subject (:func:`names_itself`,
            a rare name): "Which manufacturer had supply issues with its set top box?" names none, and
            its "its" is the previous answer's (Sky's box).
        pointers: Further words that point back (:func:`anaphora.refers_back`): ``"ordinal"`` ("Did the
            second one study at Harvard himself?", "the latter") and ``"elliptical"`` (a short question
            with no question word, auxiliary or name: "Named after somebody?"); empty: none.
        lift_cap: The previous answer's passage loses at most this many times the lift the thread gives
            it over the follow-up read without it (:func:`thread.lift`): its discount undoes the thread's
            pull towards it, and no more (inf: no cap).
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
    elsewhere_drop: float = 5.0
    elsewhere_depth: int = 8
    fragments: bool = True
    said_in: str = ""
    said_share: float = 1.0
    said_bare: bool = False
    plain_new: bool = True
    within: frozenset[str] = WITHIN
    within_named: bool = True
    pointers: frozenset[str] = frozenset(["ordinal", "elliptical"])
    lift_cap: float = float("inf")

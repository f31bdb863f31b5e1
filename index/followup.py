"""Follow-up questions: whether a question needs its thread's earlier questions, and how
they are folded into its search (pure functions over a Corpus; docs/retrieval.md has the
measurements behind every constant).

A thread is read oldest first. Each earlier question on the sources' subject leaves a
*context*: its own search (folded with the context before it when it was a follow-up) plus
the names and figures of the sentence that answered it ("When was he president?" refers to
the person the previous answer named). An aside the sources are not about leaves the context
as it was. A follow-up's pronouns are resolved by rules (:mod:`index.reference`), a fragment ("And
in Prussia?") read as the previous question with it in place (:func:`index.anaphora.ellipsis`), and
the rewritten question's vector is blended with its own; its words stay its own. The sentence that
answered the previous question counts for less when its passage is ranked again: a follow-up
asks for something its thread has not been told yet.

A question that stands on its own uses nothing of its thread: it is searched exactly as if it
had no history, so its answer is the same, byte for byte. It stands on its own when nothing in it
points back and it is clear alone, or names its own subject with a rare name ("What did Paramount
pay for?").
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from index import reference, search
from index.anaphora import ellipsis, refers_back
from index.corpus import Corpus
from index.reference import answer_names
from index.text import clean_question, plain, strip_controls
from index.thread import (
    Context,
    Encode,
    Folding,
    covered,
    elsewhere,
    lift,
    missing,
    names_itself,
    new_words,
    rank,
    sentence_lead,
    unsaid,
)

__all__ = [
    "Context",
    "Encode",
    "Folding",
    "answer_names",
    "covered",
    "elsewhere",
    "lift",
    "missing",
    "names_itself",
    "new_words",
    "rank",
    "refers_back",
    "sentence_lead",
    "unsaid",
]

log = logging.getLogger(__name__)


_SHIPPED_MIX = search.Mix()
_SHIPPED = Folding()


def needs_history(corpus: Corpus, query: search.Query, folding: Folding = _SHIPPED, z: float | None = None) -> bool:
    """Whether a question must be read with its thread: it refers back (a possessive of its own
    subject or a "that" opening a clause does not, as ``folding`` says; nor, in a question naming its
    own subject, a pointing word bound inside it: ``within``, :mod:`index.binding`), or it is too vague to
    search alone (its best match barely stands out from the off-topic background) and names no
    subject of its own (:func:`names_itself`). ``z``: its :func:`clarity` when the caller has it
    already."""
    flags = (folding.bound, folding.clauses, folding.remainders, folding.fragments)
    points_back = refers_back(query.text, *flags, folding.within, folding.pointers)
    if not points_back and folding.within and folding.within_named and refers_back(query.text, *flags):
        # Its pointing words are bound inside it ("Which Nordic city lost two-thirds of its people?"): it
        # stands alone when it also names its own subject, else they may be the thread's ("its set top box").
        points_back = not names_itself(corpus, query, folding)
    if points_back and folding.clear_z == float("inf"):
        return True
    z = clarity(corpus, query) if z is None else z
    if points_back:
        return z < folding.clear_z
    return z < folding.vague_z and not (z >= folding.subject_z and names_itself(corpus, query, folding))


def need(corpus: Corpus, query: search.Query, folding: Folding = _SHIPPED, z: float | None = None) -> float:
    """How much of the thread's weight a follow-up gets (:attr:`Folding.need_z`): 1 when its own
    best match barely stands out from the background, down to ``need_floor`` when it is clear
    enough to search nearly alone. ``z`` as for :func:`needs_history`."""
    if folding.need_z == float("inf") or folding.need_floor >= 1.0:
        return 1.0
    z = clarity(corpus, query) if z is None else z
    span = max(folding.need_z - folding.vague_z, 1e-9)
    return float(min(1.0, max(folding.need_floor, 1.0 - (1.0 - folding.need_floor) * (z - folding.vague_z) / span)))


def fold(
    corpus: Corpus, query: search.Query, context: Context, folding: Folding = _SHIPPED, scale: float = 1.0
) -> search.Query:
    """A follow-up's search: its own vector and words at full weight, the context's lower
    (times ``scale``, how much the follow-up needs its thread: :func:`need`).

    The question's own token vectors are kept as they are, so late interaction still
    aligns the words actually asked.
    """
    if scale != 1.0:
        folding = replace(folding, vector_weight=scale * folding.vector_weight, term_weight=scale * folding.term_weight)
    mixed = query.vector + folding.vector_weight * context.vector
    mixed = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
    own_sentence = Counter(corpus.sentence_lexicon.query_terms(query.text))
    chunk_terms, sentence_terms = context.chunk_terms, context.sentence_terms
    if query.resolved and folding.focus < 1.0:
        # "he" is Graham Twigg, a name the previous answer gave: the follow-up is about him, so the
        # rest of the thread (the previous question's words, the answer's other names) counts less.
        kept = {*corpus.lexicon.query_terms(query.resolved), *corpus.sentence_lexicon.query_terms(query.resolved)}
        if context.added & kept:
            chunk_terms = {t: w * (1.0 if t in kept else folding.focus) for t, w in chunk_terms.items()}
            sentence_terms = {t: w * (1.0 if t in kept else folding.focus) for t, w in sentence_terms.items()}
    if folding.contrast != 1.0 and context.referents is not None:
        # "And in Prussia?" after "... kill in Sweden?": Sweden is what the follow-up does not ask about.
        dropped = " ".join(ellipsis(query.text, context.referents.question)[1])
        gone = {*corpus.lexicon.query_terms(dropped), *corpus.sentence_lexicon.query_terms(dropped)}
        chunk_terms = {t: w * (folding.contrast if t in gone else 1.0) for t, w in chunk_terms.items()}
        sentence_terms = {t: w * (folding.contrast if t in gone else 1.0) for t, w in sentence_terms.items()}
    chunk_weights = _merge(Counter(query.terms), chunk_terms, folding.term_weight)
    sentence_weights = _merge(own_sentence, sentence_terms, folding.term_weight)
    if query.resolved and folding.referent_weight > 0:
        # What the pronouns stand for ("he" -> Graham Twigg) weighs more than the thread's other words.
        for weights, lexicon in ((chunk_weights, corpus.lexicon), (sentence_weights, corpus.sentence_lexicon)):
            for term in set(lexicon.query_terms(query.resolved)) - set(lexicon.query_terms(query.text)):
                weights[term] = max(weights.get(term, 0.0), folding.referent_weight)
    return replace(
        query,
        vector=mixed.astype(query.vector.dtype),
        terms=tuple(dict.fromkeys([*query.terms, *chunk_weights])),
        chunk_weights=chunk_weights,
        sentence_weights=sentence_weights,
    )


def resolved(query: search.Query, context: Context, encode: Encode | None, folding: Folding) -> search.Query:
    """The follow-up's vector blended with that of the follow-up rewritten with what its
    pronouns point to (:func:`reference.resolve`), or of the previous question with a fragment in
    place (:func:`anaphora.ellipsis`, its own weight); its words and token vectors stay its own
    (the rewritten words pulled answers towards the passage that introduces the person, not
    the one that answers; docs/retrieval.md). The query itself when nothing points back."""
    if encode is None or context.referents is None:
        return query
    text = query.text
    if folding.resolve_weight > 0:
        text = reference.resolve(text, context.referents, strict=folding.strict, which_person=folding.which_person)
    pronoun = text != query.text
    if not pronoun and folding.ellipsis_weight > 0:
        text = ellipsis(query.text, context.referents.question)[0] or text
    if text == query.text:
        return query
    mixed = query.vector + (folding.resolve_weight if pronoun else folding.ellipsis_weight) * encode(text).vector
    mixed = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
    return replace(query, vector=mixed.astype(query.vector.dtype), resolved=text if pronoun else query.resolved)


def _merge(own: Counter[str], context: Mapping[str, float], weight: float) -> dict[str, float]:
    weights = {term: weight * w for term, w in context.items()}
    weights.update({term: float(count) for term, count in own.items()})
    return weights


def carry(corpus: Corpus, query: search.Query, answer: search.Scored, folding: Folding = _SHIPPED) -> Context:
    """The context a question leaves: its search, plus the names in the sentence that answered it."""
    sentence = corpus.chunks[answer.chunk].sentence(answer.sentence)
    names = answer_names(sentence, query.text)
    chunk_terms = dict(query.chunk_weights or Counter(query.terms))
    sentence_terms = dict(query.sentence_weights or Counter(corpus.sentence_lexicon.query_terms(query.text)))
    added = set(corpus.lexicon.query_terms(names)) - set(chunk_terms)
    added |= set(corpus.sentence_lexicon.query_terms(names)) - set(sentence_terms)
    for term in corpus.lexicon.query_terms(names):
        chunk_terms.setdefault(term, folding.name_weight)
    for term in corpus.sentence_lexicon.query_terms(names):
        sentence_terms.setdefault(term, folding.name_weight)
    return Context(
        query.vector,
        chunk_terms,
        sentence_terms,
        reference.referents(query.text, sentence),
        (answer.chunk, answer.sentence),
        frozenset(added),
    )


def thread_context(
    corpus: Corpus,
    turns: Sequence[search.Query],
    mix: search.Mix = _SHIPPED_MIX,
    folding: Folding = _SHIPPED,
    encode: Encode | None = None,
) -> Context | None:
    """What a thread's earlier questions (oldest first) leave for the next; None when none
    of them is on the sources' subject."""
    context: Context | None = None
    for turn in turns:
        query, read_with = turn, None
        if context is not None:
            z = clarity(corpus, turn)
            if needs_history(corpus, turn, folding, z):
                query, read_with = _read_in(corpus, turn, context, folding, encode, z)
        top = rank(corpus, query, max(folding.answer_depth, 1), mix, read_with, folding)
        # An aside the sources are not about leaves the thread where it was.
        if top and search.on_topic(corpus, query):
            context = carry(corpus, query, answer_of(corpus, turn.text, top), folding)
    return context


def answer_of(corpus: Corpus, question: str, top: Sequence[search.Scored]) -> search.Scored:
    """The passage that answered an earlier question: its first, unless that question asked who
    or which and the first passage's sentence names nothing the question did not give ("Who won
    Super Bowl 50?" first finding "Super Bowl 50 featured numerous records ..."), then the first
    of ``top`` whose sentence does; the first when none does."""

    def named(scored: search.Scored) -> bool:
        return bool(reference.referents(question, corpus.chunks[scored.chunk].sentence(scored.sentence)).entity)

    asks = reference.referents(question, "")
    if len(top) < 2 or not (asks.asked_who or asks.asked_which) or named(top[0]):
        return top[0]
    return next((scored for scored in top[1:] if named(scored)), top[0])


def threaded(
    corpus: Corpus,
    query: search.Query,
    turns: Sequence[search.Query],
    mix: search.Mix = _SHIPPED_MIX,
    folding: Folding = _SHIPPED,
    encode: Encode | None = None,
) -> tuple[search.Query, Context | None]:
    """The question as it is searched, with the context it is read in: folded with its thread
    when it needs it, otherwise the very same query and no context (so a question that stands
    on its own gets the same answer)."""
    if not turns:
        return query, None
    # One product with every chunk and sentence vector, read by the gate, the thread's weight and
    # the lift's release alike: computed once (it grows with the corpus).
    z = clarity(corpus, query)
    if not needs_history(corpus, query, folding, z):
        return query, None
    context = thread_context(corpus, turns[-folding.turns :] if folding.turns > 0 else (), mix, folding, encode)
    if context is None:
        return query, None
    return _read_in(corpus, query, context, folding, encode, z)


def _read_in(
    corpus: Corpus, query: search.Query, context: Context, folding: Folding, encode: Encode | None, z: float
) -> tuple[search.Query, Context]:
    """A follow-up folded with its context, and the context with what :func:`rank` needs to
    weigh the thread by how much the follow-up needs it (the follow-up searched alone, its clarity
    ``z``)."""
    rewritten = resolved(query, context, encode, folding)
    folded = fold(corpus, rewritten, context, folding, need(corpus, query, folding, z))
    if folding.release_low <= 0 and folding.release_high <= 0:
        return folded, context
    alone = fold(corpus, rewritten, context, replace(folding, vector_weight=0.0, term_weight=0.0))
    clear = clarity(corpus, rewritten) if folding.release_rewritten else z
    return folded, replace(context, alone=alone, clarity=clear)


def clarity(corpus: Corpus, query: search.Query) -> float:
    """How far a question's best match stands above the off-topic background, in background spreads."""
    similarity = search.best_similarity(query.vector, corpus.chunk_vectors, corpus.sentence_vectors)
    return float(corpus.calibration.z(similarity))


def earlier_questions(history: Sequence[str], max_chars: int, turns: int) -> tuple[str, ...]:
    """A conversation's earlier questions as the retriever reads them: cleaned, blank ones
    dropped, the newest ``turns`` kept."""
    kept = [clean_question(text, max_chars)[0] for text in history if plain(strip_controls(text))]
    return tuple(kept[-turns:]) if turns > 0 else ()

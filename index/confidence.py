"""Whether the bold sentence answers the question, or is only the nearest the sources have
(pure functions over text; docs/retrieval.md has the measurements).

A question on the sources' subject that they do not answer ("Who founded IBM?" against an
article about IBM) still finds passages about its subject, so the off-topic test cannot
catch it. Three checks, each a different way such an answer gives itself away:

* **answer type**: a who / when / how-many question needs a name, a date or a figure in
  the bold sentence;
* **the question's names and figures**: a rare name or number the question gives ("in
  2010", "Ondemar Dias") must be in the passage, or the passage is about something next to it;
* **coverage**: the bold sentence holds most of the question's weight of rare words (off).

Two read what a chat question asks for more closely (index/asked.py; docs/retrieval.md,
"Seventh pass: confidence"): a how-much question about money needs a **sum of money**, not any
figure; a how-many question's **counted thing** must be in the bold sentence ("How many
employees ...?" is not answered by "3,393,000 users"). A third, measured and off: a
**who-question** whose bold sentence names no one new is low when the passage never says its
verb ("Who founded IBM?"). A what-question about a measure ("What is IBM's *stock price*?") asks
for a sum of money or a figure as a how-much question does ("Ninth pass: confidence").

Three read what a question takes for granted (index/presumed.py; docs/retrieval.md, "Twelfth pass:
confidence"): a question about the **present** ("Who runs Red Hat *these days*?") needs a passage that
speaks of one, a question about what someone **said** a passage that reports speech, a question
about an **office**'s holder ("Who is IBM's *chairman*?") a passage that names the office; a sum of
money may be told by degree ("*significant revenue*"). The switches are in index/rule.py.

Two more read the SQuAD 2.0 kinds that keep the sentence's words (index/polarity.py;
docs/retrieval.md, "Sixth pass: confidence"): a **negation** the question adds ("Which team
did *not* win?" against a sentence that negates nothing), and an **antonym** ("lowest" asked,
"highest" said), shipped since the eleventh pass with a closer reading ("How *long* ...?" asks,
"a *short* period" answers; "bought" and "sold" tell one event).

Two read the model's contextual token vectors instead of words (docs/retrieval.md, "Eleventh pass:
confidence"): the question's soft recall in the bold sentence, and a question word said elsewhere.
Neither carried over; their code was removed by the twelfth pass (the eleventh's commits keep it).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Collection, Sequence
from types import EllipsisType
from typing import TYPE_CHECKING, Literal

from index.asked import TOKEN, AnswerType, acronyms, counted_held, has_answer_type, held, question_names, who_unsaid
from index.bold import asked_kind
from index.lexical import terms
from index.polarity import antonym_swapped, negation_added, negation_dropped
from index.presumed import amount_by_degree, office_unnamed, present_unsaid, saying_unreported
from index.rule import Rule

if TYPE_CHECKING:
    from index.corpus import Corpus
    from index.search import Query, Scored

log = logging.getLogger(__name__)

Confidence = Literal["high", "low"]
_SHIPPED = Rule()


def names_held(
    question: str,
    passage_terms: Collection[str],
    correct: Callable[[list[str]], list[str]],
    idf: Callable[[str], float],
    rare_idf: float,
    passage_text: str = "",
) -> bool:
    """Whether the passage holds every *rare* name and figure of the question.

    Words are compared as the lexical index compares them (stems, possessives, "Al" for
    "AI"), after the same spelling correction a question's words get ("Primier League" is
    the "Premier League"), allowing the near forms of :func:`asked.held`. A name the sources use
    in many passages (IDF below ``rare_idf``: "NFL" across an article on a Super Bowl) is the
    subject's context, which a passage need not repeat; a rare or unknown one ("in 1999",
    "Ondemar Dias") is what the question is about. A name missing so is still held when it is an
    acronym of words ``passage_text`` spells out (:func:`asked.acronyms`: "US" by "United
    States"), read only then: most questions have no such name.
    """
    # A name inside a compound ("Raleigh-based", "Anglo-Norman") is said there: the lexicon keeps such a
    # word whole ("raleigh-bas"), so its parts are read as words of their own.
    passage = frozenset(passage_terms) | {part for p in passage_terms if "-" in p for part in p.split("-") if part}
    spelt_out: frozenset[str] | None = None
    together = _written_together(question, passage)
    for name in question_names(question):
        if name in together:
            continue
        for term in correct(terms(name)):
            if idf(term) >= rare_idf and not _compound_held(term, name, passage, correct, idf, rare_idf):
                if spelt_out is None:
                    spelt_out = acronyms(passage_text)
                if name.casefold() not in spelt_out:
                    return False
                break
    return True


def _written_together(question: str, passage: frozenset[str]) -> set[str]:
    """Two capitalised words of the question that the passage writes as one ("Apple Talk" / "AppleTalk")."""
    tokens = TOKEN.findall(question)
    together: set[str] = set()
    for first, second in itertools.pairwise(tokens):
        if first[0].isupper() and second[0].isupper() and any(t in passage for t in terms(first + second)):
            together.update((first, second))
    return together


def _compound_held(
    term: str,
    name: str,
    passage: frozenset[str],
    correct: Callable[[list[str]], list[str]],
    idf: Callable[[str], float],
    rare_idf: float,
) -> bool:
    """``held``, or for a hyphenated word of the question ("NSF-funded") each of its rare parts held.
    The parts are the word's pieces stemmed each alone: the stem of the whole keeps a stub of its last
    ("raleigh-bas"), which "based in Raleigh" ("base") does not hold."""
    if held(term, passage):
        return True
    parts = correct([t for piece in name.split("-") for t in terms(piece)]) if "-" in term else []
    return bool(parts) and all(idf(part) < rare_idf or held(part, passage) for part in parts)


def coverage(question_terms: Sequence[str], text_terms: Sequence[str], idf: Callable[[str], float]) -> float:
    """The share of the question's IDF weight whose words the text holds (1.0 for no words)."""
    unique = list(dict.fromkeys(question_terms))
    total = sum(idf(t) for t in unique)
    if total <= 0:
        return 1.0
    held = set(text_terms)
    return sum(idf(t) for t in unique if t in held) / total


def judge(
    question: str,
    sentence: str,
    passage: str,
    question_terms: Sequence[str],
    sentence_terms: Sequence[str],
    idf: Callable[[str], float],
    rule: Rule = Rule(),
    correct: Callable[[list[str]], list[str]] | None = None,
    similarity: Callable[[str, Sequence[str]], float] | None = None,
    kind: AnswerType | EllipsisType | None = ...,
) -> Confidence:
    """ "high" when the bold sentence plausibly answers the question, "low" when any check fails.

    Args:
        question: The question as asked.
        sentence: The bold sentence of the first passage.
        passage: The first passage with its document's title.
        question_terms: The question's lexical terms (:meth:`Lexicon.query_terms`).
        sentence_terms: The sentence's lexical terms (:func:`lexical.terms`).
        idf: Inverse document frequency over the chunks (:meth:`Lexicon.idf`).
        rule: Which checks apply. Defaults to the shipped rule.
        correct: The spelling correction of the question's words (:meth:`Lexicon.correct`);
            None leaves them as they are.
        similarity: With ``rule.predicate_cosine``, whether a text's words hold one close to
            the predicate (:class:`predicate.WordSimilarity`); None matches stems and lemmas only.
        kind: What the question asks for as ``rule`` reads it (:func:`bold.asked_kind`), when the caller
            has it already (the bold sentence was chosen for it); ``...`` reads it here.
    """
    closer = rule.closer_reading
    if kind is ...:
        kind = asked_kind(question, rule)  # None with no answer-type check: nothing to hold
    typed = has_answer_type(kind, sentence, question, closer)
    if rule.answer_type and not typed and not (rule.degree and kind == "money" and amount_by_degree(sentence)):
        return "low"
    if rule.counted and not counted_held(question, sentence_terms, correct or list, closer):
        return "low"
    passage_terms = frozenset(terms(passage))
    rare_idf = math.log(1 + 1 / max(rule.rare_share, 1e-9))
    if rule.names and not names_held(
        question, passage_terms, correct or list, idf, rare_idf, passage if closer else ""
    ):
        return "low"
    if _unsaid(question, sentence, passage, passage_terms, rule):
        return "low"
    if coverage(question_terms, sentence_terms, idf) < rule.coverage_needed:
        return "low"
    if _turned_round(question, sentence, passage, rule):
        return "low"
    if rule.predicate or rule.roles:
        return _predicate_judge(question, sentence, passage, rule, similarity)
    return "high"


def _unsaid(question: str, sentence: str, passage: str, passage_terms: frozenset[str], rule: Rule) -> bool:
    """What the question asks about, the passage never speaks of: a who-question's verb (measured, off);
    the present, someone's words, an office's holder (index/presumed.py, shipped by the twelfth pass)."""
    if rule.unsaid_who and who_unsaid(question, sentence, passage_terms):
        return True
    if rule.office and office_unnamed(question, passage, passage_terms):
        return True
    return (rule.present and present_unsaid(question, passage)) or (rule.said and saying_unreported(question, passage))


def _turned_round(question: str, sentence: str, passage: str, rule: Rule) -> bool:
    """The sixth pass's checks (index/polarity.py): a negation the sentence lacks and an antonym
    (shipped), a negation the question lacks (measured, off)."""
    if rule.negation and negation_dropped(question, sentence if rule.negation == "sentence" else passage):
        return True
    if rule.negation_added and negation_added(question, sentence):
        return True
    if rule.antonym:
        where = sentence if rule.antonym == "sentence" else passage
        said = passage if rule.antonym == "anywhere" else sentence
        return antonym_swapped(question, said, where, rule.antonym_closer)
    return False


def _predicate_judge(
    question: str, sentence: str, passage: str, rule: Rule, similarity: Callable[[str, Sequence[str]], float] | None
) -> Confidence:
    """The measured, unshipped checks of index/predicate.py (imported here only when on)."""
    from index import predicate

    verb = predicate.predicate(question) if rule.predicate else None
    text = sentence if rule.predicate == "sentence" else passage
    if verb is not None and not predicate.said(verb, predicate.content_words(text), similarity):
        return "low"
    if rule.roles and predicate.roles_swapped(question, sentence):
        return "low"
    return "high"


def of_answer(corpus: Corpus, query: Query, best: Scored, rule: Rule = Rule()) -> Confidence:
    """:func:`judge` for the first passage of an answer: its bold sentence, the passage with
    its document's title, the question's words against the chunk vocabulary. The kind asked is the
    one the bold sentence was chosen for (``query.kind``), read again only by a rule other than the shipped one."""
    kind = query.kind if rule == _SHIPPED else asked_kind(query.text, rule)
    return of_passage(corpus, query.text, best.chunk, best.sentence, rule, kind=kind)


def of_passage(
    corpus: Corpus,
    question: str,
    chunk_at: int,
    sentence_at: int,
    rule: Rule = Rule(),
    similarity: Callable[[str, Sequence[str]], float] | None = None,
    kind: AnswerType | EllipsisType | None = ...,
) -> Confidence:
    """:func:`of_answer` for a passage named by its chunk and sentence numbers (``Hit.ref``); ``kind`` as
    :func:`judge` takes it."""
    chunk = corpus.chunks[chunk_at]
    sentence = chunk.sentence(sentence_at)
    return judge(
        question,
        sentence,
        f"{chunk.document} {chunk.text}",
        corpus.lexicon.query_terms(question),
        terms(sentence),
        corpus.lexicon.idf,
        rule,
        corpus.lexicon.correct,
        similarity,
        kind,
    )

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

Two more read the SQuAD 2.0 kinds that keep the sentence's words (index/polarity.py;
docs/retrieval.md, "Sixth pass: confidence"): a **negation** the question adds ("Which team
did *not* win?" against a sentence that negates nothing), and an **antonym** ("lowest" asked,
"highest" said), shipped since the eleventh pass with a closer reading ("How *long* ...?" asks,
"a *short* period" answers; "bought" and "sold" tell one event).

Two read the model's contextual token vectors instead of words (index/alignment.py;
docs/retrieval.md, "Eleventh pass: confidence"), both measured and off: the question's **soft
recall** in the bold sentence, and a question word **said elsewhere**, in another passage the
answer shows, much better than in the first.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from index.alignment import Aligned, misaligned
from index.asked import acronyms, answer_type, counted_held, has_answer_type, held, question_names, who_unsaid
from index.lexical import terms
from index.polarity import antonym_swapped, negation_added, negation_dropped

if TYPE_CHECKING:
    from index.corpus import Corpus
    from index.search import Scored

log = logging.getLogger(__name__)

Confidence = Literal["high", "low"]


@dataclass(frozen=True)
class Rule:
    """Which checks mark an answer low; the defaults are the shipped rule, the benchmark's
    ablation rows switch some off."""

    answer_type: bool = True
    # Whether a how-much question about money ("How much did IBM *pay* for Red Hat?") needs a sum
    # of money in the bold sentence, not any figure ("employs thousands of people"). Off, it is
    # a figure question like the others (docs/retrieval.md, "Seventh pass: confidence").
    money: bool = True
    # Whether a how-many question's counted thing ("How many *employees* ...?") must be in the
    # bold sentence beside its figure (:func:`asked.counted_held`; same section).
    counted: bool = True
    # Whether a who-question whose bold sentence names no one new is low when the passage never
    # says its verb ("Who *founded* IBM?" against "IBM called for ...": :func:`asked.who_unsaid`).
    # Off: it gained nothing on the held-out half or the chat-style held-out set, and marked one
    # answerable question of the latter low (docs/retrieval.md, "Seventh pass: confidence").
    unsaid_who: bool = False
    # The eighth pass's closer reading of what a chat question asks for (:func:`asked.answer_type`:
    # "how long" a span or a length, "how much of" a part, "when" only as the question's own word;
    # a how-many phrase ends at its verb or a preposition; "a few" is a count; an acronym is held by
    # the words it stands for). False reads as the seventh pass did (docs/retrieval.md, "Eighth
    # pass: confidence").
    closer_reading: bool = True
    # The ninth pass's: a what-question whose subject is a measure ("What is IBM's *stock price*?",
    # "What was the *population* of ...?") asks for a sum of money or a figure (:func:`asked.answer_type`;
    # docs/retrieval.md, "Ninth pass: confidence"). False reads as the eighth pass did.
    measures: bool = True
    # Whether a who / where question needs a name in the bold sentence: off, because chat
    # questions are often answered by a role or a place that is not a name ("vendors and
    # users", "federal court"), which marked answerable questions low on the article.
    name_type: bool = False
    # Every rare name and figure of the question must be in the first passage
    # (:func:`names_held`); "rare": used by at most ``rare_share`` of the passages.
    names: bool = True
    rare_share: float = 0.05
    # The bold sentence must hold this share of the question's IDF weight. Off (0) by default:
    # a chat question's paraphrase ("sell" for "offers") reads as a missing word.
    coverage_needed: float = 0.0
    # The question's predicate ("Who *founded* IBM?", index/predicate.py) must be said in the
    # bold sentence ("sentence") or the passage ("passage"); "" is off. Off in the shipped rule:
    # crowd workers paraphrase the verb ("kicked out" / "forced from"), and neither a lemma nor
    # a MiniLM word match (``predicate_cosine``, 0 for none) carried over to the held-out half.
    predicate: Literal["", "sentence", "passage"] = ""
    predicate_cosine: float = 0.0
    # The sentence puts the question's subject on the other side of its predicate
    # (:func:`predicate.roles_swapped`). Off: a fresh held-out set did not bear it out (it
    # changed no answer there; docs/retrieval.md, "Fifth pass: confidence").
    roles: bool = False
    # The question is negated ("Which team did *not* ...?") and the bold sentence ("sentence")
    # or the passage ("passage") says nothing negative (:func:`polarity.negation_dropped`); "" is off.
    # On, in the sentence: it handled every negated question of a held-out set written before
    # it (5 of 5) and marks one answerable question low in all the sets (docs/retrieval.md,
    # "Sixth pass: confidence", the decision).
    negation: Literal["", "sentence", "passage"] = "sentence"
    # The bold sentence is negated and the question is not (:func:`polarity.negation_added`). Off (same).
    negation_added: bool = False
    # A word of the question has its opposite in the bold sentence ("lowest" for "highest",
    # index/antonyms.py) and is itself missing from the sentence ("sentence") or from the whole
    # passage ("passage"); or ("anywhere") its opposite is anywhere in the passage and the word
    # is not (:func:`polarity.antonym_swapped`); "" is off. Off through the tenth pass (same); on, in
    # the sentence and read closer (below), since the eleventh: it handled 8 more of two held-out
    # sets' SQuAD 2.0-style questions, marked none of the tuning sets' answerable questions low, and
    # took one held-out set's marked-low share to 0.10 (docs/retrieval.md, "Eleventh pass: confidence").
    antonym: Literal["", "sentence", "passage", "anywhere"] = "sentence"
    # Its closer reading (:func:`polarity.antonym_swapped`): the word after "how" asserts nothing, a
    # converse ("bought" / "sold") is no opposite. False reads as the sixth pass did (same section).
    antonym_closer: bool = True
    # The eleventh pass's readings of the question's contextual token vectors (index/alignment.py),
    # applied only when the caller gives the alignment (``judge``'s ``aligned``). Low when the
    # IDF-weighted soft recall of the question's content words in the bold sentence
    # (``soft_where`` "sentence") or the first passage ("passage") is below ``soft_recall``; and
    # when some content word is met by another shown passage at least ``elsewhere`` better (in
    # cosine) than by the first (``elsewhere_names`` False: a word written in lower case; names are
    # the names check's). Off (0): neither carried over to the held-out sets (docs/retrieval.md,
    # "Eleventh pass: confidence").
    soft_recall: float = 0.0
    soft_where: Literal["sentence", "passage"] = "sentence"
    elsewhere: float = 0.0
    elsewhere_names: bool = True


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
    passage = frozenset(passage_terms)
    spelt_out: frozenset[str] | None = None
    for name in question_names(question):
        for term in correct(terms(name)):
            if idf(term) >= rare_idf and not held(term, passage):
                if spelt_out is None:
                    spelt_out = acronyms(passage_text)
                if name.casefold() not in spelt_out:
                    return False
                break
    return True


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
    aligned: Aligned | None = None,
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
        aligned: The question's content words aligned with the answer's passages by the model's
            token vectors (:func:`alignment.align`), for ``rule.soft_recall`` and
            ``rule.elsewhere``; None skips those checks.
    """
    closer = rule.closer_reading
    kind = answer_type(question, closer, rule.measures)
    if kind == "name" and not rule.name_type:
        kind = None
    if kind == "money" and not rule.money:
        kind = "figure"
    if rule.answer_type and not has_answer_type(kind, sentence, question, closer):
        return "low"
    if rule.counted and not counted_held(question, sentence_terms, correct or list, closer):
        return "low"
    passage_terms = frozenset(terms(passage))
    rare_idf = math.log(1 + 1 / max(rule.rare_share, 1e-9))
    if rule.names and not names_held(
        question, passage_terms, correct or list, idf, rare_idf, passage if closer else ""
    ):
        return "low"
    if rule.unsaid_who and who_unsaid(question, sentence, passage_terms):
        return "low"
    if coverage(question_terms, sentence_terms, idf) < rule.coverage_needed:
        return "low"
    if _turned_round(question, sentence, passage, rule):
        return "low"
    if aligned is not None and misaligned(
        aligned, idf, rule.soft_recall, rule.soft_where, rule.elsewhere, rule.elsewhere_names
    ):
        return "low"
    if rule.predicate or rule.roles:
        return _predicate_judge(question, sentence, passage, rule, similarity)
    return "high"


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


def of_answer(corpus: Corpus, question: str, best: Scored, rule: Rule = Rule()) -> Confidence:
    """:func:`judge` for the first passage of an answer: its bold sentence, the passage with
    its document's title, the question's words against the chunk vocabulary."""
    return of_passage(corpus, question, best.chunk, best.sentence, rule)


def of_passage(
    corpus: Corpus,
    question: str,
    chunk_at: int,
    sentence_at: int,
    rule: Rule = Rule(),
    similarity: Callable[[str, Sequence[str]], float] | None = None,
    aligned: Aligned | None = None,
) -> Confidence:
    """:func:`of_answer` for a passage named by its chunk and sentence numbers (``Hit.ref``)."""
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
        aligned,
    )

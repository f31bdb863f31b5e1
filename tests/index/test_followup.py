"""Follow-up questions (index/followup.py): when a question is read with its thread, and
what reading it so does, on the real article and model."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index import anaphora, followup, reference, search
from index.followup import Context, Folding, answer_names, refers_back
from index.query import Retriever
from tests.prebuilt import SEEDS, Prebuilt

ROOT = Path(__file__).resolve().parents[2]
# A thread the follow-up alone cannot be answered from: "it" is Red Hat.
RED_HAT = ["Which company did IBM acquire last year?"]
WHERE_BASED = "Where is it based?"


@pytest.mark.parametrize(
    "question",
    [
        "When did he die?",
        "What was his team's record?",
        "Does that include technology sold by other companies?",
        "Who reported how much money IBM makes from that technology?",
        "Which animals there can spread rabies?",
        "Which one is faster?",
        "And in 2010?",
        "what about Paris?",
        "How about the second one?",
        "Whose idea was it?",
    ],
)
def test_questions_that_point_outside_themselves_refer_back(question: str) -> None:
    """Pronouns, demonstratives, 'there' as a place, 'which one' and continuing fragments."""
    assert refers_back(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who was Nikola Tesla?",
        "How many sacks did Von Miller record?",
        "Are there any other companies mentioned?",
        "Is there a federal registry?",
        "What registry should Congress create?",
        "",
    ],
)
def test_questions_that_stand_alone_do_not_refer_back(question: str) -> None:
    """No pronoun, demonstrative or fragment; existential 'there' does not count."""
    assert not refers_back(question)


def test_answer_names_are_the_names_and_figures_the_question_did_not_give() -> None:
    """'Who led Harvard ...?' answered by Conant's sentence leaves Conant's name, not Harvard's."""
    sentence = "James Bryant Conant led the university through the Great Depression and World War II."
    names = answer_names(sentence, "Who led Harvard through the Great Depression and World War II?")
    assert names.split() == ["James", "Bryant", "Conant"]
    assert answer_names("It opened in 2014 for $1.2 billion.", "When did it open?").split() == ["2014", "1.2"]


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Retriever:
    """The project's seeds (the article and its title), indexed once a run."""
    return Retriever.open(*prebuilt.copy(tmp_path_factory.mktemp("followup"), *SEEDS))


def test_fold_keeps_the_question_words_at_full_weight_and_the_vector_unit(article: Retriever) -> None:
    """The question's own words weigh their count, the thread's weigh term_weight times theirs."""
    corpus = article.corpus
    vector = article.encode(["What did he say about AI?"])[0]
    query = article._query("What did he say about AI?", vector, np.zeros((0, vector.shape[0]), dtype=np.float32))
    other = article.encode(["Who is IBM's CEO?"])[0]
    context = Context(other, {"ceo": 1.0, "ai": 1.0}, {"ceo": 1.0})
    folded = followup.fold(corpus, query, context, Folding(term_weight=0.5))
    assert np.linalg.norm(folded.vector) == pytest.approx(1.0, abs=1e-5)
    assert folded.chunk_weights is not None and folded.sentence_weights is not None
    assert folded.chunk_weights["ceo"] == 0.5
    assert folded.chunk_weights["ai"] == Counter(query.terms)["ai"] >= 1
    assert folded.sentence_weights["ceo"] == 0.5
    assert folded.text == query.text and folded.tokens is query.tokens


def test_weighted_bm25_of_the_question_alone_equals_its_plain_bm25(article: Retriever) -> None:
    """Counting each word once per use, the weighted scores are the plain ones."""
    lexicon = article.corpus.lexicon
    terms = lexicon.query_terms("facial recognition facial software for police")
    assert np.allclose(lexicon.weighted_scores(Counter(terms)), lexicon.scores(terms), atol=1e-4)


def test_a_follow_up_is_answered_from_its_thread(article: Retriever) -> None:
    """'Where is it based?' after asking which company IBM acquired finds Raleigh-based Red Hat."""
    threaded = article.ask(WHERE_BASED, history=RED_HAT)
    assert not threaded.abstained
    assert "Raleigh-based Red Hat" in threaded.hits[0].text
    alone = article.ask(WHERE_BASED)
    assert all("Red Hat" not in hit.text for hit in alone.hits[:1]) or alone.abstained


def test_a_question_that_stands_alone_gets_the_same_answer_with_any_history(article: Retriever) -> None:
    """An on-topic history does not touch a standalone question's answer, to the last digit."""
    question = "What should Congress do about use-of-force policies?"
    assert not followup.refers_back(question)
    alone = article.ask(question)
    assert article.ask(question, history=RED_HAT) == alone
    assert article.ask(question, history=["Who is Tim Humphrey?", *RED_HAT]) == alone


def test_an_off_topic_history_changes_no_answer(article: Retriever) -> None:
    """A thread the sources are not about leaves even a pronoun question as it is alone."""
    for question in (WHERE_BASED, "What did he say about AI?", "Why did IBM quit facial recognition?"):
        off = article.ask(question, history=["How do I boil an egg?", "What's the weather in Paris?"])
        assert off == article.ask(question)


def test_blank_history_entries_are_ignored_and_ask_many_takes_histories(article: Retriever) -> None:
    """Blank earlier questions are dropped; ask_many pairs each question with its own history."""
    blank = article.ask(WHERE_BASED, history=["", "   ", *RED_HAT, "\t"])
    assert blank == article.ask(WHERE_BASED, history=RED_HAT)
    many = article.ask_many([WHERE_BASED, WHERE_BASED], histories=[RED_HAT, []])
    # (A batch of two moves the scores' last digits, so passages are compared, not scores.)
    singles = [article.ask(WHERE_BASED, history=RED_HAT), article.ask(WHERE_BASED)]
    assert [[h.text for h in a.hits] for a in many] == [[h.text for h in a.hits] for a in singles]


def test_confidence_is_low_for_a_question_on_the_subject_the_article_does_not_answer(article: Retriever) -> None:
    """'How much did IBM earn in 2019?' finds passages about IBM, none with a figure; abstentions are low too."""
    earned = article.ask("How much did IBM earn in 2019?")
    assert not earned.abstained and earned.confidence == "low"
    assert article.ask("Who is Tim Humphrey?").confidence == "high"
    assert article.ask("How do I bake sourdough bread?").confidence == "low"


@pytest.mark.parametrize(
    ("previous", "sentence", "question", "resolved"),
    [
        (
            "Who was named Super Bowl 50 MVP?",
            "Denver linebacker Von Miller was named Super Bowl 50 MVP, recording five solo tackles.",
            "How many sacks did he record?",
            "How many sacks did Von Miller record?",
        ),
        (
            "Who is Tim Humphrey?",
            "Tim Humphrey, IBM's top NC exec, joins African American tech leaders' call for action",
            "When did he join the call for action?",
            "When did Tim Humphrey join the call for action?",
        ),
        (
            "How big is the Amazon basin?",
            "The basin covers 7,000,000 square kilometres.",
            "How much of it is covered by rainforest?",
            "How much of the Amazon basin is covered by rainforest?",
        ),
        (
            "Where was Super Bowl 50 played?",
            "The game was played at Levi's Stadium in the San Francisco Bay Area at Santa Clara, California.",
            "When did that stadium open?",
            "When did Levi's Stadium open?",
        ),
        (
            "Which other company's facial technology has raised concerns?",
            "Concerns have been raised about the use of facial technology developed by other companies such as Amazon.",
            "Who reported how much money IBM makes from that technology?",
            "Who reported how much money IBM makes from facial technology?",
        ),
        (
            "Which company was in a carriage dispute with BSkyB in 2007?",
            "In 2007, BSkyB and Virgin Media became involved in a dispute over the carriage of Sky channels.",
            "What was it re-branded from?",
            "What was Virgin Media re-branded from?",
        ),
        (
            "Who studied the link between logging and rainfall?",
            "In 2009 Jane Doe and Mark Roe of the Smithsonian measured it.",
            "What did they find?",
            "What did Jane Doe and Mark Roe find?",
        ),
    ],
)
def test_pronouns_are_replaced_by_the_previous_answer_or_topic(
    previous: str, sentence: str, question: str, resolved: str
) -> None:
    """'he' (and 'they') after a who-question is the answer's name; after 'Who is X?' it is X; 'it'
    after a how-question is its subject; 'that stadium' is the answer's name holding 'stadium';
    a name left starting with 'and' once the question's own name is trimmed loses the 'and'."""
    assert reference.resolve(question, reference.referents(previous, sentence)) == resolved


def test_resolution_leaves_clauses_headlines_and_plain_questions_alone() -> None:
    """'say that' joins clauses; an all-capital dateline is no name; no pronoun, no change."""
    ceo = reference.referents("Who is IBM's CEO?", "RESEARCH TRIANGLE PARK – IBM CEO Arvind Krishna wrote")
    assert ceo.entity == "Arvind Krishna"
    assert reference.resolve("What did he say that Congress should do?", ceo) == (
        "What did Arvind Krishna say that Congress should do?"
    )
    assert reference.resolve("What should Congress do?", ceo) == "What should Congress do?"
    assert reference.resolve("When did he die?", reference.Referents()) == "When did he die?"


def test_a_resolved_follow_up_keeps_its_own_text_and_words(article: Retriever) -> None:
    """The rewritten question only moves the vector: the answer shows the question as asked."""
    threaded = article.ask("What did he say about AI?", history=["Who is IBM's CEO?"])
    assert threaded.question == "What did he say about AI?"
    assert not threaded.abstained


def _question(article: Retriever, text: str) -> search.Query:
    return article._queries([text])[text]


def test_rank_without_a_context_is_the_plain_ranking(article: Retriever) -> None:
    """A question read alone (no context, or a context with no answer) is ranked by rank_chunks as it is."""
    query = _question(article, "Why did IBM quit facial recognition?")
    plain = search.rank_chunks(article.corpus, query, 3)
    assert followup.rank(article.corpus, query, 3) == plain
    no_answer = Context(query.vector, {}, {})
    assert followup.rank(article.corpus, query, 3, context=no_answer, folding=Folding(repeat_weight=1.0)) == plain


def test_the_previous_answer_loses_a_share_of_its_sentence_lead_and_nothing_else_moves(article: Retriever) -> None:
    """The passage that answered the previous question drops by repeat_weight times the lead of
    that sentence over its passage's others; every other passage keeps its score; a large
    weight moves it below the next passage, 0 leaves the ranking as it was."""
    corpus = article.corpus
    query = _question(article, "What did Krishna write to Congress about police reform?")
    plain = search.rank_chunks(corpus, query, 4)
    first = plain[0]
    context = Context(query.vector, {}, {}, answer=(first.chunk, first.sentence))
    lead = followup.sentence_lead(corpus, query, search.Mix(), first.chunk, first.sentence)
    assert lead > 0
    ranked = followup.rank(corpus, query, 4, context=context, folding=Folding(repeat_weight=0.25))
    scores = {s.chunk: s.score for s in ranked}
    assert scores[first.chunk] == pytest.approx(first.score - 0.25 * lead)
    assert all(scores[s.chunk] == s.score for s in plain[1:] if s.chunk in scores)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    needed = (first.score - plain[1].score) / lead
    pushed = followup.rank(corpus, query, 3, context=context, folding=Folding(repeat_weight=needed + 0.5))
    assert pushed[0] == plain[1] and first.chunk in {s.chunk for s in pushed}
    assert followup.rank(corpus, query, 3, context=context, folding=Folding(repeat_weight=0.0)) == plain[:3]


def test_a_sentence_that_is_not_its_passage_best_has_no_lead(article: Retriever) -> None:
    """Only the sentence that carries its passage's sentence view gives a lead to take away."""
    corpus = article.corpus
    query = _question(article, "What did Krishna write to Congress about police reform?")
    ranked = search.rank_chunks(corpus, query, len(corpus.chunks))
    first = next(s for s in ranked if len(corpus.chunks[s.chunk].sentences) > 1)
    others = [i for i in range(len(corpus.chunks[first.chunk].sentences)) if i != first.sentence]
    assert all(followup.sentence_lead(corpus, query, search.Mix(), first.chunk, i) == 0.0 for i in others)
    assert followup.sentence_lead(corpus, query, search.Mix(), first.chunk, 99) == 0.0


def test_a_thread_remembers_the_passage_that_answered_its_last_question(article: Retriever) -> None:
    """The context an earlier question leaves names the passage and sentence shown for it."""
    turn = _question(article, RED_HAT[0])
    context = followup.thread_context(article.corpus, [turn])
    assert context is not None
    top = search.rank_chunks(article.corpus, turn, 1)[0]
    assert context.answer == (top.chunk, top.sentence)


def test_an_earlier_answer_names_what_its_question_asked(article: Retriever) -> None:
    """A who-question whose first passage names no one takes the first of the next that does;
    a first passage that names someone, or a question that asks no who or which, keeps it."""
    corpus = article.corpus
    question = "Who announced the dropping of facial recognition?"
    top = followup.rank(corpus, article._queries([question])[question], 3, article.mix)
    assert followup.answer_of(corpus, question, top) == top[0]
    nameless = next(
        search.Scored(c, s, 0.0)
        for c, chunk in enumerate(corpus.chunks)
        for s in range(len(chunk.sentences))
        if not reference.referents(question, chunk.sentence(s)).entity
    )
    named = [s for s in top if reference.referents(question, corpus.chunks[s.chunk].sentence(s.sentence)).entity]
    assert named
    assert followup.answer_of(corpus, question, (nameless, *top)) == named[0]
    assert followup.answer_of(corpus, "How big is IBM?", (nameless, *top)) == nameless
    assert followup.answer_of(corpus, question, (nameless,)) == nameless


def test_a_pronoun_resolved_to_one_name_weighs_the_rest_of_the_thread_less(article: Retriever) -> None:
    """'he' is Graham Twigg: the rest of the thread (the other people the previous answer named,
    the previous question's words) weighs ``focus`` times as much; a follow-up resolved to the
    previous question's own subject keeps every weight."""
    corpus = article.corpus
    vector = article.encode(["What did he think the cause was?"])[0]
    none = np.zeros((0, vector.shape[0]), dtype=np.float32)
    query = article._query("What did he think the cause was?", vector, none)
    [twigg] = corpus.lexicon.query_terms("Twigg")
    [duncan] = corpus.lexicon.query_terms("Duncan")
    [plague] = corpus.lexicon.query_terms("plague")
    words = {twigg: 0.25, duncan: 0.25, plague: 1.0}
    context = Context(vector, words, words, added=frozenset([twigg, duncan]))
    resolved = replace(query, resolved="What did Graham Twigg think the cause was?")
    plain = followup.fold(corpus, resolved, context, Folding(focus=1.0))
    focused = followup.fold(corpus, resolved, context, Folding(focus=0.25))
    assert plain.chunk_weights is not None and focused.chunk_weights is not None
    assert focused.chunk_weights[duncan] == pytest.approx(0.25 * plain.chunk_weights[duncan])
    assert focused.chunk_weights[twigg] == plain.chunk_weights[twigg]
    assert focused.chunk_weights[plague] == pytest.approx(0.25 * plain.chunk_weights[plague])
    # Resolved to the previous question's subject: no name of the answer is the referent.
    subject = replace(query, resolved="What did the plague think the cause was?")
    assert followup.fold(corpus, subject, context, Folding(focus=0.25)).chunk_weights == plain.chunk_weights


def test_chunk_scores_are_the_scores_rank_chunks_ranks_by(article: Retriever) -> None:
    """search.chunk_scores gives every ranked passage its rank_chunks score (-inf outside the rescored)."""
    query = _question(article, "What did Krishna write to Congress about police reform?")
    scores = search.chunk_scores(article.corpus, query)
    assert scores.shape == (len(article.corpus.chunks),)
    for scored in search.rank_chunks(article.corpus, query, 5):
        assert scores[scored.chunk] == scored.score


def test_the_previous_answer_releases_a_share_of_its_thread_lift_by_clarity(article: Retriever) -> None:
    """The previous answer's passage loses release_low of its lift over the follow-up searched alone
    when the follow-up is vague alone, release_high when it is clear, linearly between; a passage
    the follow-up alone scores higher, or a context without the follow-up alone, loses nothing more."""
    corpus = article.corpus
    query = _question(article, "What did Krishna write to Congress about police reform?")
    other = _question(article, "Which company did IBM acquire last year?")
    plain = search.rank_chunks(corpus, query, 4)
    first = plain[0]
    own = float(search.chunk_scores(corpus, other)[first.chunk])
    lead = followup.sentence_lead(corpus, query, search.Mix(), first.chunk, first.sentence)
    after_repeat = first.score - 0.25 * lead
    assert after_repeat > own  # the thread lifts this passage above what the other search gives it
    folding = Folding(repeat_weight=0.25, vague_z=3.0, release_z=5.0, release_low=0.1, release_high=0.75)

    def score_at(clarity: float, alone: search.Query | None = other) -> float:
        context = Context(query.vector, {}, {}, answer=(first.chunk, first.sentence), alone=alone, clarity=clarity)
        # Every passage but one: the previous answer's stays in the list however far it falls.
        ranked = followup.rank(corpus, query, len(corpus.chunks) - 1, context=context, folding=folding)
        assert all(s.score == p.score for p in plain[1:] for s in ranked if s.chunk == p.chunk)
        return next(s.score for s in ranked if s.chunk == first.chunk)

    lift = after_repeat - own
    assert score_at(1.0) == pytest.approx(after_repeat - 0.1 * lift)
    assert score_at(3.0) == pytest.approx(after_repeat - 0.1 * lift)
    assert score_at(4.0) == pytest.approx(after_repeat - 0.425 * lift)
    assert score_at(9.0) == pytest.approx(after_repeat - 0.75 * lift)
    assert score_at(9.0, alone=None) == pytest.approx(after_repeat)
    assert score_at(9.0, alone=query) == pytest.approx(after_repeat - 0.75 * max(0.0, after_repeat - first.score))


def test_lift_cap_bounds_what_the_previous_answer_loses_by_the_thread_lift(article: Retriever) -> None:
    """With ``lift_cap`` c the previous answer's passage loses at most c times what the thread lifts it
    over the follow-up read without it; without that reading (or inf: not shipped) its loss is uncapped."""
    corpus = article.corpus
    query = _question(article, "What did Krishna write to Congress about police reform?")
    other = _question(article, "Which company did IBM acquire last year?")
    first = search.rank_chunks(corpus, query, 4)[0]
    own = float(search.chunk_scores(corpus, other)[first.chunk])
    lead = followup.sentence_lead(corpus, query, search.Mix(), first.chunk, first.sentence)
    lift = first.score - own
    assert lead > 0 and lift > 0
    assert followup.lift(
        corpus, Context(query.vector, {}, {}, alone=other), search.Mix(), first.chunk, first.score
    ) == (pytest.approx(lift))
    plain = Folding(repeat_weight=1.0, release_low=0.0, release_high=0.0, unsaid_drop=0.0, elsewhere_drop=0.0)

    def score_at(cap: float, alone: search.Query | None = other) -> float:
        context = Context(query.vector, {}, {}, answer=(first.chunk, first.sentence), alone=alone)
        ranked = followup.rank(
            corpus, query, len(corpus.chunks) - 1, context=context, folding=replace(plain, lift_cap=cap)
        )
        return next(s.score for s in ranked if s.chunk == first.chunk)

    assert score_at(float("inf")) == pytest.approx(first.score - lead)
    small = min(lead, lift) / (2 * lift)
    assert score_at(small) == pytest.approx(first.score - small * lift)
    assert score_at(small, alone=None) == pytest.approx(first.score - lead)
    assert score_at(2 * lead / lift) == pytest.approx(first.score - lead)


def test_a_follow_up_read_with_its_thread_carries_its_search_alone_and_clarity(article: Retriever) -> None:
    """threaded leaves in the context the follow-up searched without the thread (the thread's
    words at weight 0, its vector its own) and how clear it is alone; with the release off, nothing."""
    corpus = article.corpus
    question = _question(article, WHERE_BASED)
    turns = [_question(article, RED_HAT[0])]
    folded, context = followup.threaded(corpus, question, turns, article.mix, Folding(), article._one_query)
    assert context is not None and context.alone is not None
    assert context.clarity == followup.clarity(corpus, question)
    assert context.alone.chunk_weights is not None and folded.chunk_weights is not None
    thread_only = set(folded.chunk_weights) - set(question.terms)
    assert thread_only and all(context.alone.chunk_weights[t] == 0.0 for t in thread_only)
    off = Folding(release_low=0.0, release_high=0.0)
    again, plain_context = followup.threaded(corpus, question, turns, article.mix, off, article._one_query)
    assert plain_context is not None and plain_context.alone is None
    assert again.chunk_weights == folded.chunk_weights


def test_the_thread_weighs_by_how_much_the_follow_up_needs_it(article: Retriever) -> None:
    """need is 1 for a follow-up vague alone, need_floor for one clear alone, linear between, and
    fold scales the thread's vector and words by it (measured, not shipped: need_z is inf)."""
    corpus = article.corpus
    query = _question(article, "Where is Red Hat based?")
    z = followup.clarity(corpus, query)
    assert followup.need(corpus, query) == 1.0
    assert followup.need(corpus, query, Folding(vague_z=z + 1, need_z=z + 2, need_floor=0.0)) == 1.0
    assert followup.need(corpus, query, Folding(vague_z=z - 1, need_z=z + 1, need_floor=0.0)) == pytest.approx(0.5)
    assert followup.need(corpus, query, Folding(vague_z=z - 2, need_z=z - 1, need_floor=0.25)) == 0.25
    other = _question(article, RED_HAT[0])
    context = Context(other.vector, {"ibm": 1.0}, {"ibm": 1.0})
    half_weight = followup.fold(corpus, query, context, Folding(), scale=0.5)
    halved = followup.fold(corpus, query, context, Folding(vector_weight=0.25, term_weight=0.25))
    assert half_weight.chunk_weights == halved.chunk_weights
    assert np.array_equal(half_weight.vector, halved.vector)


def test_a_contrasting_fragment_blends_the_previous_question_rewritten_into_its_vector(article: Retriever) -> None:
    """'And in the use-of-force policies?' after '... modify in the qualified immunity doctrine?'
    moves its vector towards the rewritten previous question (ellipsis_weight), keeps its words and
    text, and is not a resolved pronoun; ellipsis_weight 0 leaves the query as it was."""
    previous = "What does Krishna want Congress to modify in the qualified immunity doctrine?"
    query = _question(article, "And in the use-of-force policies?")
    context = Context(query.vector, {}, {}, reference.referents(previous, ""))
    rewritten = anaphora.ellipsis(query.text, previous)[0]
    assert rewritten
    encode = article._one_query
    blended = followup.resolved(query, context, encode, Folding(ellipsis_weight=0.5))
    expected = query.vector + 0.5 * encode(rewritten).vector
    assert np.allclose(blended.vector, expected / np.linalg.norm(expected))
    assert blended.text == query.text and blended.terms == query.terms and blended.resolved is None
    assert followup.resolved(query, context, encode, Folding(ellipsis_weight=0.0)) is query


def test_measured_options_off_by_default_drop_contrasted_words_and_spare_a_covering_sentence(
    article: Retriever,
) -> None:
    """Two options measured and not shipped (docs/retrieval.md, sixth pass): ``contrast`` scales the
    thread's words a fragment replaces; ``covered`` finds a sentence holding all of a question's words."""
    assert Folding().contrast == 1.0 and not Folding().covered
    previous = "What does Krishna want Congress to modify in the qualified immunity doctrine?"
    query = _question(article, "And in the use-of-force policies?")
    thread = dict.fromkeys(article.corpus.lexicon.query_terms(previous), 1.0)
    context = Context(query.vector, thread, dict(thread), reference.referents(previous, ""))
    kept = followup.fold(article.corpus, query, context, Folding(contrast=1.0))
    dropped = followup.fold(article.corpus, query, context, Folding(contrast=0.0))
    gone = set(article.corpus.lexicon.query_terms("qualified immunity doctrine"))
    assert all(kept.chunk_weights[t] > 0 for t in gone)
    assert all(dropped.chunk_weights[t] == 0 for t in gone)
    assert {t: w for t, w in kept.chunk_weights.items() if t not in gone} == {
        t: w for t, w in dropped.chunk_weights.items() if t not in gone
    }
    chunk = next(i for i, c in enumerate(article.corpus.chunks) if "federal registry" in c.text)
    assert followup.covered(article.corpus, "federal registry?", chunk, 0)
    assert not followup.covered(article.corpus, "federal registry of dogs?", chunk, 0)
    assert not followup.covered(article.corpus, "Why?", chunk, 0)


def _campus_thread(article: Retriever) -> tuple[Context, int]:
    """The context "Where does IBM run one of its biggest campuses?" leaves, answered by the Red Hat passage."""
    corpus = article.corpus
    previous = "Where does IBM run one of its biggest campuses?"
    chunk = next(i for i, c in enumerate(corpus.chunks) if "Red Hat" in c.text)
    words = dict.fromkeys(corpus.lexicon.query_terms(previous), 1.0)
    return Context(_question(article, previous).vector, words, dict(words), answer=(chunk, 0)), chunk


def test_the_words_a_follow_up_newly_asks_are_missing_from_a_passage_that_does_not_say_them(
    article: Retriever,
) -> None:
    """The share of the follow-up's content words its thread lacks that the passage does not hold:
    1 for the executive asked after the campus, 0 for words the passage says, 0 for 'Why?'."""
    corpus = article.corpus
    context, red_hat = _campus_thread(article)
    assert followup.missing(corpus, "Who is its top executive in that state?", context, red_hat) == 1.0
    assert followup.missing(corpus, "What did it acquire last year?", context, red_hat) == 0.0
    assert followup.missing(corpus, "Why?", context, red_hat) == 0.0
    # "campus" is the thread's own word; of "many", "people" and "employ" the passage lacks only "many".
    share = followup.missing(corpus, "How many people does the campus employ?", context, red_hat)
    assert share == pytest.approx(1 / 3) and share < Folding().unsaid_share


def test_words_that_name_no_topic_are_no_new_words_of_a_follow_up(article: Retriever) -> None:
    """'since' and the pieces of "didn't" are kept by the lexicon but name nothing the previous answer's
    passage must say: with ``plain_new`` a follow-up made of them has no new word."""
    corpus = article.corpus
    context, red_hat = _campus_thread(article)
    plain, every = Folding(plain_new=True), Folding(plain_new=False)
    assert followup.new_words(corpus, "And since then?", context, plain) == set()
    assert followup.new_words(corpus, "And since then?", context, every) == set(corpus.lexicon.query_terms("since"))
    assert followup.missing(corpus, "And since then?", context, red_hat, None, plain) == 0.0
    assert followup.missing(corpus, "And since then?", context, red_hat, None, every) == 1.0
    executive = followup.new_words(corpus, "Why didn't anyone name its top executive?", context, plain)
    assert executive == set(corpus.lexicon.query_terms("name top executive"))


def test_the_previous_answer_loses_unsaid_drop_when_it_does_not_say_what_is_newly_asked(
    article: Retriever,
) -> None:
    """'Who is its top executive in that state?' after the campus question: the Red Hat passage
    holds none of its new words and its tokens align better with Tim Humphrey's, so it loses
    ``unsaid_drop`` and nothing else moves; a follow-up whose words it says loses nothing."""
    corpus = article.corpus
    context, red_hat = _campus_thread(article)
    query = _question(article, "Who is its top executive in that state?")
    others = [s.chunk for s in search.rank_chunks(corpus, query, 4) if s.chunk != red_hat]
    assert followup.unsaid(corpus, query, context, Folding(unsaid_drop=2.0), red_hat, others) == 2.0
    assert followup.unsaid(corpus, query, context, Folding(unsaid_drop=0.0), red_hat, others) == 0.0
    assert followup.unsaid(corpus, query, context, Folding(), red_hat, []) == 0.0
    said = _question(article, "What did it acquire last year?")
    assert followup.unsaid(corpus, said, context, Folding(unsaid_by="words"), red_hat, others) == 0.0
    every = len(corpus.chunks) - 1
    kept = {
        s.chunk: s.score for s in followup.rank(corpus, query, every, context=context, folding=Folding(unsaid_drop=0.0))
    }
    moved = {
        s.chunk: s.score for s in followup.rank(corpus, query, every, context=context, folding=Folding(unsaid_drop=2.0))
    }
    assert moved[red_hat] == pytest.approx(kept[red_hat] - 2.0)
    assert all(moved[c] == kept[c] for c in kept if c != red_hat and c in moved)


def test_unsaid_by_tokens_needs_another_passage_to_align_better(article: Retriever) -> None:
    """``unsaid_by``: "words" fires on the missing words alone; "both" (shipped) also needs the
    follow-up's own tokens to align better with another leading passage than with this one."""
    corpus = article.corpus
    context, red_hat = _campus_thread(article)
    query = _question(article, "Who is its top executive in that state?")
    aligned = search.maxsim_spans(
        query.tokens, corpus.token_vectors, corpus.token_spans[list(range(len(corpus.chunks)))]
    )
    worse = [c for c in range(len(corpus.chunks)) if c != red_hat and aligned[c] < aligned[red_hat]]
    assert worse
    assert Folding().unsaid_by == "both"
    assert (
        followup.unsaid(corpus, query, context, Folding(unsaid_by="words"), red_hat, worse[:2]) == Folding().unsaid_drop
    )
    assert followup.unsaid(corpus, query, context, Folding(unsaid_by="both"), red_hat, worse[:2]) == 0.0


def test_other_documents_passages_lose_elsewhere_drop_and_the_thread_document_keeps_its_scores(
    article: Retriever,
) -> None:
    """A follow-up goes on about the document that answered the previous question: every passage
    of another document loses ``elsewhere_drop`` (0: nothing), the document's own passages keep
    their scores, and one document alone ranks as before."""
    query = _question(article, "What did Krishna write to Congress about police reform?")
    plain = search.rank_chunks(article.corpus, query, 5)
    first, other = plain[0], plain[1]
    chunks = tuple(
        replace(c, source="other.txt") if i == other.chunk else c for i, c in enumerate(article.corpus.chunks)
    )
    corpus = replace(article.corpus, chunks=chunks)
    context = Context(query.vector, {}, {}, answer=(first.chunk, first.sentence))
    still = Folding(repeat_weight=0.0, release_low=0.0, release_high=0.0, unsaid_drop=0.0, elsewhere_drop=0.0)
    assert followup.rank(corpus, query, 4, context=context, folding=still) == plain[:4]
    moved = {
        s.chunk: s.score
        for s in followup.rank(corpus, query, 4, context=context, folding=replace(still, elsewhere_drop=3.0))
    }
    assert moved[other.chunk] == pytest.approx(other.score - 3.0)
    assert all(moved[s.chunk] == s.score for s in plain if s.chunk != other.chunk and s.chunk in moved)
    one = Folding(elsewhere_drop=3.0)
    assert followup.rank(article.corpus, query, 4, context=context, folding=one) == followup.rank(
        article.corpus, query, 4, context=context, folding=replace(one, elsewhere_drop=0.0)
    )


@pytest.mark.parametrize(
    ("question", "points"),
    [
        ("How much did Sky pay for the rest?", True),
        ("Who won the remaining packages?", True),
        ("Where did the others go?", True),
        ("What did the rest of Europe do?", False),
        ("Who came first among the teams?", False),
    ],
)
def test_the_rest_of_what_an_earlier_question_named_points_back(question: str, points: bool) -> None:
    """'the rest', 'the remaining ...', 'the others' need the whole an earlier question named,
    unless 'of' names it; off, they read as before."""
    assert anaphora.refers_back(question, True, True, remainders=True) is points
    assert not anaphora.refers_back(question, True, True)

"""The confidence checks (index/confidence.py): pure functions over text."""

from __future__ import annotations

import pytest

from index.antonyms import opposites, stem_opposites
from index.asked import (
    acronyms,
    answer_type,
    counted,
    counted_held,
    has_answer_type,
    question_names,
    who_unsaid,
    who_verb,
)
from index.confidence import Rule, coverage, judge, names_held
from index.lexical import terms
from index.polarity import antonym_swapped, negation_added, negation_dropped


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many sacks did he record?", "figure"),
        ("How much did IBM pay for Red Hat?", "money"),
        ("How much does a Sky Q box cost?", "money"),
        ("How much Saharan dust falls over the Amazon?", "figure"),
        ("How old is Tim Humphrey?", "figure"),
        ("What share of Europe's population did it kill?", "figure"),
        ("When was the letter published?", "date"),
        ("In what year did he do it?", "date"),
        ("What century did the Normans arrive?", "date"),
        ("Who founded IBM?", "name"),
        ("Whose idea was it?", "name"),
        ("Where did he work?", "name"),
        ("Why did IBM quit facial recognition?", None),
        ("What registry should Congress create?", None),
    ],
)
def test_answer_type_reads_what_the_question_asks_for(question: str, kind: str | None) -> None:
    """how many / how much / how old -> a figure (how much of money -> a sum of money); when / what
    year -> a date; who / where -> a name."""
    assert answer_type(question) == kind


def test_a_figure_is_digits_or_number_words() -> None:
    """A figure is in '2½ sacks' and in 'thousands of people', not in 'significant revenue'."""
    assert has_answer_type("figure", "recording five solo tackles, 2½ sacks", "How many sacks?")
    assert has_answer_type("figure", "employs thousands of people", "How many people?")
    assert not has_answer_type("figure", "does not generate significant revenue", "How much revenue?")


def test_a_sum_of_money_is_a_currency_sign_or_name() -> None:
    """'£304m' and '$38,000' are sums of money, 'thousands of people' and '2014' are not."""
    assert has_answer_type("money", "while BSkyB paying £304m for the rights", "How much did BSkyB pay?")
    assert has_answer_type("money", "annual tuition was $38,000", "How much is tuition?")
    assert has_answer_type("money", "The app costs nothing: it is free.", "How much does the app cost?")
    assert has_answer_type("money", "a fee of 40 euros", "How much is the fee?")
    assert not has_answer_type("money", "employs thousands of people", "How much did IBM pay?")
    assert not has_answer_type("money", "BSkyB's 2014 acquisition of Sky Italia", "How much did BSkyB pay?")


def test_a_date_is_a_year_a_month_a_weekday_or_a_century() -> None:
    """'published Monday evening' and 'in 1898' hold a date; 'IBM CEO Arvind Krishna' does not."""
    assert has_answer_type("date", "published Monday evening", "When was it published?")
    assert has_answer_type("date", "was established in 1898 by Paul-Louis Simond", "When?")
    assert has_answer_type("date", "in the 1540s", "When?")
    assert not has_answer_type("date", "But IBM CEO Arvind Krishna took that steps further", "When did he become CEO?")


def test_a_name_must_be_one_the_question_did_not_give() -> None:
    """'Who is Arvind Krishna?' is not answered by his own name alone; 'IBM' beside it is another name."""
    assert has_answer_type("name", "Denver linebacker Von Miller was named MVP", "Who was the MVP?")
    assert not has_answer_type("name", "Then Arvind Krishna spoke", "Who is Arvind Krishna?")
    assert has_answer_type("name", "Then IBM CEO Arvind Krishna spoke", "Who is Arvind Krishna?")
    # The sentence's first word is capitalised whatever it is, unless it is an acronym.
    assert not has_answer_type("name", "Vendors must test for bias", "Who must test for bias?")
    assert has_answer_type("name", "CNBC notes that it earns little", "Who reported it?")
    assert has_answer_type("name", "BSkyB has design authority", "Who has design authority?")
    assert not has_answer_type("name", "IBM called for justice", "Who founded IBM?")


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("How many employees does Sky have?", ["employees"]),
        ("How many plant species have been classified?", ["plant", "species"]),
        ("How many tons of carbon are absorbed each year?", ["tons", "carbon"]),
        ("Beginning how many years ago did the forest extend south?", ["years"]),
        ("How many people protested after George Floyd's death?", ["people"]),
        ("How many doctors died of the plague?", ["doctors"]),
        ("How many people in France died?", ["people"]),
        ("How much did IBM pay?", []),
        ("Who founded IBM?", []),
    ],
)
def test_counted_is_the_phrase_after_how_many(question: str, words: list[str]) -> None:
    """Up to the first auxiliary, at most four words, stopwords apart."""
    assert counted(question) == words


def test_the_closer_reading_of_a_question() -> None:
    """'how long' asks for a span, 'how much of' for a part, 'when' inside a clause for nothing;
    False reads as before (docs/retrieval.md, "Eighth pass: confidence")."""
    assert answer_type("How long did the trip take?") == "duration"
    assert answer_type("How long did the trip take?", closer=False) == "figure"
    assert answer_type("How long since the geoglyphs were found?") == "figure"
    assert answer_type("How much of its money goes to charity?") == "figure"
    assert answer_type("How much of its money goes to charity?", closer=False) == "money"
    assert answer_type("What happens to the fleas when the rats die off?") is None
    assert answer_type("What happens to the fleas when the rats die off?", closer=False) == "date"
    assert answer_type("And when did it open?") == "date"
    assert counted("How many doctors died of the plague?", closer=False) == ["doctors", "died"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is Arvind Krishna's salary?", "money"),
        ("What is IBM\u2019s stock price?", "money"),
        ("What is IBM worth?", "money"),
        ("What's the population of Boston?", "figure"),
        ("And what was its population?", "figure"),
        # The first measure of the phrase is the one asked about.
        ("What was the size of the school's endowment?", "figure"),
        # Past a function word the phrase has ended: the question asks for a reason.
        ("What is the reason the price rose?", None),
        # A capitalised measure is a name's word; "age" is not read at all.
        ("What is the Sales Office?", None),
        ("What is the Bronze Age?", None),
        # Only "what is / was ...": "what" asking something else keeps no type.
        ("What raised the price?", None),
    ],
)
def test_a_what_question_about_a_measure_asks_for_money_or_a_figure(question: str, kind: str | None) -> None:
    """The ninth pass's reading (docs/retrieval.md, "Ninth pass: confidence"); off, none of them has a type."""
    assert answer_type(question) == kind
    assert answer_type(question, measures=False) is None


def test_a_span_is_a_unit_of_time_or_length_or_a_word_for_one() -> None:
    """'a five-year period', 'a week-long event', '6,400 km' and 'it was brief' say how long;
    'in 1542' does not."""
    assert has_answer_type("duration", "for a five-year period from 1992", "How long?")
    assert has_answer_type("duration", "including a week-long event", "How long?")
    assert has_answer_type("duration", "The river is 6,400 km long.", "How long?")
    assert has_answer_type("duration", "a golden age, but it was brief", "How long?")
    assert not has_answer_type("duration", "The first European to travel it was Orellana in 1542.", "How long?")


def test_a_few_is_a_count_in_the_closer_reading() -> None:
    """'only a few came from there' answers how many, vaguely, as 'thousands' does."""
    assert has_answer_type("figure", "it seems likely only a few came from there", "How many?")
    assert not has_answer_type("figure", "it seems likely only a few came from there", "How many?", closer=False)


def test_acronyms_are_the_initials_of_capitalised_runs() -> None:
    """'the United States' spells 'us', 'National Physical Laboratory' 'npl', inner 'of' skipped."""
    spelt = acronyms("It was the first network in the United States, at the National Physical Laboratory.")
    assert {"us", "npl"} <= spelt
    assert "boa" not in acronyms("Bank of America") and "ba" in acronyms("Bank of America")
    passage = "Telenet was the first licensed public data network in the United States."
    assert not _held("Which was the first network in the US?", passage)
    assert names_held("Which was the first network in the US?", terms(passage), list, _rare, 3.0, passage)


def test_counted_held_needs_one_counted_word_in_the_sentence() -> None:
    """'employees' is not in a sentence about users; 'customers' is in one about customers, near
    forms count, and a question that counts nothing always passes."""
    assert not counted_held("How many employees does Sky have?", terms("As of 2008, Sky had 3,393,000 Sky+ users."))
    assert counted_held("How many customers did Sky have?", terms("It had 11 million customers as of 2015."))
    assert counted_held("How many tons of carbon are absorbed?", terms("It absorbs 1.5 gigatons of carbon dioxide."))
    assert counted_held("How much did it cost?", terms("It cost a lot."))


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("Who founded IBM?", "founded"),
        ("Who allegedly coined the term?", "coined"),
        ("who else demanded changes besides krishna", "demanded"),
        ("Who first discovered the geoglyphs?", "discovered"),
        ("Who is IBM's CEO?", None),
        ("Who made the first call?", None),
        ("Who did the Normans fight in Italy?", None),
        ("Who's the CEO?", None),
        ("When did IBM start?", None),
    ],
)
def test_who_verb_is_the_verb_after_who(question: str, verb: str | None) -> None:
    """Past an adverb; none for an auxiliary, a light verb or another shape."""
    assert who_verb(question) == verb


def test_who_unsaid_needs_no_new_name_and_the_verb_missing_from_the_passage() -> None:
    """'Who founded IBM?' against a passage that names no one and never founds anything."""
    passage = "IBM called for justice. It employs thousands of people."
    assert who_unsaid("Who founded IBM?", "IBM called for justice.", terms(passage))
    # The passage says the verb, or a near form of it: the sentence may answer by a role.
    assert not who_unsaid("Who founded IBM?", "IBM called for justice.", terms(passage + " Its founder left."))
    # The sentence names someone the question did not.
    assert not who_unsaid("Who founded IBM?", "IBM met Charles Flint.", terms("IBM met Charles Flint."))
    assert not who_unsaid("Who is the CEO?", "IBM called for justice.", terms(passage))


def test_no_answer_type_always_passes() -> None:
    """A why / what question has no type to check."""
    assert has_answer_type(None, "anything at all", "Why?")


def test_question_names_are_figures_and_capitalised_words_after_the_first() -> None:
    """The first word is capitalised as a sentence start, not as a name."""
    assert question_names("How many homes had Sky+HD in 2010?") == ["Sky", "HD", "2010"]
    assert question_names("Which river did the Trio Tribe map?") == ["Trio", "Tribe"]


def _rare(term: str) -> float:
    """IDF of a test corpus: 'sky', 'hd' and 'nfl' in most passages, everything else rare."""
    return 0.1 if term in ("sky", "hd", "nfl") else 5.0


def _held(question: str, passage: str, correct=list) -> bool:
    return names_held(question, terms(passage), correct, _rare, 3.0)


def test_names_held_needs_every_rare_name_and_figure_in_the_passage() -> None:
    """'in 2010' is missing from a passage that only gives 2012; possessives still match."""
    passage = "On 31 March 2012, Sky announced the total number of homes with Sky+HD was 4,222,000."
    assert not _held("How many homes had Sky+HD in 2010?", passage)
    assert _held("How many homes had Sky+HD in 2012?", passage)
    assert _held("What is Sky's record?", passage)
    assert not _held("What did Ondemar Dias find?", "Dias found pottery.")


def test_names_held_ignores_common_names_and_allows_near_forms() -> None:
    """A name most passages use is context; '1980' is in '1980s', '21' in '21st', '3' is 'three',
    'Saharan' is near 'Sahara', and accents count as letters."""
    assert _held("Who won the NFL title?", "The Broncos won the title.")
    assert _held("What happened in the 1980?", "In the 1980s the region grew.")
    assert _held("Who was the 21 president?", "He was the 21st president.")
    assert _held("Name the 3 libraries.", "The three libraries are large.")
    assert _held("How much Saharan dust falls?", "Dust from the Sahara falls.")
    assert not _held("When was Fécamp Abbey built?", "The abbey at Rouen was built.")
    assert _held("When was Fécamp Abbey built?", "Fécamp Abbey was built in 1001.")


def test_names_held_reads_a_name_inside_a_hyphenated_word() -> None:
    """The lexicon keeps "Raleigh-based" whole; the name in it is said all the same. A name the
    compound does not hold is still missing."""
    passage = "IBM, which acquired Raleigh-based Red Hat last year, employs thousands."
    assert _held("Which Raleigh firm did IBM take over?", passage)
    assert not _held("Which Durham firm did IBM take over?", passage)
    assert _held("What did the Anglo-Norman poets write?", "Anglo-Norman poets wrote romances.")
    assert _held("What did the Norman poets write?", "Anglo-Norman poets wrote romances.")


def test_names_held_reads_the_parts_of_a_hyphenated_name_of_the_question() -> None:
    """ "NSF-funded" is held by a passage that names the NSF and says it funded; "ARPA-funded" is not."""
    passage = "CSNET was a computer network funded by the National Science Foundation (NSF)."
    assert _held("When did the NSF-funded Computer Science Network start?", passage)
    assert not _held("When did the ARPA-funded Computer Science Network start?", passage)


def test_names_held_stems_each_part_of_a_hyphenated_name_alone() -> None:
    """The stem of "Raleigh-based" ends in a stub ("raleigh-bas"); "based in Raleigh" holds both parts."""
    passage = "Red Hat, based in Raleigh, makes Linux software."
    assert _held("What does the Raleigh-based firm make?", passage)
    assert not _held("What does the Durham-based firm make?", passage)


def test_names_held_reads_two_capitalised_words_the_passage_writes_as_one() -> None:
    """ "Apple Talk" is the passage's "AppleTalk"; "Apple Share" is not in it."""
    passage = "AppleTalk was a suite of networking protocols developed by Apple Inc. in 1985."
    assert _held("What were the features of Apple Talk?", passage)
    assert not _held("What were the features of Apple Share?", passage)


def test_names_held_compares_after_spelling_correction() -> None:
    """The lexicon's correction turns a misspelt name into the corpus's word."""
    fix = {"primier": "premier"}

    def correct(words: list[str]) -> list[str]:
        return [fix.get(w, w) for w in words]

    assert _held("Who bought the Primier League rights?", "Sky bought Premier League rights.", correct)
    assert not _held("Who bought the Primier League rights?", "Sky bought Premier League rights.")


def test_coverage_is_the_share_of_idf_weight_held() -> None:
    """Each word weighs its IDF; no words at all is full coverage."""
    idf = {"found": 3.0, "ibm": 1.0}.__getitem__
    assert coverage(["found", "ibm"], ["ibm", "ceo"], idf) == pytest.approx(0.25)
    assert coverage(["found", "ibm", "ibm"], ["found", "ibm"], idf) == 1.0
    assert coverage([], ["ibm"], idf) == 1.0


def test_judge_is_low_when_any_check_fails_and_each_check_can_be_switched_off() -> None:
    """The answer-type, names and coverage checks each mark low on their own."""

    def idf(term: str) -> float:
        return {"found": 4.0}.get(term, 1.0)

    every = Rule(name_type=True, names=True, coverage_needed=0.5, rare_share=1.0)

    def ask(question: str, sentence: str, terms: list[str], rule: Rule | None = None) -> str:
        return judge(question, sentence, sentence, terms, terms, idf, rule or every)

    # The type check: a 'when' question and a sentence with no date.
    assert ask("When did it open?", "The stadium opened to fans.", ["open"]) == "low"
    assert ask("When did it open?", "The stadium opened to fans.", ["open"], Rule(answer_type=False)) == "high"
    # The names check: 2010 asked, only 2012 given.
    assert ask("What opened in 2010?", "A stadium opened in 2012.", ["open"], Rule(rare_share=1.0)) == "low"
    assert ask("What opened in 2010?", "A stadium opened in 2012.", ["open"], Rule(names=False)) == "high"
    # Coverage: 'found' (rare) is not in the sentence.
    low = judge("Who founded it?", "Then IBM grew.", "Then IBM grew.", ["found", "ibm"], ["ibm"], idf, every)
    assert low == "low"
    assert judge("Who founded it?", "Then IBM grew.", "Then IBM grew.", ["found", "ibm"], ["ibm"], idf) == "high"


def test_judge_runs_the_seventh_pass_checks_and_each_can_be_switched() -> None:
    """A sum of money and the counted thing (on by default), a who-question's verb (off), and the
    ninth pass's measure (on), each low on its own."""

    def ask(question: str, sentence: str, rule: Rule | None = None) -> str:
        words = terms(sentence)
        return judge(question, sentence, sentence, terms(question), words, lambda _: 1.0, rule or Rule())

    pay, paid = "How much did IBM pay for Red Hat?", "IBM employs thousands of people."
    assert ask(pay, paid) == "low"
    assert ask(pay, paid, Rule(money=False)) == "high"
    many, users = "How many employees does Sky have?", "As of 2008, Sky had 3,393,000 users."
    assert ask(many, users) == "low"
    assert ask(many, users, Rule(counted=False)) == "high"
    who, called = "Who founded IBM?", "IBM called for justice."
    assert ask(who, called, Rule(unsaid_who=True)) == "low"
    assert ask(who, called) == "high"
    salary, said = "What is Arvind Krishna's salary?", "IBM CEO Arvind Krishna took that step further."
    assert ask(salary, said) == "low"
    assert ask(salary, said, Rule(measures=False)) == "high"


@pytest.mark.parametrize(
    ("question", "text", "dropped"),
    [
        # A "not" the sentence does not carry: the unanswerable kind.
        ("Which team did not win the game?", "Denver won the game 24-10.", True),
        ("Which team didn't win the game?", "Denver won the game 24-10.", True),
        ("What was never built?", "The stadium was built in 1903.", True),
        # The sentence negates too, plainly or by a word of lack or refusal.
        ("Which team did not win the game?", "Carolina did not win the game.", False),
        ("Which team did not win the game?", "Carolina failed to win the game.", False),
        ("Who was not allowed to vote?", "Women were unable to vote until 1920.", False),
        ("What could not be sustained?", "It was impossible to sustain a large population.", False),
        # No negation asked: nothing to drop.
        ("Which team won the game?", "Denver won the game 24-10.", False),
    ],
)
def test_negation_dropped(question: str, text: str, dropped: bool) -> None:
    assert negation_dropped(question, text) is dropped


def test_negation_added_is_a_plain_negation_the_question_lacks() -> None:
    assert negation_added("Who won the game?", "Carolina did not win the game.")
    assert negation_added("Who won the game?", "Carolina never won the game.")
    assert not negation_added("Who failed to win the game?", "Carolina did not win the game.")
    assert not negation_added("Who won the game?", "Denver won the game.")


@pytest.mark.parametrize(
    ("question", "sentence", "swapped"),
    [
        ("What is the lowest point of the basin?", "The highest point of the basin is 200 m.", True),
        ("When did the population decrease?", "The population increased in 1990.", True),
        ("Who was the last European to travel the river?", "The first European to travel it was Orellana.", True),
        ("Which team lost the game?", "Denver won the game.", True),
        # The question's own word is in the sentence too (as itself, by stem, or as the
        # start of a longer word): the sentence may answer it.
        ("What is the lowest point?", "The highest point is 200 m and the lowest 10 m.", False),
        ("When did the populations decrease?", "It decreased after it increased in 1990.", False),
        ("Where did water to the east flow?", "Water on the eastern side flowed east, to the west too.", False),
        # Inside a capitalised name, an opposite is no opposite.
        ("What lies in the north of the country?", "South Africa lies there.", False),
        ("What borders the North Sea?", "The south coast borders it.", False),
        # No listed word.
        ("Who founded the company?", "Watson founded it.", False),
    ],
)
def test_antonym_swapped(question: str, sentence: str, swapped: bool) -> None:
    assert antonym_swapped(question, sentence, sentence) is swapped


def test_antonym_swapped_can_look_for_the_word_in_the_whole_passage() -> None:
    question, sentence = "What is the lowest point?", "The highest point is 200 m."
    assert antonym_swapped(question, sentence, sentence)
    assert not antonym_swapped(question, sentence, f"{sentence} The lowest point is 10 m.")


def test_opposites_are_symmetric_and_by_stem() -> None:
    every = opposites()
    assert all(word in every[opposite] for word, opposites_of in every.items() for opposite in opposites_of)
    assert "lowest" in every["highest"] and "highest" in every["lowest"]
    by_stem = stem_opposites()
    assert by_stem["increas"] == frozenset({"decreas"})
    assert all(stem not in opposite for stem, opposite in by_stem.items())


@pytest.mark.parametrize(
    ("question", "sentence", "sixth", "closer"),
    [
        # The word after "how" asks for a degree: the answer's own word is no swap.
        ("How long do the soils stay good for farming?", "The soils are good for a short period.", True, False),
        ("How many of them came from Italy?", "Only a few came from there.", True, False),
        # In a how-long question "last" is the verb, not the opposite of "first".
        ("How long did the golden age last?", "In the first decade the golden age was brief.", True, False),
        # A converse tells the same event from the other side.
        ("Who bought the rights?", "Maciot sold the rights to Enrique.", True, False),
        # Other opposites count as before, a degree word outside "how ..." too.
        ("What is the lowest point of the basin?", "The highest point of the basin is 200 m.", True, True),
        ("Which was the shortest reign?", "The longest reign was Victoria's.", True, True),
        ("How long did the shortest reign last?", "The longest reign lasted sixty years.", True, True),
    ],
)
def test_the_closer_antonym_reading(question: str, sentence: str, sixth: bool, closer: bool) -> None:
    assert antonym_swapped(question, sentence, sentence) is sixth
    assert antonym_swapped(question, sentence, sentence, closer=True) is closer


def test_converses_are_left_out_of_the_closer_opposites() -> None:
    assert "sold" in opposites()["bought"] and "bought" not in opposites(converses=False).get("sold", ())
    assert "lowest" in opposites(converses=False)["highest"]
    assert "sell" not in stem_opposites(converses=False).get("buy", frozenset())


def test_negation_and_the_closer_antonym_are_checked_by_default() -> None:
    def idf(term: str) -> float:
        return 1.0

    def ask(question: str, sentence: str, rule: Rule | None = None) -> str:
        return judge(question, sentence, sentence, terms(question), terms(sentence), idf, rule or Rule())

    negated = ("Which team did not win the game?", "Denver won the game 24-10.")
    assert ask(*negated) == "low"
    assert ask(*negated, Rule(negation="")) == "high"
    assert ask(*negated, Rule(negation="passage")) == "low"
    assert ask("Which team did not win the game?", "Carolina failed to win the game.") == "high"
    swapped = ("What is the lowest point of the basin?", "The highest point of the basin is 200 m.")
    assert ask(*swapped) == "low"
    assert ask(*swapped, Rule(antonym="")) == "high"
    for where in ("sentence", "passage", "anywhere"):
        assert ask(*swapped, Rule(antonym=where)) == "low"
    converse = ("Who bought the rights?", "Maciot sold the rights to Enrique.")
    assert ask(*converse) == "high"
    assert ask(*converse, Rule(antonym_closer=False)) == "low"
    added = ("Which team won the game?", "Carolina did not win the game.")
    assert ask(*added) == "high"
    assert ask(*added, Rule(negation_added=True)) == "low"

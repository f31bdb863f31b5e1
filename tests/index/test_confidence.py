"""The confidence checks (index/confidence.py): pure functions over text."""

from __future__ import annotations

import pytest

from index.confidence import Rule, answer_type, coverage, has_answer_type, judge, names_found, question_names


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many sacks did he record?", "figure"),
        ("How much did IBM pay for Red Hat?", "figure"),
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
    """how many / how much / how old -> a figure; when / what year -> a date; who / where -> a name."""
    assert answer_type(question) == kind


def test_a_figure_is_digits_or_number_words() -> None:
    """A figure is in '2½ sacks' and in 'thousands of people', not in 'significant revenue'."""
    assert has_answer_type("figure", "recording five solo tackles, 2½ sacks", "How many sacks?")
    assert has_answer_type("figure", "employs thousands of people", "How many people?")
    assert not has_answer_type("figure", "does not generate significant revenue", "How much revenue?")


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
    # The sentence's first word is capitalised whatever it is.
    assert not has_answer_type("name", "Vendors must test for bias", "Who must test for bias?")


def test_no_answer_type_always_passes() -> None:
    """A why / what question has no type to check."""
    assert has_answer_type(None, "anything at all", "Why?")


def test_question_names_are_figures_and_capitalised_words_after_the_first() -> None:
    """The first word is capitalised as a sentence start, not as a name."""
    assert question_names("How many homes had Sky+HD in 2010?") == ["Sky", "HD", "2010"]
    assert question_names("Which river did the Trio Tribe map?") == ["Trio", "Tribe"]


def test_names_found_needs_every_name_and_figure_in_the_passage() -> None:
    """'in 2010' is missing from a passage that only gives 2012; possessives still match."""
    passage = "On 31 March 2012, Sky announced the total number of homes with Sky+HD was 4,222,000."
    assert not names_found("How many homes had Sky+HD in 2010?", passage)
    assert names_found("How many homes had Sky+HD in 2012?", passage)
    assert names_found("What is Sky's record?", passage)


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

    every = Rule(name_type=True, names=True, coverage_needed=0.5)

    def ask(question: str, sentence: str, terms: list[str], rule: Rule | None = None) -> str:
        return judge(question, sentence, sentence, terms, terms, idf, rule or every)

    # The type check: a 'when' question and a sentence with no date.
    assert ask("When did it open?", "The stadium opened to fans.", ["open"]) == "low"
    assert ask("When did it open?", "The stadium opened to fans.", ["open"], Rule(answer_type=False)) == "high"
    # The names check: 2010 asked, only 2012 given.
    assert ask("What opened in 2010?", "A stadium opened in 2012.", ["open"], Rule(names=True)) == "low"
    assert ask("What opened in 2010?", "A stadium opened in 2012.", ["open"], Rule()) == "high"
    # Coverage: 'found' (rare) is not in the sentence.
    low = judge("Who founded it?", "Then IBM grew.", "Then IBM grew.", ["found", "ibm"], ["ibm"], idf, every)
    assert low == "low"
    assert judge("Who founded it?", "Then IBM grew.", "Then IBM grew.", ["found", "ibm"], ["ibm"], idf) == "high"

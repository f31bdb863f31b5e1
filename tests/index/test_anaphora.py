"""The fourth pass's resolution rules: "he" is one person, a demonstrative noun must be what
the previous question asked for, and an earlier question's answer names what it asked."""

from __future__ import annotations

import pytest

from index import anaphora, reference


@pytest.mark.parametrize(
    ("name", "question", "one"),
    [
        ("Graham Twigg", "What did he think the cause was?", True),
        ("Krishna", "What is his title?", True),
        ("Susan Scott and Christopher Duncan", "What did he think the cause was?", False),
        ("IBM", "What did he ask for?", False),
        ("Monday", "What did he ask for?", False),
        ("Congress", "What did he ask Congress to establish?", False),
    ],
)
def test_he_or_she_can_only_be_one_person(name: str, question: str, one: bool) -> None:
    """A pair, an acronym, a day and a name the question itself gives are not what 'he' means."""
    assert anaphora.one_person(name, question) is one


def test_he_after_a_who_question_skips_a_pair_for_the_person_first_named() -> None:
    previous = reference.referents(
        "Who produced the first major work to challenge the bubonic plague theory directly?",
        "In 1984 zoologist Graham Twigg produced the first major work to challenge the bubonic plague "
        "theory directly, and his doubts have been taken up by Susan Scott and Christopher Duncan (2001).",
    )
    assert previous.entity == "Susan Scott and Christopher Duncan"
    question = "What did he think the cause was?"
    assert reference.resolve(question, previous) == "What did Graham Twigg think the cause was?"
    # The third pass's rules, kept for the side-by-side benchmark.
    assert reference.resolve(question, previous, strict=False) == (
        "What did Susan Scott and Christopher Duncan think the cause was?"
    )


def test_he_is_left_alone_when_the_answer_names_no_one_it_can_be() -> None:
    previous = reference.referents(
        "Who spelled out IBM's stand in a letter?",
        "He spelled out IBM\u2019s stand in a letter sent to Congress and published Monday evening.",
    )
    assert "IBM" not in previous.names  # the question gave it (a curly possessive is still IBM)
    question = "What did he ask Congress to establish?"
    assert reference.resolve(question, previous) == question


def test_a_demonstrative_noun_must_be_the_kind_the_previous_question_asked_for() -> None:
    previous = reference.referents(
        "Which Egyptian city did the plague reach in autumn 1347?",
        "By autumn 1347, the plague reached Alexandria in Egypt, probably through the port's trade "
        "with Constantinople, and ports on the Black Sea.",
    )
    assert previous.kind == "city"
    question = "What share of that country's population died?"
    assert reference.resolve(question, previous) == question
    assert reference.resolve(question, previous, strict=False) != question
    team = reference.referents(
        "Which team did the Broncos beat in the divisional round?",
        "The Broncos defeated the Pittsburgh Steelers in the divisional round, 23-16.",
    )
    assert reference.resolve("Which title did that team win?", team) == "Which title did Pittsburgh Steelers win?"


def test_an_acronym_opening_a_sentence_is_a_name() -> None:
    previous = reference.referents(
        "Which news outlet reported on IBM's revenue?", "CNBC notes that facial recognition does not pay."
    )
    assert previous.entity == "CNBC"


def test_a_phrase_without_a_name_is_no_one() -> None:
    """'he' cannot be a noun phrase with no capitalised word ("the bubonic plague theory")."""
    assert not anaphora.one_person("the bubonic plague theory", "What did he suggest?")
    assert anaphora.one_person("the Earl of Kent", "What did he commission?")


def test_he_after_a_which_question_for_a_person_is_the_answer_name() -> None:
    """ "Which zoologist ...?" asked for a person its subject cannot be: "he" is the answer's name
    that can be one person; left alone with the fourth pass's rule; a subject that can be one
    person is still "he"."""
    previous = reference.referents(
        "Which zoologist challenged the bubonic plague theory in 1984?",
        "In 1984 zoologist Graham Twigg produced the first major work to challenge the bubonic plague "
        "theory directly, and his doubts have been taken up by Susan Scott and Christopher Duncan (2001).",
    )
    assert previous.asked_which and not previous.asked_who
    question = "Which disease did he suggest caused the Black Death?"
    assert reference.resolve(question, previous) == "Which disease did Graham Twigg suggest caused the Black Death?"
    assert reference.resolve(question, previous, which_person=False) == question
    named = reference.referents(
        "Which company did Arvind Krishna lead in 2020?", "Arvind Krishna became the CEO of IBM in April 2020."
    )
    assert reference.resolve("What did he say?", named) == "What did Arvind Krishna say?"


@pytest.mark.parametrize(
    ("question", "previous", "rewritten", "dropped"),
    [
        (
            "And in Prussia?",
            "How many people did the plague epidemic of 1709–13 kill in Sweden?",
            "How many people did the plague epidemic of 1709–13 kill in Prussia?",
            ("Sweden",),
        ),
        (
            "And in connection-oriented mode?",
            "In connectionless mode, what does each packet include?",
            "In connection-oriented mode, what does each packet include?",
            ("connectionless",),
        ),
        (
            "And in Spain?",
            "How many victims did plague claim in Italy in the first half of the 17th century?",
            "How many victims did plague claim in Spain in the first half of the 17th century?",
            ("Italy",),
        ),
        (
            "And the host interface?",
            "What did Telenet change the terminal interface to?",
            "What did Telenet change the host interface to?",
            ("terminal",),
        ),
        (
            "And in 2010?",
            "How much carbon dioxide was released during the 2005 drought?",
            "How much carbon dioxide was released during the 2010 drought?",
            ("2005",),
        ),
        (
            "And Universal?",
            "Which trailers did Lionsgate pay for?",
            "Which trailers did Universal pay for?",
            ("Lionsgate",),
        ),
        (
            "What about Carolina's?",
            "What was Denver's third down record in Super Bowl 50?",
            "What was Carolina's third down record in Super Bowl 50?",
            ("Denver's",),
        ),
        (
            "And the Grand coutumier?",
            "When was the Très ancien coutumier authored?",
            "When was the Grand coutumier authored?",
            ("Très", "ancien"),
        ),
    ],
)
def test_a_contrasting_fragment_takes_the_place_of_what_it_contrasts(
    question: str, previous: str, rewritten: str, dropped: tuple[str, ...]
) -> None:
    """The fragment stands for the phrase of its preposition, the words before its noun, or the
    one figure, name or possessive of the previous question."""
    assert anaphora.ellipsis(question, previous) == (rewritten, dropped)


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("And who is it calling on?", "What does the headline say IBM is quitting?"),  # a question, not a fragment
        ("And the electric eels?", "What are piranha known to do?"),  # nothing lines up
        ("What about Paris?", "How much of Egypt's population did the Black Death kill?"),  # two names: which one?
        ("And Frame Relay?", "At which layer of the OSI Model does X.25 provide connection-oriented operations?"),
        ("And Marshall Scholars?", "And Rhodes Scholars?"),  # a fragment after a fragment
        ("And the UK operations?", "What did BSkyB's holding company change its name to?"),  # more than a name
        ("When did he die?", "Who was Nikola Tesla?"),
        ("And finally?", "By what month had the plague struck France, Spain, Portugal and England?"),
    ],
)
def test_a_fragment_that_lines_up_with_nothing_is_not_rewritten(question: str, previous: str) -> None:
    assert anaphora.ellipsis(question, previous) == ("", ())


@pytest.mark.parametrize(
    ("question", "bound"),
    [
        ("When did BSkyB discontinue its Sky+ Box?", True),
        ("By how much did the university reduce its South African holdings?", True),
        ("Why did the Broncos wear their white jerseys?", True),
        ("When did the Harvard Corporation change its name?", True),
        ("Did DEC keep its protocols closed?", True),
        ("Why did Krishna change his mind?", True),
        # "his" is a person's: not the BBC's, not an acronym's.
        ("What did the BBC say about his claims?", False),
        ("What did IBM say about her letter?", False),
        # "was" is no do-support: the phrase after it is no subject.
        ("What was the name of its founder?", False),
        # A pronoun owns it, or nothing names the subject.
        ("When did it end its early admissions program?", False),
        ("Which manufacturer had supply issues with its set top box?", False),
        ("When did he give a talk on his proposal?", False),
        ("Who were its commentators?", False),
        ("Which member of his team met Lawrence Roberts?", False),
        # No verb between the subject and the possessive.
        ("Did Harvard its?", False),
    ],
)
def test_a_possessive_of_the_question_own_subject_is_bound(question: str, bound: bool) -> None:
    """'its' after 'did BSkyB discontinue' is BSkyB's: the question names what it points to."""
    assert anaphora.refers_back(question)
    assert anaphora.refers_back(question, bound=True) is not bound


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("Which newspaper reported that benefit claimants' Sky bills were being checked?", True),
        ("Who said that the deal was fair?", True),
        ("Who won that game?", False),
        ("How much of that came from federal support?", False),
        ("Why is that hard to settle?", False),
        ("Does that include technology sold by other companies?", False),
        ("What caused that plague to spread?", False),
        ("That was when?", False),
    ],
)
def test_a_that_opening_a_clause_is_no_demonstrative(question: str, clause: bool) -> None:
    """'reported that ... were being checked' joins a clause; 'that game', 'of that' point back."""
    assert anaphora.refers_back(question)
    assert anaphora.refers_back(question, clauses=True) is not clause


def test_a_bound_possessive_does_not_hide_another_pointing_word() -> None:
    """Only the possessive is bound: 'there' or a second pronoun still points back."""
    assert anaphora.refers_back("When did BSkyB discontinue its box there?", bound=True, clauses=True)
    assert anaphora.refers_back("Who said that it was fair?", bound=True, clauses=True)
    assert anaphora.refers_back("And when did BSkyB discontinue its box?", bound=True, clauses=True)


@pytest.mark.parametrize(
    ("question", "points"),
    [
        ("On how many ships?", True),
        ("At whose expense?", True),
        ("In which use particularly?", True),
        ("How much does a channel pay, then?", True),
        ("In what year did Harvard Stadium open?", False),
        ("About how many species of trees grow in the Amazon region?", False),
        ("Who won Super Bowl 50?", False),
    ],
)
def test_a_bare_fragment_or_a_closing_then_points_back(question: str, points: bool) -> None:
    assert anaphora.refers_back(question, fragments=True) is points
    assert anaphora.refers_back(question) is False  # none of them has a pointing word

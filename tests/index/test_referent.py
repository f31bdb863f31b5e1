"""The eighth pass's reference rules (index/referent.py): the answer's name that does what the
question asked, a person is no "it", a which-question's noun with no auxiliary after it, the
later of two names. Each is an option, off by default."""

from __future__ import annotations

import pytest

from index import reference, referent

_PREDICATE = referent.Rules(predicate=True)


def test_the_answer_is_the_name_that_does_what_the_question_asked() -> None:
    question = "Which network aired a special episode of The Late Show after the game?"
    sentence = (
        "Following a break for late local programming, CBS also aired a special episode of "
        "The Late Late Show with James Corden."
    )
    assert reference.referents(question, sentence).entity == "James Corden"  # the longest name
    previous = reference.referents(question, sentence, _PREDICATE)
    assert previous.entity == previous.fit == "CBS"
    assert reference.resolve("Who were its sideline reporters?", previous) == "Who were CBS's sideline reporters?"


def test_he_after_a_who_question_is_the_name_that_did_it() -> None:
    question = "Who led the Norsemen who swore fealty to Charles III?"
    sentence = (
        "They were descended from Norse raiders and pirates who, under their leader Rollo, agreed to "
        "swear fealty to King Charles III of West Francia."
    )
    previous = reference.referents(question, sentence, _PREDICATE)
    assert previous.fit == "Rollo"
    assert reference.resolve("What land did the treaty give him?", previous) == "What land did the treaty give Rollo?"


@pytest.mark.parametrize(
    ("sentence", "fit"),
    [
        # A name in brackets is not the subject of the verb after them.
        ("Walter Camp (former captain of the Yale football team), suggested widening the field.", ""),
        # A figure or a month does nothing.
        ("In May 2006, it won two of the six packages.", ""),
        # A name after the verb did not do it.
        ("The proposal was made by Alec Shelbrooke.", ""),
    ],
)
def test_no_name_does_it_then_the_longest_is_kept(sentence: str, fit: str) -> None:
    names = reference.referents("Who suggested it?", sentence).names
    assert referent.predicate_name("Who suggested it?", sentence, names) == fit


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("What does Krishna want done about police misconduct cases?", True),
        ("What did Krishna also acknowledge concerns about?", True),
        ("What does IBM firmly oppose?", False),
        ("When did Krishna's letter go out?", False),
    ],
)
def test_a_name_that_says_wants_or_thinks_is_a_person(question: str, person: bool) -> None:
    assert referent.acts_as_person(question, "Krishna" if "Krishna" in question else "IBM") is person


def test_a_person_is_no_it_and_no_bare_this() -> None:
    rules = referent.Rules(person_verbs=True)
    previous = reference.referents("What does Krishna want done about police misconduct cases?", "", rules)
    assert previous.topic == "Krishna" and previous.topic_person
    for question in ("What is the company's stated goal behind it?", "What set all this off?"):
        assert reference.resolve(question, previous) == question
    # Off, the rule of the seventh pass: the topic, a person or not.
    assert reference.resolve("What set all this off?", reference.referents(previous.question, "")) == (
        "What set all Krishna off?"
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which network aired a special episode?", "network aired"),
        ("Which two companies merged to form BSkyB?", "companies merged"),
        ("Which Panthers linebacker broke his arm?", "linebacker broke"),
        ("Which company was in a dispute?", "company"),
        ("What did the journal publish?", ""),
    ],
)
def test_a_which_question_with_no_auxiliary_asks_for_its_first_nouns(question: str, kind: str) -> None:
    assert referent.which_kind(question) == kind


def test_that_study_is_not_the_journal_a_which_question_asked_for() -> None:
    question = "Which journal published the multinational team's paper in October 2010?"
    sentence = "The journal PLoS Pathogens published a paper following the identification by Drancourt and Raoult."
    follow = "What did that study find about the genome?"
    assert reference.resolve(follow, reference.referents(question, sentence)) != follow
    previous = reference.referents(question, sentence, referent.Rules(which_kind=True))
    assert previous.kind == "journal published"
    assert reference.resolve(follow, previous) == follow


def test_the_later_of_two_names_is_the_subject_when_asked() -> None:
    question = "What did the Byzantines call the Normans?"
    assert reference.question_topic(question) == "Byzantines"
    assert reference.question_topic(question, last=True) == "the Normans"

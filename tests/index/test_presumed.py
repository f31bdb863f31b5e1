"""The twelfth pass's confidence checks (index/presumed.py): the present, a saying, an office, an amount by degree."""

from __future__ import annotations

import pytest

from index.confidence import Rule, judge
from index.lexical import terms
from index.presumed import amount_by_degree, office_unnamed, present_unsaid, saying_unreported

RED_HAT = "IBM, which acquired Raleigh-based Red Hat last year, employs thousands of people."
AMAZON = "Concerns have been raised about the use of facial technology developed by other companies such as Amazon."


@pytest.mark.parametrize(
    ("question", "passage", "unsaid"),
    [
        # The time of asking, and a passage that speaks of no present.
        ("Where is the Bayeux Tapestry kept today?", "The Bayeux Tapestry is a work of embroidery.", True),
        ("Who is Harvard's president now?", "Harvard was named for John Harvard in 1639.", True),
        ("Has Congress voted on the registry yet?", "Congress should establish a federal registry.", True),
        ("Did Harvard beat Yale last year?", "Harvard has an intense rivalry with Yale.", True),
        # The passage speaks of its own present, or of a time told from it.
        ("Who runs Red Hat these days?", RED_HAT, False),
        ("Does IBM still sell facial recognition software?", "IBM no longer offers such software.", False),
        ("What is the satellite called now?", "It is currently called Astra 2E.", False),
        # A capitalised time word inside a sentence is a name's; opening it, or in capitals, it is the time.
        ("What did USA Today report about the merger?", "The paper covered the merger in 2019.", False),
        ("Who hosts the Today show?", "The show began in 1952.", False),
        ("Today, who runs Red Hat?", "Red Hat was founded in 1993.", True),
        ("Who runs Red Hat NOW?", "Red Hat was founded in 1993.", True),
        # A question that does not ask about the present.
        ("Where is the Bayeux Tapestry kept?", "The Bayeux Tapestry is a work of embroidery.", False),
        # "Still" and "yet" as "nevertheless", and "still" after a past auxiliary: not the time of asking.
        ("Still, who paid for it?", "Red Hat was founded in 1993.", False),
        ("But still, who paid for it?", "Red Hat was founded in 1993.", False),
        ("Yet who paid for it?", "Red Hat was founded in 1993.", False),
        ("Did the Broncos still win?", "The Broncos lost the toss in 2016.", False),
        ("Was the abbey still standing in 1900?", "The abbey was built in 1066.", False),
        # ... where a present auxiliary, none, or "still" with no comma opening the question ask about now.
        ("Is Krishna still the CEO?", "Krishna became CEO in 2020.", True),
        ("Does IBM still sell facial recognition software?", "IBM sold such software in 2019.", True),
        ("Who still runs Red Hat?", "Red Hat was founded in 1993.", True),
        ("Still no word from IBM?", "IBM wrote to Congress in 2020.", True),
        ("Did they win, and is he still the coach?", "He became coach in 2015.", True),
        # "Did ... yet" asks about now as "has ... yet" does.
        ("Did Congress vote on the registry yet?", "Congress should establish a federal registry.", True),
        # A passage's "still" of contrast tells no present, as a question's does: opening a sentence with its
        # comma, or after its clause's past auxiliary (the sentence before it ends that clause).
        ("Who runs Red Hat now?", "Red Hat lost money in 2001. Still, the company grew.", True),
        ("Who runs Red Hat now?", "Red Hat was sold in 2019, and it was still a loss.", True),
        ("Who runs Red Hat now?", "Yet the company grew in 2001.", True),
        # ... while a present one, or one with no auxiliary in its clause, speaks of now.
        ("Who runs Red Hat now?", "Red Hat was sold in 2019, and Whitehurst is still the CEO.", False),
        ("Who runs Red Hat now?", "Red Hat was sold in 2019. Whitehurst still runs it.", False),
        ("Who runs Red Hat now?", "Red Hat was sold in 2019; it is not yet merged.", False),
    ],
)
def test_present_unsaid(question: str, passage: str, unsaid: bool) -> None:
    assert present_unsaid(question, passage) is unsaid


@pytest.mark.parametrize(
    ("question", "passage", "unreported"),
    [
        # Someone's words asked for, and a passage that reports none.
        ("What did Amazon say about IBM's decision?", AMAZON, True),
        ("Which members of Congress responded to the letter?", "He spelled out IBM's stand in a letter.", True),
        ("Who replied to Krishna's letter?", "He spelled out IBM's stand in a letter.", True),
        # Reported speech: a quotation, or a word of saying.
        ("What did IBM say about justice?", "IBM called for a “pursuit of justice and racial equity.”", False),
        ("What did Krishna say about bias in AI?", "Krishna also acknowledged concerns about AI.", False),
        ("What did Biraben say about the plague?", "According to Biraben, the plague was present.", False),
        # The text or the asker speaks; or no one's words are asked for.
        ("What does the article say about qualified immunity?", "Congress should change the doctrine.", False),
        ("Do you think IBM was right?", AMAZON, False),
        ("Which other companies make facial recognition technology?", AMAZON, False),
        # A reaction asked for with "how": an act answers it as well as words.
        ("How did the army respond to the attack?", "The army counterattacked at dawn.", False),
        ("How did the market react to the news?", "Shares fell by a fifth.", False),
        ("How did he react, and what did he say?", "Shares fell by a fifth.", True),
        # "Claim" of a toll is a taking, not a saying: its object the dead, or a count asked with nothing
        # claimed after the verb; in the question and in the passage alike.
        ("How many victims did the plague claim?", "The plague reached Italy in 1629.", False),
        ("How many victims did the plague claim in Italy?", "The plague reached Italy in 1629.", False),
        ("How much of Stockholm's population did the plague claim?", "The plague reached Stockholm.", False),
        ("Which plague claimed the most lives?", "The plague reached Italy in 1629.", False),
        ("What did Biraben say about Italy?", "A plague claimed some 1.7 million victims in Italy.", True),
        # A claim followed by what was claimed is a saying.
        ("What did Meggers claim was the maximum?", "Meggers studied the rainforest.", True),
        ("Who claimed that the name first appeared in 1631?", "The name appeared in 1631.", True),
        ("How many people did Meggers claim the forest could hold?", "Meggers studied the rainforest.", True),
        ("What did BSkyB say about HD?", "BSkyB claimed 40,000 people had registered for HD.", False),
        # "Claim" as a noun asks for no words: determined, counted, or with nothing claimed after the plural.
        ("What were the claims against the company?", "The company was fined in 2019.", False),
        ("How many insurance claims were filed?", "The company was fined in 2019.", False),
        ("Which Brazilian tribe uses Google Earth to strengthen its territorial claims?", "The Surui map it.", False),
        ("What was IBM's claim?", "IBM sold the unit in 2019.", False),
        ("Was a false claim made?", "IBM sold the unit in 2019.", False),
        ("Which claims against IBM were dropped?", "IBM sold the unit in 2019.", False),
        # ... while a saying asked beside the noun is one, and the verb stays a verb.
        ("What did the BBC say about his claims?", "The BBC aired the show in 2019.", True),
        ("What did he claim about the Latin name atra mors?", "Atra mors is Latin.", True),
        ("Who claims that IBM sold the unit?", "IBM sold the unit in 2019.", True),
        ("What do the lawyers claim?", "IBM sold the unit in 2019.", True),
    ],
)
def test_saying_unreported(question: str, passage: str, unreported: bool) -> None:
    assert saying_unreported(question, passage) is unreported


@pytest.mark.parametrize(
    ("question", "passage", "unnamed"),
    [
        # An office asked for, and a passage that never names it.
        ("Who is IBM's chief financial officer?", "Tim Humphrey, IBM's top NC exec, joins the call.", True),
        ("Who is the CEO of Red Hat?", RED_HAT, True),
        ("Who was king of France during the Black Death?", "The plague reached France in 1348.", True),
        ("Who was the first director of the NSFNET program?", "NSFNET was a program of the NSF.", True),
        # Several holders of an office.
        ("Who are IBM's directors?", "He spelled out IBM's stand in a letter sent to Congress.", True),
        ("Who are its chairmen?", "He spelled out IBM's stand in a letter sent to Congress.", True),
        ("Who were the company secretaries?", "He spelled out IBM's stand in a letter sent to Congress.", True),
        ("Who are IBM's directors?", "IBM's board of directors met in June.", False),
        ("Who were Sky's chairmen?", "Sky's chairman, Rupert Murdoch, left in 2012.", False),
        ("Who were the leaders of the revolt?", "The revolt was led by Hereward.", False),
        ("Who were the two abbots at Fecamp Abbey?", "William of Volpiano was abbot of Fecamp.", False),
        # The office named, by its word or by its acronym.
        ("Who is IBM's chief executive?", "IBM CEO Arvind Krishna took that step further.", False),
        ("Who was chief executive when the service started?", "The then chief executive officer, Sam Chisholm.", False),
        ("Who was the Norse leader?", "Under their leader Rollo, they agreed.", False),
        # ... or by its verb, a regular one ("headed by") or the irregular "led".
        ("Who was the head of the abbey?", "The abbey was headed by William.", False),
        ("Who was the leader of the revolt?", "The revolt was led by Hereward.", False),
        ("Who was the leader of the revolt?", "The revolt broke out in 1070.", True),
        # Not an office: a family word is told by its converse ("Emma, sister of Richard").
        ("Who was Emma's brother?", "Emma, sister of Duke Richard II of Normandy, married.", False),
        ("Who is Arvind Krishna?", "IBM CEO Arvind Krishna took that step further.", False),
    ],
)
def test_office_unnamed(question: str, passage: str, unnamed: bool) -> None:
    assert office_unnamed(question, passage, terms(passage)) is unnamed


def test_an_amount_by_degree_is_a_word_of_degree_before_a_word_for_money() -> None:
    assert amount_by_degree("CNBC notes that facial recognition does not generate “significant revenue” for IBM.")
    assert amount_by_degree("The deal brought in a large sum.")
    assert not amount_by_degree("IBM employs thousands of people.")
    assert not amount_by_degree("Harvard has a significant number of students.")


def test_judge_runs_the_twelfth_pass_checks_and_each_can_be_switched() -> None:
    def ask(question: str, passage: str, rule: Rule | None = None) -> str:
        return judge(question, passage, passage, terms(question), terms(passage), lambda _: 1.0, rule or Rule())

    today = ("Where is the Bayeux Tapestry kept today?", "The Bayeux Tapestry is a work of embroidery.")
    assert ask(*today) == "low"
    assert ask(*today, Rule(present=False)) == "high"
    said = ("What did Amazon say about IBM's decision?", AMAZON)
    assert ask(*said) == "low"
    assert ask(*said, Rule(said=False)) == "high"
    chairman = ("Who is IBM's chairman?", "He spelled out IBM's stand in a letter sent to Congress.")
    assert ask(*chairman) == "low"
    assert ask(*chairman, Rule(office=False)) == "high"
    earned = ("How much does IBM earn from facial recognition?", "It does not generate “significant revenue” for IBM.")
    assert ask(*earned) == "high"
    assert ask(*earned, Rule(degree=False)) == "low"
    # A degree answers a sum of money only: a how-many question still needs a figure.
    assert ask("How many people use it?", "It does not generate significant revenue.") == "low"

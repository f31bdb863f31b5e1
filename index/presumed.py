"""What a question takes for granted that the passage must speak of (pure functions over text, used
by index/confidence.py; docs/retrieval.md, "Twelfth pass: confidence").

A question can be on the passage's subject and still ask about something the passage never touches:

* **the present**: "Who runs Red Hat *these days*?", "Where is the Bayeux Tapestry kept *today*?",
  "Has Congress voted on the registry *yet*?" ask about the time of asking; a passage that speaks of
  no present ("now", "currently", "still", "last year", ...) tells its subject at another time
  ("*Still*, who paid?" and "Did they *still* win?" do not ask about it, nor does a passage's "*Still*, it
  grew" speak of it);
* **a saying**: "What did Amazon *say* about IBM's decision?", "Which members of Congress
  *responded* to the letter?" ask for someone's words; a passage that reports none (no quotation,
  no verb of saying: "Concerns have been raised about ... such as Amazon") names the speaker only
  (a toll *claimed* is taken, not said: "How many victims did the plague *claim*?");
* **an office's holder**: "Who is IBM's *chief financial officer*?", "Who are Sky's *directors*?" ask
  for whoever holds an office; a passage that never names the office (nor by its acronym: "CEO" for
  "chief executive") names no holder of it.

And one answer a how-much question about money accepts besides a sum: an **amount told by degree**
("does not generate *significant revenue*"), as a how-many question accepts "a few".
"""

from __future__ import annotations

import re
from collections.abc import Collection

from index.asked import held, word_set
from index.lexical import terms

# The time of asking, in a question ("now", "these days", "still", "yet", "last year").
_ABOUT_NOW = re.compile(
    r"\b(now|today|nowadays|currently|these days|still|yet|(last|this) year)\b",
    re.IGNORECASE,
)
# "Still" and "yet" tell the time of asking only as adverbs of time: opening a sentence, "yet" and "still,"
# are "nevertheless" ("*Still*, who paid for it?"); and "still" after a past auxiliary tells a past time or a
# contrast ("Did they *still* win?", "Was it *still* standing in 1900?"), where "Is he *still* the CEO?" asks
# about now. ("Did you vote *yet*?" asks about now: "did" with "yet" is a perfect's.)
_CONTRAST = frozenset(("still", "yet"))
_OPENING = re.compile(r"(?:^|[.!?;:(\"“]\s*)(?:(?:and|but|so)\s+)?$", re.IGNORECASE)
# An auxiliary, group 1 when it is past; a clause break (",", ";", ":") or a sentence's end (a passage has
# several) ends the clause an auxiliary opened.
_AUXILIARY = re.compile(
    r"\b(?:(?:is|are|am|isn't|aren't|do|does|don't|doesn't|has|have|hasn't|haven't|can|can't|will|won't|shall"
    r"|should|may|might|must)|(was|were|wasn't|weren't|did|didn't|had|hadn't))\b|[,;:]|[.!?](?=\s|$)",
    re.IGNORECASE,
)
# A passage's own present, or a time it tells from it (a year alone is another time). Its "still" and "yet"
# are read as a question's are: "*Still*, the company grew." and "It was *still* a loss" tell no present,
# "He is *still* the CEO" does.
_SPEAKS_OF_NOW = re.compile(
    r"\b(now|today|nowadays|currently|current|presently|present|these days|still|no longer|any ?more"
    r"|recent|recently|latest|yet|ago|(last|this|next|past) (year|month|week|decade|season)s?)\b",
    re.IGNORECASE,
)
# A question asking for someone's words: its verb is one of saying, thinking or answering.
_ASKS_SAID = re.compile(
    r"\b(say|says|said|think|thinks|thought|respond|responds|responded|react|reacts|reacted"
    r"|reply|replies|replied|comment|comments|commented|claim|claims|claimed|argue|argues|argued)\b",
    re.IGNORECASE,
)
# "Claim" of a toll tells a taking, not a saying: its object is the dead, after words of count or article only
# ("The plague *claimed* some 1.7 million *victims*", "*claimed the lives* of ..."), or a how-many / how-much
# question counts what it took and nothing follows the verb but a place or a time ("How many victims did the
# plague *claim* in Italy?"). A claim followed by what was claimed is a saying ("What did Meggers *claim* was
# the maximum?").
_CLAIM = re.compile(r"claim(s|ed|ing)?", re.IGNORECASE)
_TOLL = re.compile(
    r"\s+(?:(?:the|a|an|some|many|more|most|its|their|over|about|around|nearly|almost|an estimated|up to|at least"
    r"|as many as|than|[\d.,]+|millions?|thousands?|hundreds?|of)\s+)*(?:lives|life|victims?|casualties|deaths|dead|souls)\b",
    re.IGNORECASE,
)
_COUNTED = re.compile(r"\bhow (many|much)\b", re.IGNORECASE)
_NOTHING_CLAIMED = re.compile(
    r"\s*(?:[?.!,;]|$|(?:in|during|at|on|over|across|among|within|throughout|before|after|between|until|by|from"
    r"|when|while)\b)",
    re.IGNORECASE,
)
# "Claim" as a noun names what someone claimed without asking for their words ("What were the *claims*
# against the company?", "How many insurance *claims* were filed?"): after a determiner, a possessive or a
# figure, one adjective of a closed class at most between ("its *claims*", "IBM's *claim*", "a false *claim*");
# the plural counted ("How many insurance *claims* ...?"); or the plural with nothing claimed after it (the
# question's end, a clause break, "against", "of", "for", "about", "over", or its own verb: "its territorial
# *claims*?", "*claims* were filed"). The verb is read as before: the singular after a subject ("What did
# Meggers *claim* was ...", "What did he *claim* about ...?"), the plural before what was claimed ("He *claims*
# that ...").
_DETERMINED = re.compile(
    r"(?:\b(?:a|an|the|this|these|those|his|her|its|their|our|your|my|whose|any|no|such"
    r"|\d[\d,.]*)|\w(?:'s|’s|s'|s’))(?:\s+(?:false|new|main|major|legal|similar|earlier|original|initial|first"
    r"|last|other|own|conflicting|competing))?\s+$",
    re.IGNORECASE,
)
_COUNTED_NOUN = re.compile(r"\bhow many(?:\s+[\w-]+){0,2}\s+$", re.IGNORECASE)
_NOUN_AFTER = re.compile(r"\s*(?:[?.!,;:]|$)|\s+(?:against|of|for|about|over|were|are)\b", re.IGNORECASE)
# A reaction asked for with "how" ("How did the army *respond* to the attack?") may be an act as much as
# words ("The army counterattacked"): such a verb alone does not ask for a saying then.
_REACTION = re.compile(r"(respond|responds|responded|react|reacts|reacted)", re.IGNORECASE)
_HOW = re.compile(r"\bhow\b", re.IGNORECASE)
# ... unless the text itself or the asker speaks ("What does the article say ...?", "Do you think ...?").
_TEXT_SPEAKS = re.compile(
    r"\b(does|did|do|is|was|in|by) (the|this) (article|story|text|report|piece|letter|passage|author|writer"
    r"|source|news)\b|\b(you|we|i)\b",
    re.IGNORECASE,
)
# Reported speech: a quotation mark, or a word of saying, thinking or answering ("a letter" is not one:
# it tells that words were sent, not what they were).
_REPORTS_SPEECH = re.compile(
    r"[\"“”«»„]|\b(say|says|said|saying|tell|tells|told|write|writes|wrote|written|notes|noted|explain"
    r"|explains|explained|announce|announces|announced|announcement|acknowledge|acknowledges|acknowledged"
    r"|called|calling|claim|claims|claimed|argue|argues|argued|stated|statement|add|adds|added|according"
    r"|believe|believes|believed|think|thinks|thought|report|reports|reported|warn|warns|warned|urge|urges"
    r"|urged|demand|demands|demanded|demanding|insist|insists|insisted|suggest|suggests|suggested|declare"
    r"|declares|declared|admit|admits|admitted|criticize|criticized|criticise|criticised|criticism|critics"
    r"|praise|praised|comment|comments|commented|respond|responds|responded|response|reply|replies|replied"
    r"|react|reacts|reacted|reaction|deny|denies|denied|agree|agrees|agreed|oppose|opposes|opposed"
    r"|describe|describes|described|interview|speech|asked|confirmed|confirms)\b",
    re.IGNORECASE,
)
# An amount of money told by degree: a word of degree before a word for money, one word between at
# most ("significant revenue", "a large sum", "little real profit").
_DEGREES = (
    "significant|substantial|considerable|little|much|large|small|huge|big|modest|sizable|sizeable"
    "|meaningful|enormous|vast|minimal|negligible|limited|major|minor|great|low|high|hefty|tiny"
)
_MONEY_NOUNS = (
    "revenues?|profits?|income|money|earnings|sales|funds|funding|costs?|prices?|fees?|sums?|fortune"
    "|endowments?|salary|salaries|wages?|budgets?"
)
_BY_DEGREE = re.compile(rf"\b({_DEGREES})\W+(\w+\W+)?({_MONEY_NOUNS})\b", re.IGNORECASE)


# A who-question about an office's holder: "Who is / was [the | a | X's] [words] OFFICE [of ... | ?]".
_WHO_HOLDS = re.compile(
    r"\s*who (?:is|was|are|were) (?:the |a |an |[\w'’.-]+(?:'s|’s|s'|s’) )?([\w\s-]+?)"
    r"(?: (?:of|in|at|for|on|during|when|before|after|that|who|to)\b|\?|$)",
    re.IGNORECASE,
)
# Offices a person holds (a closed class: a family word is told by its converse, "Emma, sister of
# Richard", and is left out).
_OFFICES = word_set(
    "ceo cfo coo cto chairman chairwoman chairperson chair president founder cofounder co-founder director "
    "head chief officer executive manager leader owner coach captain king queen pope emperor empress "
    "governor mayor minister secretary boss chancellor dean principal editor spokesman spokeswoman "
    "spokesperson commander general admiral bishop archbishop abbot duke prince princess treasurer provost "
    "superintendent commissioner"
)
# An office named by its verb: a regular one shares the office's stem or a near form ("founded", "headed",
# "directed by"); the irregular one is listed ("led by Hereward" names the leader).
_OFFICE_VERBS = {"leader": "led"}
_CAPITALS_RUN = re.compile(r"\b[A-Z]{2,}\b")


def office_unnamed(question: str, passage: str, passage_terms: Collection[str]) -> bool:
    """Whether a "Who is X's OFFICE?" question ("Who is IBM's *chief financial officer*?") meets a
    passage that never names the office: not its word (stem or near form), nor an acronym starting
    with the initials of its last words ("CEO" for "chief executive")."""
    match = _WHO_HOLDS.match(question)
    words = match.group(1).split() if match else []
    office = _office(words[-1]) if words else None
    if office is None:
        return False
    said = frozenset(passage_terms)
    if any(held(term, said) for term in {*terms(words[-1]), *terms(office)}) or _OFFICE_VERBS.get(office) in said:
        return False
    capitals = [a.casefold() for a in _CAPITALS_RUN.findall(passage)]
    for k in range(2, len(words) + 1):
        initials = "".join(w[0] for w in words[-k:]).casefold()
        if any(a.startswith(initials) for a in capitals):
            return False
    return True


def _office(word: str) -> str | None:
    """The office ``word`` names, one or several holders ("directors", "chairmen", "CEOs", "secretaries"), or None."""
    word = word.casefold()
    for plural, single in (("", ""), ("s", ""), ("es", ""), ("ies", "y"), ("men", "man")):
        if word.endswith(plural) and (office := word[: len(word) - len(plural)] + single) in _OFFICES:
            return office
    return None


def present_unsaid(question: str, passage: str) -> bool:
    """Whether the question asks about the time of asking ("now", "these days", "still", "yet",
    "last year") and the passage speaks of no present nor of a time told from it. Such a word
    capitalised inside a sentence is a name's ("What did *USA Today* report?", "the *Today* show"). A "still"
    or "yet" of contrast tells no present on either side ("*Still*, the company grew.", "It was *still* a loss")."""
    asks = any(not _in_name(question, m) and not _contrast(question, m) for m in _ABOUT_NOW.finditer(question))
    return asks and all(_contrast(passage, m) for m in _SPEAKS_OF_NOW.finditer(passage))


def _contrast(text: str, match: re.Match[str]) -> bool:
    """Whether ``match`` is a "still" or "yet" that does not tell the present: "nevertheless" opening a
    sentence ("Yet who paid?", "Still, who paid?"), or a "still" whose clause's auxiliary is past ("Did they
    still win?"). A "still" with no auxiliary before it ("Who still runs it?") is read as the present."""
    word = match.group(0).casefold()
    if word not in _CONTRAST:
        return False
    if _OPENING.search(text[: match.start()]) and (word == "yet" or text[match.end() :].startswith(",")):
        return True
    before = list(_AUXILIARY.finditer(text, 0, match.start()))
    return word == "still" and bool(before) and before[-1].group(1) is not None


def _in_name(text: str, match: re.Match[str]) -> bool:
    """Whether ``match`` is capitalised (not all capitals: "NOW" is stressed) inside a sentence."""
    word, before = match.group(0), text[: match.start()].rstrip()
    return word[0].isupper() and not word.isupper() and bool(before) and before[-1] not in ".!?:;\"'("


def saying_unreported(question: str, passage: str) -> bool:
    """Whether the question asks for someone's words ("What did Amazon *say* ...?", "Who *replied*
    ...?") and the passage reports no speech: no quotation mark, no word of saying. A question whose
    speaker is the text itself ("What does the article say ...?") or the asker is left alone, and so is
    a how-question whose only such verb is a reaction ("How did the market *react*?": an act answers). A
    "claim" of a toll is a taking in either ("How many victims did the plague *claim*?", "a plague *claimed*
    some 1.7 million victims"); the noun asks for no words ("What were the *claims* against the company?"),
    while a passage naming claims still reports that words were said."""
    asked = [
        m.group(0)
        for m in _ASKS_SAID.finditer(question)
        if not _taken(question, m, counted=True) and not _noun(question, m)
    ]
    if not asked or _TEXT_SPEAKS.search(question):
        return False
    if _HOW.search(question) and all(_REACTION.fullmatch(verb) for verb in asked):
        return False
    return all(_taken(passage, m) for m in _REPORTS_SPEECH.finditer(passage))


def _taken(text: str, match: re.Match[str], counted: bool = False) -> bool:
    """Whether ``match`` is a "claim" of a toll (a taking, not a saying): its object the dead ("claimed the
    lives of ..."), or, with ``counted`` (a question), a how-many / how-much question's verb with nothing
    claimed after it ("How many victims did the plague claim?")."""
    if not _CLAIM.fullmatch(match.group(0)):
        return False
    if _TOLL.match(text, match.end()):
        return True
    return counted and bool(_COUNTED.search(text, 0, match.start())) and bool(_NOTHING_CLAIMED.match(text, match.end()))


def _noun(text: str, match: re.Match[str]) -> bool:
    """Whether ``match`` is "claim" or "claims" as a noun: determined ("the *claims*", "IBM's *claim*"), or the
    plural counted ("How many insurance *claims* ...?") or with nothing claimed after it ("*claims* against")."""
    word = match.group(0).casefold()
    if word not in ("claim", "claims"):
        return False
    before = text[: match.start()]
    if _DETERMINED.search(before):
        return True
    return word == "claims" and bool(_COUNTED_NOUN.search(before) or _NOUN_AFTER.match(text, match.end()))


def amount_by_degree(sentence: str) -> bool:
    """Whether the sentence tells an amount of money by degree ("does not generate *significant
    revenue*"): what a how-much question about money is answered by when no sum is given."""
    return bool(_BY_DEGREE.search(sentence))

"""Pairs of general-English opposites, for the antonym check of index/confidence.py.

SQuAD 2.0's crowd workers made many of their unanswerable questions by replacing one word of
an answerable one with its opposite ("highest" / "lowest", "first" / "last", "before" /
"after", "won" / "lost"): the question still finds the passage, which no longer answers it.

The list was written from general knowledge, before any question set was read, and has not
been extended from the misses of any set since (docs/retrieval.md, "Sixth pass: confidence").
Comparatives, superlatives and irregular past forms are listed as words of their own, since
stemming does not join "highest" to "high" or "won" to "win"; other inflections are matched by
stem ("increases" / "increased" / "increase"). Pairs whose words are often part of names
("New York", "Great Britain") or have a second common sense ("left": the past of "leave")
were left out.
"""

from __future__ import annotations

from functools import lru_cache

PAIRS: tuple[tuple[str, str], ...] = (
    ("high", "low"),
    ("higher", "lower"),
    ("highest", "lowest"),
    ("large", "small"),
    ("larger", "smaller"),
    ("largest", "smallest"),
    ("big", "small"),
    ("bigger", "smaller"),
    ("biggest", "smallest"),
    ("greater", "lesser"),
    ("greatest", "least"),
    ("long", "short"),
    ("longer", "shorter"),
    ("longest", "shortest"),
    ("tall", "short"),
    ("taller", "shorter"),
    ("tallest", "shortest"),
    ("old", "young"),
    ("older", "younger"),
    ("oldest", "youngest"),
    ("early", "late"),
    ("earlier", "later"),
    ("earliest", "latest"),
    ("more", "less"),
    ("more", "fewer"),
    ("most", "least"),
    ("most", "fewest"),
    ("many", "few"),
    ("much", "little"),
    ("best", "worst"),
    ("better", "worse"),
    ("good", "bad"),
    ("strong", "weak"),
    ("stronger", "weaker"),
    ("strongest", "weakest"),
    ("rich", "poor"),
    ("richer", "poorer"),
    ("richest", "poorest"),
    ("fast", "slow"),
    ("faster", "slower"),
    ("fastest", "slowest"),
    ("heavier", "lighter"),
    ("heaviest", "lightest"),
    ("hot", "cold"),
    ("warm", "cool"),
    ("wide", "narrow"),
    ("wider", "narrower"),
    ("widest", "narrowest"),
    ("deep", "shallow"),
    ("thick", "thin"),
    ("near", "far"),
    ("nearest", "farthest"),
    ("nearer", "farther"),
    ("north", "south"),
    ("northern", "southern"),
    ("northernmost", "southernmost"),
    ("east", "west"),
    ("eastern", "western"),
    ("easternmost", "westernmost"),
    ("northeast", "southwest"),
    ("northwest", "southeast"),
    ("upper", "lower"),
    ("up", "down"),
    ("above", "below"),
    ("over", "under"),
    ("inside", "outside"),
    ("inner", "outer"),
    ("internal", "external"),
    ("top", "bottom"),
    ("front", "back"),
    ("first", "last"),
    ("begin", "end"),
    ("beginning", "end"),
    ("start", "end"),
    ("start", "finish"),
    ("before", "after"),
    ("past", "future"),
    ("ancient", "modern"),
    ("win", "lose"),
    ("won", "lost"),
    ("winner", "loser"),
    ("victory", "defeat"),
    ("rise", "fall"),
    ("rose", "fell"),
    ("risen", "fallen"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("gain", "loss"),
    ("gained", "lost"),
    ("grow", "shrink"),
    ("expand", "contract"),
    ("add", "remove"),
    ("added", "removed"),
    ("open", "close"),
    ("opened", "closed"),
    ("buy", "sell"),
    ("bought", "sold"),
    ("import", "export"),
    ("imported", "exported"),
    ("enter", "leave"),
    ("entered", "left"),
    ("arrive", "depart"),
    ("arrived", "departed"),
    ("push", "pull"),
    ("send", "receive"),
    ("sent", "received"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("allow", "forbid"),
    ("allowed", "forbidden"),
    ("allow", "prohibit"),
    ("allowed", "prohibited"),
    ("permit", "ban"),
    ("legal", "illegal"),
    ("agree", "disagree"),
    ("support", "oppose"),
    ("supported", "opposed"),
    ("attack", "defend"),
    ("attacked", "defended"),
    ("ally", "enemy"),
    ("friend", "enemy"),
    ("love", "hate"),
    ("peace", "war"),
    ("create", "destroy"),
    ("created", "destroyed"),
    ("build", "demolish"),
    ("built", "demolished"),
    ("birth", "death"),
    ("born", "died"),
    ("live", "die"),
    ("lived", "died"),
    ("alive", "dead"),
    ("appear", "disappear"),
    ("include", "exclude"),
    ("included", "excluded"),
    ("join", "leave"),
    ("joined", "left"),
    ("hire", "fire"),
    ("succeed", "fail"),
    ("succeeded", "failed"),
    ("success", "failure"),
    ("true", "false"),
    ("right", "wrong"),
    ("correct", "incorrect"),
    ("possible", "impossible"),
    ("common", "rare"),
    ("frequent", "rare"),
    ("public", "private"),
    ("rural", "urban"),
    ("male", "female"),
    ("maximum", "minimum"),
    ("majority", "minority"),
    ("positive", "negative"),
    ("major", "minor"),
    ("same", "different"),
    ("similar", "different"),
    ("simple", "complex"),
    ("easy", "difficult"),
    ("easy", "hard"),
    ("cheap", "expensive"),
    ("dark", "light"),
    ("day", "night"),
    ("summer", "winter"),
    ("wet", "dry"),
    ("full", "empty"),
    ("raise", "lower"),
    ("raised", "lowered"),
    ("lend", "borrow"),
    ("lent", "borrowed"),
    ("teach", "learn"),
    ("taught", "learned"),
    ("always", "never"),
    ("all", "none"),
    ("everything", "nothing"),
    ("include", "omit"),
    ("legal", "unlawful"),
    ("heavy", "light"),
)


# Converses: one event told from its other side. A sentence that says who *sold* the rights says
# who *bought* them, so these are no opposites to the antonym check's closer reading (docs/retrieval.md,
# "Eleventh pass: confidence"); the sixth pass named these five pairs and their past forms.
CONVERSES: frozenset[tuple[str, str]] = frozenset(
    [
        ("buy", "sell"),
        ("bought", "sold"),
        ("import", "export"),
        ("imported", "exported"),
        ("send", "receive"),
        ("sent", "received"),
        ("lend", "borrow"),
        ("lent", "borrowed"),
        ("teach", "learn"),
        ("taught", "learned"),
    ]
)


@lru_cache(maxsize=2)
def opposites(converses: bool = True) -> dict[str, frozenset[str]]:
    """Every listed word to the words listed as its opposite (both directions); the converse pairs
    left out when ``converses`` is False."""
    out: dict[str, set[str]] = {}
    for a, b in PAIRS:
        if not converses and (a, b) in CONVERSES:
            continue
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return {word: frozenset(opp) for word, opp in out.items()}


@lru_cache(maxsize=2)
def stem_opposites(converses: bool = True) -> dict[str, frozenset[str]]:
    """:func:`opposites` by stem (how the antonym check compares words)."""
    from index.lexical import _stem

    out: dict[str, set[str]] = {}
    for word, opposite in opposites(converses).items():
        out.setdefault(_stem(word), set()).update(_stem(o) for o in opposite)
    return {stem: frozenset(opp - {stem}) for stem, opp in out.items()}

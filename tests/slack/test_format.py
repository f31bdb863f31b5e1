"""The Block Kit renderer, without Slack: bold answer, escaping, limits, abstention, fallback text."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from bot.core.reply import (
    QuoteLine,
    QuoteReply,
    Reply,
    Source,
    Span,
    more_passages,
    reply_for_answer,
    reply_for_quotes,
)
from bot.core.wording import ABSTENTION, LOW_CONFIDENCE
from bot.slack import format as format_mod
from bot.slack.buttons import MORE, SHARE, VOTE_DOWN, VOTE_UP, ModalOrigin, origin_of, reason_of, wrong_modal
from bot.slack.format import (
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_FALLBACK_CHARS,
    MAX_TEXT_CHARS,
    clean_slack_text,
    escape_mrkdwn,
    fit_mrkdwn,
    format_answer_slack,
    format_more_slack,
    format_notice_slack,
    format_quotes_slack,
)
from bot.slack.text import MAX_CONTEXT_CHARS
from index.types import Answer, Hit, Quote, QuoteAnswer
from tests.fake_slack import block_kit_faults

PASSAGE = "IBM quits the facial recognition business. Krishna wrote to Congress on Monday. The letter was published."
SENTENCE = "Krishna wrote to Congress on Monday."


def _hit(text: str = PASSAGE, sentence: str = SENTENCE, paragraph: int = 6) -> Hit:
    return Hit(text, "seeds/ibm.txt", "IBM quits facial recognition", paragraph, 0.7, sentence, text.index(sentence))


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text object's text in the blocks."""
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(element["text"] for element in block.get("elements", []))
    return out


def test_answer_has_bold_sentence_section_and_source_context() -> None:
    """The passage is one mrkdwn section with the answering sentence in bold, the citation in a context block."""
    text, blocks = format_answer_slack(reply_for_answer(Answer("q", False, (_hit(),))))
    assert [b["type"] for b in blocks] == ["section", "context"]
    assert blocks[0]["text"]["type"] == "mrkdwn"
    assert f"*{SENTENCE}*" in blocks[0]["text"]["text"]
    assert blocks[0]["text"]["text"].startswith("IBM quits the facial recognition business. *Krishna")
    assert blocks[1]["elements"][0]["text"] == "[1] IBM quits facial recognition, ¶6"
    assert SENTENCE in text
    assert "[1] IBM quits facial recognition, ¶6" in text


def test_every_source_is_cited_in_order() -> None:
    """Each hit up to three becomes its own numbered citation."""
    hits = tuple(_hit(paragraph=p) for p in (6, 2, 9, 11))
    _, blocks = format_answer_slack(reply_for_answer(Answer("q", False, hits)))
    assert [e["text"] for e in blocks[-1]["elements"]] == [
        "[1] IBM quits facial recognition, ¶6",
        "[2] IBM quits facial recognition, ¶2",
        "[3] IBM quits facial recognition, ¶9",
    ]


def test_abstention_says_the_article_does_not_answer_and_shows_no_passage() -> None:
    """An abstained answer shows only the abstention sentence, not the nearest miss."""
    text, blocks = format_answer_slack(reply_for_answer(Answer("How do I bake sourdough bread?", True, (_hit(),))))
    assert blocks == [format_notice_slack(ABSTENTION)[1][0]]
    assert text == ABSTENTION
    assert SENTENCE not in json.dumps(blocks)


def test_user_text_is_escaped_everywhere() -> None:
    """`&`, `<` and `>` from the question and the sources are escaped in blocks and fallback alike."""
    passage = "Tom & Jerry <b>said</b> <!channel> hi. Second <@U123> sentence."
    hit = _hit(passage, "Second <@U123> sentence.")
    text, blocks = format_answer_slack(reply_for_answer(Answer("q", False, (hit,))), question="<!here> & <@U9>?")
    dumped = json.dumps([text, blocks])
    for raw in ("<!channel>", "<!here>", "<@U123>", "<@U9>", "<b>"):
        assert raw not in dumped
    assert "Tom &amp; Jerry &lt;b&gt;said&lt;/b&gt; &lt;!channel&gt;" in blocks[1]["text"]["text"]
    assert "*Second &lt;@U123&gt; sentence.*" in blocks[1]["text"]["text"]
    assert blocks[0]["elements"][0]["text"] == "Asked: &lt;!here&gt; &amp; &lt;@U9&gt;?"


def test_broadcast_words_are_defused() -> None:
    """A plain `@channel`, `@here` or `@everyone` gets a word joiner so Slack never reads it as a ping."""
    assert escape_mrkdwn("hi @here and @Channel, not @hereby") == "hi @\u2060here and @\u2060Channel, not @hereby"


def test_long_passage_is_cut_with_an_ellipsis_within_the_section_limit() -> None:
    """A passage longer than 3,000 characters is cut with `…`, never inside an escape, bold kept closed."""
    sentence = "Krishna & Congress " * 300 + "end."
    passage = "Start. " + sentence
    _, blocks = format_answer_slack(reply_for_answer(Answer("q", False, (_hit(passage, sentence),))))
    shown = blocks[0]["text"]["text"]
    assert len(shown) <= MAX_TEXT_CHARS
    assert shown.startswith("Start. *Krishna &amp; Congress")
    assert shown.endswith("…*")
    assert not re.search(r"&(?!amp;|lt;|gt;)", shown)


def test_cut_never_splits_an_escape() -> None:
    """fit_mrkdwn cuts the raw text, so the result ends in whole entities and the ellipsis."""
    shown = fit_mrkdwn("&" * 5000, 100)
    assert len(shown) <= 100
    assert shown == "&amp;" * 19 + "…"


def test_short_text_is_not_cut() -> None:
    """Text within the limit is only escaped."""
    assert fit_mrkdwn("a < b", 10) == "a &lt; b"


def test_many_quotes_stay_within_fifty_blocks() -> None:
    """Sixty quotations make at most 50 blocks, the last saying how many were left out."""
    quotes = tuple(QuoteLine(f"quote {i}", "Arvind Krishna", f"[{i}] IBM, ¶{i}") for i in range(60))
    text, blocks = format_quotes_slack(QuoteReply("", quotes))
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "context"
    assert blocks[-1]["elements"][0]["text"] == "… (71 more not shown)"
    assert len(text) <= MAX_FALLBACK_CHARS


def test_many_sources_stay_within_ten_context_elements() -> None:
    """More than ten citations are folded into at most ten context elements."""
    reply = Reply(
        lead="", passage=(Span("x", strong=True),), sources=tuple(Source(f"[{i}] doc, ¶{i}") for i in range(1, 15))
    )
    _, blocks = format_answer_slack(reply)
    elements = blocks[-1]["elements"]
    assert len(elements) == MAX_CONTEXT_ELEMENTS
    assert elements[-1]["text"].splitlines() == [f"[{i}] doc, ¶{i}" for i in range(10, 15)]


def test_every_text_is_non_empty_and_within_limits() -> None:
    """No text object is empty or over 3,000 characters, and the fallback is always there."""
    long = "word " * 2000
    replies = [
        reply_for_answer(Answer("q", False, (_hit(long + SENTENCE, SENTENCE),))),
        reply_for_answer(Answer("q", True, ())),
        Reply(lead=long, passage=(), sources=(Source(long),), notes=(long,)),
    ]
    for reply in replies:
        text, blocks = format_answer_slack(reply, question=long)
        assert 0 < len(text) <= MAX_FALLBACK_CHARS
        assert all(0 < len(t) <= MAX_TEXT_CHARS for t in _texts(blocks))


def test_notes_are_shown_in_italics() -> None:
    """Notes from the retriever (e.g. a shortened question) follow the sources, in italics."""
    answer = Answer("q", False, (_hit(),), notes=("your question was shortened to 1000 characters",))
    text, blocks = format_answer_slack(reply_for_answer(answer))
    assert blocks[-1]["elements"][0]["text"] == "_(your question was shortened to 1000 characters)_"
    assert text.endswith("(your question was shortened to 1000 characters)")


@pytest.mark.parametrize("count", [1, 12])
def test_long_notes_are_cut_once_within_a_context_element_with_their_italics_closed(count: int) -> None:
    """A note is cut once, to a context element's 2,000 characters, and keeps its closing ``_``: cut first to
    3,000 and again to 2,000, it lost the closing marker and Slack showed the underscore as typed."""
    notes = tuple(f"note {n} " + "word & " * 600 for n in range(count))
    for format_notes in (
        lambda: format_answer_slack(Reply("", (Span("x", strong=True),), (), notes=notes))[1],
        lambda: format_quotes_slack(QuoteReply("", (), notes))[1],
    ):
        elements = format_notes()[-1]["elements"]
        assert len(elements) == min(count, MAX_CONTEXT_ELEMENTS)
        for element in elements:
            assert len(element["text"]) <= MAX_CONTEXT_CHARS
            assert element["text"].startswith("_(note ") and element["text"].endswith("…_")
            assert not re.search(r"&(?!amp;)", element["text"])  # no escape split


def test_quotes_show_text_speaker_and_citation() -> None:
    """Each quotation is a section, with its speaker and citation in a context block below."""
    found = QuoteAnswer("surveillance", (Quote("We oppose <mass> surveillance", None, "s", "IBM", 9, 0.5),))
    text, blocks = format_quotes_slack(reply_for_quotes(found), topic="surveillance")
    assert blocks[1]["text"]["text"] == "“We oppose &lt;mass&gt; surveillance”"
    assert [e["text"] for e in blocks[2]["elements"]] == ["— unattributed", "[1] IBM, ¶9"]
    assert "— unattributed [1] IBM, ¶9" in text


@pytest.mark.parametrize("quotes", [(), (Quote("We oppose surveillance", "IBM", "s", "IBM", 9, 0.5),)])
def test_quotation_notes_are_shown_as_under_an_answer(quotes: tuple[Quote, ...]) -> None:
    """A quotation search's notes (the sources changed since the index was built, a shortened topic) follow the
    quotations in italics, found or not; they were dropped."""
    found = QuoteAnswer("surveillance", quotes, notes=("the sources have changed since the index was built",))
    text, blocks = format_quotes_slack(reply_for_quotes(found))
    assert blocks[-1]["elements"][0]["text"] == "_(the sources have changed since the index was built)_"
    assert text.endswith("(the sources have changed since the index was built)")


def test_no_quotes_shows_the_lead_with_the_topic_escaped() -> None:
    """With nothing found, the lead names the topic, escaped."""
    text, blocks = format_quotes_slack(reply_for_quotes(QuoteAnswer("<!everyone> bread", ())))
    assert blocks == [format_notice_slack("No quotation in the sources is about “<!everyone> bread”.")[1][0]]
    assert "&lt;!everyone&gt; bread" in text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<@UBOT> Why did IBM quit?", "Why did IBM quit?"),
        ("<@UBOT|citebot> why", "why"),
        ("<!channel> why &lt;now&gt; &amp; then", "@channel why <now> & then"),
        ("ask <@U2|ann> and <!subteam^S1|@team>", "ask @ann and @team"),
        ("see <https://example.com|the site> or <https://x.org>", "see the site or https://x.org"),
        ("in <#C1|general>  please", "in #general please"),
        ("did <@U2> or <!subteam^S1> say <!here>?", "did @someone or @someone say @here?"),  # names not given
    ],
)
def test_clean_slack_text_unwraps_markup(raw: str, clean: str) -> None:
    """Slack markup in a question becomes the plain text the asker typed; the bot's own mention is dropped."""
    assert clean_slack_text(raw, drop_user="UBOT") == clean


def test_a_published_source_is_a_slack_link() -> None:
    """A citation with a URL is `<url|label>`, with `|` and `>` in the URL encoded; one without is plain text."""
    reply = Reply(
        lead="",
        passage=(Span("x", strong=True),),
        sources=(Source("[1] A & B, ¶2", "https://example.org/p?a=1|2#:~:text=x"), Source("[2] C, ¶1")),
    )
    _, blocks = format_answer_slack(reply)
    texts = [e["text"] for e in blocks[-1]["elements"]]
    assert texts == ["<https://example.org/p?a=1%7C2#:~:text=x|[1] A &amp; B, ¶2>", "[2] C, ¶1"]


# --- low confidence, more sources, shared answers, buttons --------------------------------------------


def test_a_low_confidence_answer_leads_with_the_warning_and_bolds_nothing() -> None:
    """At low confidence the passages are the closest there are: the warning first, no sentence in bold."""
    answer = Answer("Who founded IBM?", False, (_hit(),), confidence="low")
    text, blocks = format_answer_slack(reply_for_answer(answer))
    assert blocks[0]["text"]["text"] == LOW_CONFIDENCE
    assert "*" not in blocks[1]["text"]["text"]
    assert SENTENCE in blocks[1]["text"]["text"]
    assert text.startswith(LOW_CONFIDENCE)


def test_more_sources_are_each_a_bold_passage_with_its_citation_numbered_on() -> None:
    """Each further passage is a section with its sentence in bold, then its citation ([4], [5]), linked when published."""
    hits = (
        _hit(paragraph=9),
        Hit(PASSAGE, "s.html", "Doc", 2, 0.5, SENTENCE, PASSAGE.index(SENTENCE), url="https://x.org/a"),
    )
    text, blocks = format_more_slack(more_passages(hits, 4))
    assert [b["type"] for b in blocks] == ["section", "context", "section", "context"]
    assert all(f"*{SENTENCE}*" in b["text"]["text"] for b in blocks[::2])
    assert blocks[1]["elements"][0]["text"] == "[4] IBM quits facial recognition, ¶9"
    assert blocks[3]["elements"][0]["text"] == "<https://x.org/a|[5] Doc, ¶2>"
    assert "[4] IBM quits facial recognition, ¶9" in text


def test_a_shared_answer_starts_with_who_asked_in_plain_text() -> None:
    """ "Asked by" and the name, as plain text: a name of markup neither pings nor formats."""
    reply = replace(reply_for_answer(Answer("q", False, (_hit(),))), shared_by="<@U1> *ann*")
    _, blocks = format_answer_slack(reply, question="Why?")
    assert blocks[0]["elements"] == [{"type": "plain_text", "text": "Asked by &lt;@U1&gt; *ann*", "emoji": False}]
    assert blocks[1]["elements"][0]["text"] == "Asked: Why?"


def test_the_echo_is_plain_text_without_bidi_controls() -> None:
    """The asker's words keep `*`, backticks and `_` as typed (plain text); bidi overrides and isolates are dropped."""
    _, blocks = format_answer_slack(
        reply_for_answer(Answer("q", False, (_hit(),))), question="*x* `y` _z_ \u202ea\u2066b\u200f"
    )
    assert blocks[0]["elements"] == [{"type": "plain_text", "text": "Asked: *x* `y` _z_ ab", "emoji": False}]


def test_buttons_carry_the_answer_id_and_appear_only_when_it_is_logged() -> None:
    """No id, no buttons; with one: More (when there is more), 👍, 👎, and Share when offered, each valued with the id."""
    hits = tuple(_hit(paragraph=p) for p in range(6))
    reply = reply_for_answer(Answer("q", False, hits), shown=3)
    assert format_answer_slack(reply, share=True)[1][-1]["type"] == "context"
    _, blocks = format_answer_slack(replace(reply, answer_id="abc123"), share=True)
    actions = blocks[-1]
    assert actions["type"] == "actions"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (MORE, "abc123"),
        (VOTE_UP, "abc123"),
        (VOTE_DOWN, "abc123"),
        (SHARE, "abc123"),
    ]
    assert all(len(e["action_id"]) <= 255 and e["text"]["type"] == "plain_text" for e in actions["elements"])
    _, few = format_answer_slack(replace(reply_for_answer(Answer("q", False, hits[:3])), answer_id="x"))
    assert [e["action_id"] for e in few[-1]["elements"]] == [VOTE_UP, VOTE_DOWN]


def test_buttons_survive_the_block_limit() -> None:
    """However many blocks an answer has, the buttons are kept, within fifty blocks."""
    reply = Reply("", (Span("x", strong=True),), (), notes=tuple(f"note {n}" for n in range(80)), answer_id="a")
    notes_as_blocks = replace(reply, notes=())
    _, blocks = format_answer_slack(notes_as_blocks)
    assert blocks[-1]["type"] == "actions"
    many = [{"type": "section"}] * 60
    assert len(format_mod._limit_blocks(many, MAX_BLOCKS - 1)) == MAX_BLOCKS - 1


def test_the_wrong_modal_round_trips_its_origin() -> None:
    """The modal keeps the answer id and where to confirm in its metadata; junk metadata is not ours."""
    origin = ModalOrigin("abc", "C1", "1.0", "https://hooks.example/x")
    view = wrong_modal(origin)
    assert origin_of(view) == origin
    assert len(view["title"]["text"]) <= 24
    assert origin_of({"private_metadata": "[1, 2]"}) is None
    assert origin_of({"private_metadata": "not json"}) is None
    assert reason_of({"state": {"values": {}}}) == ""


@pytest.mark.parametrize("count", [1, 3, 12])
@pytest.mark.parametrize("url_chars", [1900, 2990, 5000])
def test_long_links_and_many_sources_keep_every_context_element_whole_and_within_its_limit(
    count: int, url_chars: int
) -> None:
    """A document's URL can be long (a query string, a text fragment); a context element holds 2,000
    characters and Slack refuses more, and a link cut in half shows as typed (``<https://exam…``). A link
    too long to fit is its label alone; sources past the tenth element are joined between whole links."""
    url = "https://news.example.org/a?" + "x" * url_chars
    hits = tuple(replace(_hit(paragraph=p), url=url) for p in range(1, count + 1))
    for first, (text, blocks) in (
        (1, format_answer_slack(reply_for_answer(Answer("q", False, hits), count))),
        (4, format_more_slack(more_passages(hits, 4))),
    ):
        assert block_kit_faults({"text": text, "blocks": blocks}) == []
        cited = " ".join(_texts(blocks))
        assert all(f"[{n}] IBM quits facial recognition, ¶" in cited for n in range(first, first + count))

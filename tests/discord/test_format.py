"""Rendering replies for Discord: limits, ellipsis, bold sentence, escaping, error wording."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import discord
import pytest
from discord import app_commands

from bot.core import wording
from bot.core.reply import MoreReply, Passage, Reply, Source, Span, more_passages, reply_for_answer, reply_for_quotes
from bot.discord.format import (
    describe_error,
    format_age,
    format_answer_discord,
    format_more_discord,
    format_quotes_discord,
    format_sources_discord,
)
from bot.discord.text import ELLIPSIS, escape_user_text, split_message, truncate
from index.errors import EmptyQuestionError, IndexMissingError
from index.types import IndexInfo, Quote, QuoteAnswer
from tests.fakes import SENTENCE, FakeRetriever

FAKE = FakeRetriever()


def long_reply(before: int, after: int, sentence: str = SENTENCE) -> Reply:
    return Reply(
        lead="",
        passage=(Span("word " * before), Span(sentence, strong=True), Span(" tail" * after)),
        sources=(Source("[1] IBM quits facial recognition, ¶6"), Source("[2] IBM quits facial recognition, ¶7")),
        notes=("Your question was shortened to its first 1000 characters.",),
    )


def test_answer_has_bold_sentence_quote_and_citations() -> None:
    """An answer is a block quote with the answering sentence in bold, then one citation per line."""
    text = format_answer_discord(reply_for_answer(FAKE.ask("why?")))
    assert text.startswith("> ")
    assert f"**{SENTENCE}**" in text
    assert text.splitlines()[-3:] == [f"[{i}] IBM quits facial recognition, ¶{5 + i}" for i in (1, 2, 3)]


def test_abstention_is_the_plain_sentence() -> None:
    """An abstaining answer is "The article doesn't say ...", with no passage and no citation."""
    text = format_answer_discord(reply_for_answer(FAKE.ask("How do I bake sourdough bread?")))
    assert text.startswith("The article doesn't say")
    assert ">" not in text and "[1]" not in text


@pytest.mark.parametrize(("before", "after"), [(0, 1000), (1000, 0), (600, 600), (2000, 2000)])
def test_long_passage_fits_2000_keeping_sentence_sources_and_notes(before: int, after: int) -> None:
    """A passage far over 2,000 characters is cut with an ellipsis; the bold sentence, sources and note stay whole."""
    text = format_answer_discord(long_reply(before, after))
    assert len(text) <= 2000
    assert ELLIPSIS in text
    assert f"**{SENTENCE}**" in text
    assert "[2] IBM quits facial recognition, ¶7" in text
    assert text.endswith("-# Your question was shortened to its first 1000 characters.")


def test_over_long_sentence_is_cut_inside_the_bold() -> None:
    """When the answering sentence alone is too long, it is cut at a word, ending "…**" so the bold stays closed."""
    text = format_answer_discord(long_reply(5, 5, sentence="very " * 1000 + "long."))
    assert len(text) <= 2000
    assert "…**" in text
    assert text.count("**") == 2


@pytest.mark.parametrize("limit", [120, 150, 200, 300, 500])
def test_any_limit_is_respected(limit: int) -> None:
    """Whatever the limit, the content never exceeds it."""
    assert len(format_answer_discord(long_reply(100, 100), limit=limit)) <= limit


def test_escaping_neutralises_markdown_and_mentions() -> None:
    """User or source text with markdown and mentions is escaped: shown as typed, pinging no one."""
    text = escape_user_text("@everyone *bold* _x_ `code` <@123456789012345678> <@&123456789012345678>\n# heading")
    assert "@\u200beveryone" in text
    assert "\\*bold\\*" in text and "\\_x\\_" in text and "\\`code\\`" in text
    assert "<@123456789012345678>" not in text and "<@&123456789012345678>" not in text
    assert "\n\\# heading" in text


def test_passage_markdown_is_escaped_but_bold_is_ours() -> None:
    """Markdown inside a passage is escaped; the only live ** pair is the answering sentence's."""
    reply = Reply(lead="", passage=(Span("a *b* "), Span("c __d__", strong=True)), sources=(Source("[1] Doc, ¶1"),))
    text = format_answer_discord(reply)
    assert "a \\*b\\* **c \\_\\_d\\_\\_**" in text


def test_truncate_cuts_at_a_word_with_an_ellipsis() -> None:
    """truncate returns short text unchanged and cuts long text at a word, ending with "…" within the limit."""
    assert truncate("short", 10) == "short"
    cut = truncate("alpha beta gamma delta", 15)
    assert cut == "alpha beta…" and len(cut) <= 15
    assert not truncate("abc\\*def", 5).rstrip(ELLIPSIS).endswith("\\")


def test_split_message_splits_at_paragraphs_within_limit() -> None:
    """split_message keeps paragraphs whole when it can and every piece within the limit."""
    paragraphs = [f"paragraph {i} " + "x" * 600 for i in range(6)]
    pieces = split_message("\n\n".join(paragraphs), 2000)
    assert all(len(p) <= 2000 for p in pieces)
    assert len(pieces) == 2
    assert pieces[0].startswith("paragraph 0") and pieces[1].startswith("paragraph 3")
    assert split_message("y" * 4500, 2000) == ["y" * 2000, "y" * 2000, "y" * 500]


def test_quotes_have_speaker_and_citation_and_split_cleanly() -> None:
    """Quotations render verbatim with "— speaker · citation"; many long ones split into messages of ≤ 2,000."""
    quote = Quote("I said *this*", "Arvind Krishna", "seeds/a.txt", "Doc", 4, 0.5)
    (text,) = format_quotes_discord(reply_for_quotes(QuoteAnswer("topic", (quote,))))
    assert text == "> “I said \\*this\\*”\n— Arvind Krishna · [1] Doc, ¶4"
    many = QuoteAnswer("topic", tuple(Quote("word " * 300, None, "s", "Doc", i, 0.5) for i in range(1, 8)))
    pieces = format_quotes_discord(reply_for_quotes(many))
    assert len(pieces) > 1 and all(len(p) <= 2000 for p in pieces)
    assert sum(p.count("*unattributed*") for p in pieces) == 7


@pytest.mark.parametrize("quotes", [(), (Quote("We oppose surveillance", "IBM", "s", "IBM", 9, 0.5),)])
def test_quotation_notes_are_shown_whether_or_not_a_quotation_was_found(quotes: tuple[Quote, ...]) -> None:
    """A quotation search's notes (the sources changed since the index was built) end the reply, as under an
    answer; with no quotation found they were dropped."""
    found = QuoteAnswer("surveillance", quotes, notes=("the sources have changed since the index was built",))
    (text,) = format_quotes_discord(reply_for_quotes(found))
    assert text.endswith("\n-# the sources have changed since the index was built")


def test_no_quotes_escapes_the_topic() -> None:
    """With no quotation found, the lead echoes the topic escaped, so @everyone in it pings no one."""
    (text,) = format_quotes_discord(reply_for_quotes(QuoteAnswer("@everyone *x*", ())))
    assert "@\u200beveryone" in text and "\\*x\\*" in text


def test_sources_embed_stays_within_embed_limits() -> None:
    """/sources with 500 documents keeps the description ≤ 4,096, the embed ≤ 6,000, and says how many are left out."""
    info = IndexInfo(
        documents=tuple(f"Document number {i} with a rather long title" for i in range(500)),
        paragraphs=9000,
        chunks=4000,
        quotes=12,
        model="all-MiniLM-L6-v2",
        dimension=384,
        built_at=datetime(2024, 1, 1, tzinfo=UTC),
        sources=tuple(f"seeds/{i:03}.txt" for i in range(500)),
    )
    embed = format_sources_discord(info, now=datetime(2024, 1, 1, 3, tzinfo=UTC))
    assert len(embed.description or "") <= 4096
    assert len(embed) <= 6000
    assert "more" in (embed.description or "")
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Chunks"] == "4000"
    assert fields["Index built"].startswith("3 hours ago")


def test_format_age() -> None:
    """format_age says "just now", minutes, hours or days, singular when one."""
    now = datetime(2024, 1, 2, tzinfo=UTC)
    assert format_age(now - timedelta(seconds=5), now) == "just now"
    assert format_age(now - timedelta(minutes=1), now) == "1 minute ago"
    assert format_age(now - timedelta(hours=5), now) == "5 hours ago"
    assert format_age(datetime(2023, 12, 30), now) == "3 days ago"


def test_rate_limited_notice_rounds_up() -> None:
    """The rate-limit notice is polite and never says "0 s"."""
    assert wording.rate_limited(0.2).endswith("try again in 1 s.")
    assert wording.rate_limited(12.3).endswith("try again in 13 s.")


def test_describe_error_is_short_per_class_and_never_a_traceback() -> None:
    """Known errors get their own sentence (unwrapping CommandInvokeError); anything else the generic apology."""
    assert "empty" in describe_error(EmptyQuestionError())
    assert "python -m bot index" in describe_error(IndexMissingError("idx"))  # type: ignore[arg-type]
    command = app_commands.Command(name="x", description="x", callback=_noop)
    wrapped = app_commands.CommandInvokeError(command, IndexMissingError("idx"))  # type: ignore[arg-type]
    assert describe_error(wrapped) == describe_error(IndexMissingError("idx"))  # type: ignore[arg-type]
    assert describe_error(app_commands.CheckFailure()) == "You can't use that command here."
    assert describe_error(ZeroDivisionError("secret detail")) == wording.APOLOGY
    assert "secret" not in describe_error(app_commands.CommandInvokeError(command, ZeroDivisionError("secret")))


async def _noop(interaction: discord.Interaction) -> None:
    """x"""


def test_a_published_source_is_a_masked_link_to_the_paragraph() -> None:
    """A citation with a URL is a masked link whose target keeps no parenthesis or space; one without is plain."""
    url = "https://example.org/a_(b)#:~:text=The%20first%20words"
    text = format_answer_discord(
        Reply(lead="", passage=(Span("x", strong=True),), sources=(Source("[1] Doc, ¶2", url), Source("[2] Doc, ¶3")))
    )
    assert "[\\[1\\] Doc, ¶2](<https://example.org/a_%28b%29#:~:text=The%20first%20words>)" in text
    assert text.endswith("\n[2] Doc, ¶3")


def test_low_confidence_reply_says_so_and_bolds_nothing() -> None:
    """A low-confidence answer leads with the warning and shows the passage without a bold sentence."""
    answer = FAKE.ask("why?")
    low = reply_for_answer(type(answer)(**{**answer.__dict__, "confidence": "low"}))
    text = format_answer_discord(low)
    assert text.startswith(wording.LOW_CONFIDENCE)
    assert "**" not in text


def more_of(*lengths: int, url: str | None = None) -> MoreReply:
    """Further passages of the given lengths in words, cited [4] onwards."""
    return MoreReply(
        tuple(
            Passage(
                (Span("word " * n), Span(SENTENCE, strong=True), Span(" tail")), Source(f"[{4 + i}] Doc, ¶{i}", url)
            )
            for i, n in enumerate(lengths)
        )
    )


def test_more_sources_shows_each_passage_with_its_bold_sentence_and_citation() -> None:
    """Each further passage is a block quote with its sentence in bold, followed by its own citation, [4] onwards."""
    text = format_more_discord(more_passages(FAKE.ask("why?", 6).hits[3:], 4))
    blocks = text.split("\n\n")
    assert len(blocks) == 3
    for rank, block in zip((4, 5, 6), blocks, strict=True):
        quote, citation = block.rsplit("\n", 1)
        assert quote.startswith("> ") and f"**{SENTENCE}**" in quote
        assert citation.startswith((f"\\[{rank}\\]", f"[{rank}]"))


def test_more_sources_fits_the_limit_keeping_every_citation_and_bold() -> None:
    """Long passages share the 2,000 characters; every citation (even as a masked link) and every bold sentence stay."""
    text = format_more_discord(more_of(20, 900, 900, url="https://example.org/page#:~:text=a%20b"))
    assert len(text) <= 2000
    assert [line[:5] for line in text.splitlines() if line.startswith("[")] == ["[\\[4\\", "[\\[5\\", "[\\[6\\"]
    assert text.count("**") == 6
    assert "word " * 20 in text  # the short one is left whole


def test_a_shared_answer_says_who_asked_what_without_escaping_the_mention() -> None:
    """A shared answer opens with "Asked by" and the sharer's mention (live, never pinging) and the question, escaped."""
    answer = FAKE.ask("Why *did* IBM quit?")
    reply = dataclasses.replace(reply_for_answer(answer), shared_by="<@123456789012345678>", answer_id="abc")
    text = format_answer_discord(reply)
    assert text.startswith("Asked by <@123456789012345678>: “Why \\*did\\* IBM quit?”\n\n> ")
    assert "**" in text and len(text) <= 2000
    odd = format_answer_discord(dataclasses.replace(reply, shared_by="@everyone"))
    assert odd.startswith("Asked by @\u200beveryone")


def test_a_shared_low_confidence_answer_keeps_its_warning_under_asked_by() -> None:
    """Asked by comes first, then the low-confidence warning, then the passage with no bold sentence."""
    answer = FAKE.ask("vaguely why?")
    text = format_answer_discord(dataclasses.replace(reply_for_answer(answer), shared_by="<@1>"))
    first, second, *_ = text.split("\n\n")
    assert first.startswith("Asked by <@1>") and second == wording.LOW_CONFIDENCE
    assert "**" not in text


def test_a_long_low_confidence_passage_is_cut_at_a_word_not_dropped() -> None:
    """A low-confidence passage (no sentence in bold) longer than the room left is shown up to a word, then "…";
    it was shown as "> …" alone, as if all of it came before a bold sentence."""
    passage = (Span("IBM opened a campus in the park. " * 40), Span("It employs thousands. " * 40))
    reply = Reply(lead=wording.LOW_CONFIDENCE, passage=passage, sources=(Source("[1] Doc, ¶1"),), confidence="low")
    text = format_answer_discord(reply)
    assert len(text) <= 2000 and "**" not in text
    quoted = text.split("\n\n")[1]
    assert quoted.startswith("> IBM opened a campus in the park. IBM") and quoted.endswith("…")
    assert len(quoted) > 1500


def test_very_long_links_give_way_to_the_answering_sentence() -> None:
    """Citations linking to 900-character URLs leave no room for the passage: the last links are left off (those
    citations plain) so the bold sentence and the note stay whole and no link is cut in half; short links stay."""
    url = "https://example.org/" + "a" * 900 + "#:~:text=x"
    reply = dataclasses.replace(long_reply(50, 50), sources=tuple(Source(f"[{i}] Doc, ¶{i}", url) for i in (1, 2, 3)))
    text = format_answer_discord(reply)
    assert len(text) <= 2000
    assert f"**{SENTENCE}**" in text and text.endswith("-# Your question was shortened to its first 1000 characters.")
    citations = text.split("\n\n")[-2].splitlines()
    assert citations[0] == f"[\\[1\\] Doc, ¶1](<{url}>)" and citations[1:] == ["[2] Doc, ¶2", "[3] Doc, ¶3"]
    short = dataclasses.replace(
        reply, sources=tuple(Source(s.citation, "https://example.org/a") for s in reply.sources)
    )
    assert format_answer_discord(short).count("](<https://example.org/a>)") == 3

"""Text from members and sources on Discord: nothing in it renders as markup, pings, or breaks a link."""

from __future__ import annotations

import dataclasses
import re

from bot.core.reply import Reply, Source, Span, reply_for_answer
from bot.discord.format import format_answer_discord, format_source_discord
from bot.discord.text import escape_user_text
from tests.fakes import FakeRetriever

# Discord's markup in angle brackets: a channel, a server's emoji (still and animated), a timestamp, a command link,
# a server guide link. Each renders as something else than its characters when left live.
LIVE = [
    "<#300000000000000003>",
    "<:blob:123456789012345678>",
    "<a:dance:123456789012345678>",
    "<t:1700000000:R>",
    "</ask:123456789012345678>",
    "<id:customize>",
]
_RENDERS = re.compile(r"<(#|a?:\w+:|t:|/\w+:|id:)")


def test_angle_bracket_markup_in_a_passage_or_a_shared_question_shows_as_typed() -> None:
    """A source passage, a citation, or a shared /ask question holding a channel link, an emoji, a timestamp or a
    command link shows its characters: none of it renders as a channel, an emoji, a date or a command."""
    typed = " ".join(LIVE)
    for text in (escape_user_text(typed), format_source_discord(Source(f"{typed}, ¶1", "https://example.org/a"))):
        assert not _RENDERS.search(text), text
        assert all(markup in text.replace("\u200b", "") for markup in LIVE), text  # the characters stay
    passage = Reply(lead="", passage=(Span(f"Before {typed} "), Span(f"Said {typed}.", strong=True)), sources=())
    assert not _RENDERS.search(format_answer_discord(passage))
    answer = FakeRetriever().ask(f"Why did IBM quit {typed}?")
    shared = dataclasses.replace(reply_for_answer(answer), shared_by="<@123456789012345678>", answer_id="abc")
    text = format_answer_discord(shared)
    assert text.startswith("Asked by <@123456789012345678>: “Why did IBM quit ")
    assert not _RENDERS.search(text), text


def test_a_citation_holding_link_markup_is_escaped_once_inside_its_link() -> None:
    """A title holding ``[x](y)`` (which escaping markdown already escapes once) keeps one backslash before each
    bracket inside the citation's masked link: a second one shows a stray backslash and leaves the bracket live."""
    label = format_source_discord(Source("Minutes [draft](v2) \\ notes, ¶1", "https://example.org/m"))
    assert label == "[Minutes \\[draft\\](v2) \\\\ notes, ¶1](<https://example.org/m>)"

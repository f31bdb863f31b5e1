"""How the terminal prints results (bot/terminal/render.py), without a process."""

from __future__ import annotations

import pytest

from bot.core.reply import reply_for_quotes
from bot.terminal.render import format_quotes_text
from index.types import Quote, QuoteAnswer

NOTE = "the question was 1,500 characters; only the first 997 were read"


@pytest.mark.parametrize("quotes", [(), (Quote("We oppose surveillance", "IBM", "s", "IBM", 9, 0.5),)])
def test_quotation_notes_are_printed_as_under_an_answer(quotes: tuple[Quote, ...]) -> None:
    """`quote LONG-TOPIC` and `/quote` say the topic was shortened (or the sources changed), as `--json` and
    `ask` do: the text form dropped the notes."""
    text = format_quotes_text(reply_for_quotes(QuoteAnswer("surveillance", quotes, notes=(NOTE,))))
    assert text.endswith(f"\n\n({NOTE})")

"""``/citebot report`` as Block Kit: headings in mrkdwn, members' words in ``plain_text``.

What members asked (and the reasons they gave a 👎) is shown as typed: each part's entries are
one ``plain_text`` section, so ``*bold*``, ``_italic_``, ``~strike~``, code and links in them
never render, and escaped and without bidirectional controls all the same (as the "Asked:"
echo over an answer, :mod:`bot.slack.format`). Only the title and the headings, the bot's own
words, are mrkdwn. Each text keeps within Slack's 3,000 characters: a part's entries that do
not fit are counted on its last line (``… and 4 more``), and every part keeps its heading; the
message is seven blocks of Slack's 50.
"""

from __future__ import annotations

from typing import Any

from bot.core import wording
from bot.core.report import Report, fit, part_lines, report_parts
from bot.slack.text import MAX_TEXT_CHARS, escape_mrkdwn, strip_bidi

__all__ = ["format_report_slack"]

Block = dict[str, Any]


def _heading(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape_mrkdwn(text)}*", "verbatim": True}}


def _plain(lines: list[str]) -> Block:
    return {"type": "section", "text": {"type": "plain_text", "text": "\n".join(lines) or " ", "emoji": False}}


def _entries(lines: list[str], each: int) -> list[str]:
    """A part's entries as shown, within one text object: as many as fit, then how many are left out."""
    shown = min(len(lines), each)
    if len("\n".join(part_lines(lines, shown))) > MAX_TEXT_CHARS:
        shown = fit([lines[:shown]], MAX_TEXT_CHARS - len(wording.report_more(len(lines))))[0]
    return part_lines(lines, shown)


def format_report_slack(report: Report, *, each: int = 10) -> tuple[str, list[Block]]:
    """The report as the ``text`` fallback (its title) and its blocks.

    Args:
        report: The report.
        each: At most this many entries a part.
    """
    title = wording.report_title(report.since)
    blocks = [_heading(title)]
    if report.empty:
        return escape_mrkdwn(title), [*blocks, _plain([wording.REPORT_EMPTY])]
    for heading, lines in report_parts(report, escape=lambda text: escape_mrkdwn(strip_bidi(text))):
        blocks += [_heading(heading), _plain(_entries(lines, each))]
    return escape_mrkdwn(title), blocks

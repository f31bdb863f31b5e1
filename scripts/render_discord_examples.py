"""Render an example Discord answer of each kind into docs/discord.md, between its markers.

Screenshots of Discord are not possible here, so docs/discord.md shows each kind of
answer (an answer, a low-confidence one, More sources, a shared answer) as the text the
bot sends and the buttons under it, rendered by the bot's own formatting code
(:mod:`bot.discord.format`, :mod:`bot.discord.buttons`) from fixed passages of the IBM
article in seeds/. No model is loaded: the passages are chosen here, so the examples
only change when the rendering does. tests/discord/test_docs.py fails when the doc is
out of date.

Usage: ``.venv/bin/python scripts/render_discord_examples.py [--check]``
(``--check``: change nothing, exit 1 when the doc is out of date).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.core.reply import more_passages, reply_for_answer  # noqa: E402
from bot.discord.buttons import ButtonSpec, buttons_for  # noqa: E402
from bot.discord.format import format_answer_discord, format_more_discord  # noqa: E402
from bot.discord.threads import thread_name  # noqa: E402
from index.types import Answer, Hit  # noqa: E402
from scripts.article import passage  # noqa: E402
from scripts.marked import replace_between  # noqa: E402

DOC = REPO / "docs" / "discord.md"
BEGIN = "<!-- examples:begin: written by scripts/render_discord_examples.py; edit that, not this -->"
END = "<!-- examples:end -->"
URL = "https://example.com/news/ibm-quits-facial-recognition"  # an example address, as titles.toml would give one
ANSWER_ID = "Ab3_-xYz09Q"  # an answer id as the question log makes them
SHARER = "<@123456789012345678>"

# (paragraph number, the sentence that answers) for each passage the examples cite.
ANSWER_PASSAGES = [(8, "“IBM firmly opposes"), (5, "As part of that effort"), (6, "“IBM no longer offers")]
MORE = [(4, "IBM called for"), (10, "“Artificial Intelligence"), (12, "CNBC notes")]
LOW_PASSAGES = [(18, "IBM, which acquired"), (1, "RESEARCH TRIANGLE PARK"), (3, "He spelled out")]


def hit(number: int, opening: str, *, linked: bool) -> Hit:
    """Paragraph ``number`` of the article, answering with its sentence starting ``opening``; linked or not."""
    return passage(number, opening, URL if linked else None)


def buttons(specs: list[ButtonSpec]) -> str:
    return " ".join(f"`{spec.label}`" for spec in specs) or "none"


def example(title: str, where: str, content: str, below: str) -> str:
    return f"#### {title}\n\n{where}\n\n```md\n{content}\n```\n\nButtons: {below}\n"


def render() -> str:
    """The Markdown between the doc's markers."""
    question = "Why did IBM quit facial recognition?"
    hits = tuple(hit(n, s, linked=True) for n, s in ANSWER_PASSAGES + MORE)
    answer = Answer(question, False, hits, confidence="high", index_version="example")
    reply = dataclasses.replace(reply_for_answer(answer, 3), answer_id=ANSWER_ID)
    low_question = "Who founded IBM?"
    low_hits = tuple(hit(n, s, linked=False) for n, s in LOW_PASSAGES)
    low = reply_for_answer(Answer(low_question, False, low_hits, confidence="low", index_version="example"), 3)
    low = dataclasses.replace(low, answer_id=ANSWER_ID)
    more = more_passages(hits[3:], 4)
    shared = reply_for_answer(Answer(question, False, hits[:3], confidence="high", index_version="example"), 3)
    shared = dataclasses.replace(shared, answer_id=ANSWER_ID, shared_by=SHARER)
    parts = [
        example(
            "An answer",
            f"`@citebot {question}` in #general starts a thread named “{thread_name(question)}”, which holds:",
            format_answer_discord(reply),
            buttons(buttons_for(reply))
            + f"; with `/ask private:true` also {buttons(buttons_for(reply, share=True)[3:])}.",
        ),
        example(
            "A low-confidence answer",
            f"`@citebot {low_question}`: the article is on IBM but does not say; no sentence is in bold "
            "(the document here gives no address, so its citations are plain):",
            format_answer_discord(low),
            buttons(buttons_for(low)),
        ),
        example(
            "More sources",
            "A click on `More sources` under the first answer; only the person who clicked sees this:",
            format_more_discord(more),
            "none",
        ),
        example(
            "A shared answer",
            f"A click on `Share in channel` under a private `/ask` answer posts it for everyone; `{SHARER}` shows as "
            "the name of the person who clicked, and pings nobody:",
            format_answer_discord(shared),
            buttons(buttons_for(shared)),
        ),
    ]
    return "\n".join(parts)


def updated(doc: str) -> str:
    """``doc`` with the examples between the markers rendered afresh."""
    return replace_between(doc, BEGIN, END, render(), str(DOC.relative_to(REPO)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/discord.md is out of date")
    args = parser.parse_args()
    doc = DOC.read_text(encoding="utf-8")
    fresh = updated(doc)
    if args.check:
        if fresh != doc:
            print(f"{DOC.relative_to(REPO)} is out of date: run scripts/render_discord_examples.py", file=sys.stderr)
            return 1
        return 0
    if fresh != doc:
        DOC.write_text(fresh, encoding="utf-8")
        print(f"updated {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

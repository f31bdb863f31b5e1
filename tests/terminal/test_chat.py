"""The terminal chat (bot/terminal/chat.py), in process with the fake retriever."""

from __future__ import annotations

import asyncio
import builtins
import io
import signal
import threading
import time
from typing import Any

import pytest

from bot.core.reply import reply_for_answer, reply_for_quotes
from bot.terminal.chat import run_chat
from bot.terminal.render import format_quotes_text, format_reply_text
from tests.fakes import SENTENCE, FakeRetriever, fake_pipeline


@pytest.fixture
def settings() -> None:
    """The chat reads no settings of its own: kept so every test reads alike."""


def chat(
    lines: str, settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    code = run_chat(fake_pipeline())
    return code, capsys.readouterr().out


def test_banner_says_what_is_indexed_and_how_to_use_the_chat(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The banner gives the document and chunk counts, /quote, /sources and how to quit."""
    code, out = chat("", settings, monkeypatch, capsys)
    assert code == 0
    assert "1 document(s), 9 chunks" in out
    for word in ("/quote TOPIC", "/sources", "quit", "Ctrl-D"):
        assert word in out


def test_piped_questions_are_answered_in_order_with_the_ask_text(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each piped line gets the very text `ask` prints, in order; blank lines are skipped."""
    fake = FakeRetriever()
    code, out = chat("Why did IBM quit?\n\n   \nIs sourdough covered?\n", settings, monkeypatch, capsys)
    first = format_reply_text(reply_for_answer(fake.ask("Why did IBM quit?")))
    second = format_reply_text(reply_for_answer(fake.ask("Is sourdough covered?")))
    assert code == 0
    assert out.index(first) < out.index(second)
    assert out.count("[1] ") == 1  # the abstention shows no citation


def test_quote_command_prints_the_quote_text(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/quote TOPIC` prints what `quote TOPIC` prints."""
    code, out = chat("/quote facial recognition\n", settings, monkeypatch, capsys)
    assert code == 0
    assert format_quotes_text(reply_for_quotes(FakeRetriever().quotes("facial recognition"))) in out


def test_sources_command_lists_the_documents(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/sources` lists each source path with its title."""
    _, out = chat("/sources\n", settings, monkeypatch, capsys)
    assert "seeds/000_a7265f2ac828b9b1.txt: IBM quits facial recognition" in out


@pytest.mark.parametrize("line", ["/quote", "/quote   ", "boom now"])
def test_errors_are_one_line_and_the_chat_goes_on(
    line: str, settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty topic or a failing question prints its notice on one line, then the next question is answered."""
    code, out = chat(f"{line}\nWhy did IBM quit?\n", settings, monkeypatch, capsys)
    assert code == 0
    (error_line,) = [
        x
        for x in out.splitlines()
        if x.startswith(("The question is empty", "The topic is empty", "I can't answer right now"))
    ]
    assert "Traceback" not in out
    assert out.index(error_line) < out.index("**Krishna said IBM opposes")


@pytest.mark.parametrize("word", ["quit", "exit", "QUIT", "  exit  "])
def test_quit_and_exit_end_the_chat(
    word: str, settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`quit` or `exit` (any case, any spacing) ends with status 0; later lines are not read."""
    code, out = chat(f"{word}\nWhy did IBM quit?\n", settings, monkeypatch, capsys)
    assert code == 0
    assert "[1] " not in out


@pytest.mark.parametrize("raised", [EOFError, KeyboardInterrupt])
def test_ctrl_d_and_ctrl_c_at_the_prompt_exit_0(
    raised: type[BaseException], settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-D (EOFError) and Ctrl-C (KeyboardInterrupt) from input() end the chat with status 0."""

    def interrupted(prompt: str = "") -> str:
        raise raised

    monkeypatch.setattr(builtins, "input", interrupted)
    assert run_chat(fake_pipeline()) == 0
    assert "Traceback" not in capsys.readouterr().out


def test_ctrl_c_while_answering_exits_0(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C (SIGINT) during a slow answer ends the chat with status 0, not a traceback, and prints no answer."""
    gate = threading.Event()
    fake = FakeRetriever(gate=gate)
    pipeline = fake_pipeline(fake)
    runners: list[asyncio.Runner] = []

    class Runner(asyncio.Runner):  # the chat's runner, remembered so the test can reach its loop
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            runners.append(self)

    def press_ctrl_c() -> None:
        if fake.entered.wait(10):  # the answer is being worked on
            # SIGINT, raised in the main thread by the chat's own loop: asyncio's handler cancels the answer.
            runners[0].get_loop().call_soon_threadsafe(signal.raise_signal, signal.SIGINT)
            deadline = time.monotonic() + 10
            while pipeline.service.in_flight and time.monotonic() < deadline:
                time.sleep(0.01)
        gate.set()  # only now may the retriever finish: its answer must not be what ends the chat

    monkeypatch.setattr(asyncio, "Runner", Runner)
    monkeypatch.setattr("sys.stdin", io.StringIO("Why did IBM quit?\nAnd then?\n"))
    # As at a terminal: a run started in the background (`make test &`) inherits SIGINT ignored,
    # and then asyncio leaves it alone.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    try:
        assert run_chat(pipeline) == 0
    finally:
        gate.set()
        presser.join(10)
        signal.signal(signal.SIGINT, previous)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert SENTENCE not in out
    assert fake.asked == ["Why did IBM quit?"]


def test_the_chat_is_one_conversation_and_new_starts_another(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each question is asked with the earlier ones (the newest five), as a thread's are; /quote
    and /sources are not questions of it; /new empties it."""
    from bot.core import wording
    from bot.core.conversation import MAX_HISTORY

    fake = FakeRetriever()
    questions = [f"Question {n} about IBM?" for n in range(1, MAX_HISTORY + 3)]
    lines = [questions[0], "/quote facial recognition", "/sources", *questions[1:], "/new", "Why did IBM quit?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert run_chat(fake_pipeline(fake)) == 0
    out = capsys.readouterr().out
    assert [q for q in fake.asked if q != "facial recognition"] == [*questions, "Why did IBM quit?"]
    assert fake.histories == [
        *(tuple(questions[max(0, n - MAX_HISTORY) : n]) for n in range(len(questions))),
        (),
    ]
    assert wording.CHAT_NEW in out


def test_a_line_that_is_not_utf8_is_said_to_be_and_the_chat_goes_on(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Latin-1 line piped in (stdin decoding strictly, as under a UTF-8 locale) is one line saying so, as in
    `ask -`, not a crash of input(); the next question is answered."""
    from bot.core import wording

    fake = FakeRetriever()
    stdin = io.TextIOWrapper(io.BytesIO("Caf\u00e9 au lait?\nWhy did IBM quit?\n".encode("latin-1")), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert run_chat(fake_pipeline(fake)) == 0
    out = capsys.readouterr().out
    assert wording.NOT_UTF8 in out
    assert fake.asked == ["Why did IBM quit?"]


def test_help_lists_the_commands_and_asks_nothing(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/help` (any case) prints the commands the banner lists, /help among them; it is not asked as a question."""
    from bot.core import wording

    fake = FakeRetriever()
    monkeypatch.setattr("sys.stdin", io.StringIO("/help\n/HELP\n"))
    assert run_chat(fake_pipeline(fake)) == 0
    out = capsys.readouterr().out
    assert out.count(wording.CHAT_USAGE) == 3  # the banner, then each /help
    assert "/help" in wording.CHAT_USAGE
    assert fake.asked == []


def test_commands_are_read_in_any_case_and_an_unknown_one_is_not_asked(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/QUOTE topic` and `/Sources` are the commands; `/hlep` is said to be unknown (with the usage), and a
    question that only starts with a slash is still asked."""
    from bot.core import wording

    fake = FakeRetriever()
    monkeypatch.setattr("sys.stdin", io.StringIO("/QUOTE facial recognition\n/Sources\n/hlep\n/etc/hosts?\n"))
    assert run_chat(fake_pipeline(fake)) == 0
    out = capsys.readouterr().out
    assert format_quotes_text(reply_for_quotes(FakeRetriever().quotes("facial recognition"))) in out
    assert "seeds/000_a7265f2ac828b9b1.txt: IBM quits facial recognition" in out
    assert wording.unknown_chat_command("/hlep") in out
    assert fake.asked == ["facial recognition", "/etc/hosts?"]


def test_new_with_a_question_starts_over_with_that_question(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`/new Why did IBM quit?` asks "Why did IBM quit?" with no history and starts the new conversation with it,
    instead of asking "/new Why did IBM quit?" with the old conversation's questions."""
    from bot.core import wording

    fake = FakeRetriever()
    monkeypatch.setattr("sys.stdin", io.StringIO("Who is Arvind Krishna?\n/new Why did IBM quit?\nAnd then?\n"))
    assert run_chat(fake_pipeline(fake)) == 0
    assert fake.asked == ["Who is Arvind Krishna?", "Why did IBM quit?", "And then?"]
    assert fake.histories == [(), (), ("Why did IBM quit?",)]
    assert wording.CHAT_NEW in capsys.readouterr().out


def test_a_closed_stdin_ends_the_chat_as_its_end_does(
    settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chat <&-` (Python's sys.stdin is None): the banner, then status 0 as at Ctrl-D, not an AttributeError."""
    monkeypatch.setattr("sys.stdin", None)
    assert run_chat(fake_pipeline()) == 0
    assert "1 document(s), 9 chunks" in capsys.readouterr().out

"""``python -m bot chat``: ask questions in the terminal.

Answers read as ``python -m bot ask`` prints them (the same pipeline and render
functions). The chat is one conversation, as a thread is on Discord or Slack: each
question is asked with the earlier ones (the newest :data:`MAX_HISTORY`), so "When did he
die?" follows "Who was Nikola Tesla?"; a question that stands on its own is answered as if
asked alone, and ``/new`` starts a new conversation. The questions are kept in memory only,
for the length of the chat. Works with a person at a TTY and with piped lines alike; Ctrl-D,
Ctrl-C, ``quit`` and ``exit`` all end it with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from typing import TYPE_CHECKING

from bot.core import wording
from bot.core.conversation import MAX_HISTORY
from bot.terminal import TERMINAL
from bot.terminal.output import emit
from bot.terminal.render import format_sources, format_text

if TYPE_CHECKING:
    from bot.core.pipeline import Pipeline
    from bot.core.reload import IndexReloader

PROMPT = "> "
QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", ":q"})
_COMMAND = re.compile(r"/[a-z]+")  # what reads as a command: a question like "/etc/hosts?" is asked


async def respond(line: str, pipeline: Pipeline, earlier: list[str] | None = None) -> str:
    """The text printed for one input line (a question, ``/quote TOPIC``, ``/sources``, ``/new`` or ``/help``).

    A question is asked with ``earlier`` (the conversation's questions so far, oldest first),
    then joins it; ``/new`` empties it. None: every question stands alone. Commands are read in
    any case; a word like a command that is none (``/hlep``) is said to be unknown, not asked.
    """
    words = line.split(maxsplit=1)
    command, rest = (words[0].casefold() if words else ""), (words[1] if len(words) > 1 else "")
    if command == "/help":
        return wording.CHAT_USAGE
    if command == "/sources":
        return format_sources(pipeline.service.info)
    if command == "/quote":
        return format_text(await pipeline.quote(TERMINAL, rest, via="chat"))
    lead = ""
    if command == "/new":  # `/new QUESTION` starts over with that question
        if earlier is not None:
            earlier.clear()
        if not rest:
            return wording.CHAT_NEW
        lead, line = f"{wording.CHAT_NEW}\n\n", rest
    elif _COMMAND.fullmatch(command):
        return wording.unknown_chat_command(command)
    history = tuple(earlier[-MAX_HISTORY:]) if earlier else ()
    answer = await pipeline.handle(TERMINAL, line, history, via="chat")
    if earlier is not None:
        earlier.append(line)
        del earlier[:-MAX_HISTORY]
    return lead + format_text(answer)


def _utf8(line: str) -> bool:
    """Whether the line was UTF-8 text (bytes that were not are read as lone surrogates)."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def run_chat(pipeline: Pipeline, reloader: IndexReloader | None = None) -> int:
    """Read questions until end of input or ``quit``; print each answer. Returns the exit status, 0.

    With a ``reloader``, a new index on disk (`python -m bot add` in another terminal) is
    picked up before the next question.
    """
    interactive = sys.stdin is not None and sys.stdin.isatty()
    # A line that is not UTF-8 (a Latin-1 file piped in) is said to be so, not a crash of input().
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdin.reconfigure(errors="surrogateescape")
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it gives input() line editing and history)
    info = pipeline.service.info
    emit(wording.chat_banner(len(info.documents), info.chunks), end="\n\n")
    if sys.stdin is None:  # started with standard input closed (`<&-`): no question will come, as at its end
        return 0
    earlier: list[str] = []  # this conversation's questions, as a thread's are read back
    try:
        with asyncio.Runner() as runner:
            while True:
                try:
                    line = input(PROMPT if interactive else "").strip()
                except EOFError:
                    break
                if not line:
                    continue
                if not _utf8(line):
                    emit(wording.NOT_UTF8, end="\n\n")
                    continue
                if line.casefold() in QUIT_WORDS:
                    break
                if reloader is not None:
                    runner.run(reloader.check())
                emit(runner.run(respond(line, pipeline, earlier)), end="\n\n")
    except KeyboardInterrupt:
        pass
    if interactive:
        print()
    return 0

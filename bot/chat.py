"""``python -m bot chat``: ask questions in the terminal.

Answers read exactly as ``python -m bot ask`` prints them (the same ``format_*``
functions). Works with a person at a TTY and with piped lines alike; Ctrl-D,
Ctrl-C, ``quit`` and ``exit`` all end it with status 0.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import TYPE_CHECKING

from bot.cli import format_answer_text, format_quotes_text
from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.retriever import Retriever

log = logging.getLogger(__name__)

PROMPT = "> "
QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", ":q"})


def format_banner(retriever: Retriever) -> str:
    """What is indexed and how to use the chat, a few lines."""
    info = retriever.info
    return (
        f"citebot: {len(info.documents)} document(s), {info.chunks} chunks indexed. "
        "Ask a question about them.\n"
        "  /quote TOPIC  quotations on a topic    /sources  the documents\n"
        "  quit, exit, Ctrl-D or Ctrl-C to leave"
    )


def format_sources(retriever: Retriever) -> str:
    """One line a document: its path and its title."""
    info = retriever.info
    return "\n".join(f"  {src}: {title}" for title, src in zip(info.documents, info.sources, strict=False))


def respond(line: str, settings: Settings, retriever: Retriever) -> str:
    """The text printed for one input line (a question, ``/quote TOPIC`` or ``/sources``).

    Raises:
        CitebotError: the question or topic cannot be answered (e.g. it is empty).
    """
    command, _, rest = line.partition(" ")
    if command == "/sources":
        return format_sources(retriever)
    if command == "/quote":
        return format_quotes_text(retriever.quotes(rest, settings.top_k))
    return format_answer_text(retriever.ask(line, settings.top_k, max_chars=settings.max_question_chars))


def run_chat(settings: Settings, retriever: Retriever) -> int:
    """Read questions until end of input or ``quit``; print each answer. Returns the exit status, 0."""
    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it gives input() line editing and history)
    print(format_banner(retriever), end="\n\n", flush=True)
    try:
        while True:
            try:
                line = input(PROMPT if interactive else "").strip()
            except EOFError:
                break
            if not line:
                continue
            if line.casefold() in QUIT_WORDS:
                break
            try:
                text = respond(line, settings, retriever)
            except CitebotError as error:
                text = f"{type(error).__name__}: {error}"
            print(text, end="\n\n", flush=True)
    except KeyboardInterrupt:
        pass
    if interactive:
        print()
    return 0

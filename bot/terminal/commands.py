"""The terminal front end's commands: ``index``, ``ask``, ``quote`` and ``chat``.

``ask`` and ``quote`` answer their argument, or with ``-`` every line of standard
input in order, one result a line, flushed as each is ready. A line of standard
input may also be the contract's JSON object with the earlier questions of a
conversation (``{"question": ..., "history": [...]}``). A line that cannot be used
(not UTF-8, a malformed JSON question) gets an error object in its place; reading
never stops.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core import wording
from bot.core.pipeline import Pipeline
from bot.core.reply import Notice
from bot.core.runtime import build_threads, open_retriever
from bot.core.service import AnswerService
from bot.terminal import TERMINAL
from bot.terminal.output import emit
from bot.terminal.render import error_json, format_indexed, format_text, result_json

if TYPE_CHECKING:
    import argparse

    from bot.core.settings import Settings

BAD_JSON_LINE = 'a JSON line needs "question" (a string) and may have "history" (a list of strings)'
# The longest line of standard input read: far past any question (cut to MAX_QUESTION_CHARS) or JSON line
# with its history, and a bound on memory when a file with no line breaks is piped in by mistake (a 12 MB
# line took 280 MB more to answer, a 1 MB one 20 MB: docs/CONTRACT.md).
MAX_LINE_BYTES = 1 << 20
LINE_TOO_LONG = f"this line is longer than {MAX_LINE_BYTES:,} bytes: it was skipped"


@dataclass(frozen=True)
class Line:
    """One input: the question (or topic), its conversation so far, or why it can't be used."""

    text: str
    history: tuple[str, ...] = ()
    error: str | None = None


def parse_line(raw: bytes | str, *, allow_history: bool) -> Line:
    """An input line as a question: plain text, or (for questions) the contract's JSON object."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Line(raw.decode("utf-8", errors="replace").rstrip("\r\n"), error=wording.NOT_UTF8)
    text = raw.rstrip("\r\n").removeprefix("\ufeff")  # a file saved with a byte-order mark opens with one
    if not (allow_history and text.lstrip().startswith("{")):
        return Line(text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return Line(text)  # a question that happens to start with a brace
    question, history = obj.get("question") if isinstance(obj, dict) else None, obj.get("history", [])
    if not isinstance(question, str) or not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        return Line(text, error=BAD_JSON_LINE)
    return Line(question, tuple(history))


def lines_of(arg: str, *, allow_history: bool) -> Iterator[Line]:
    """The argument as one line, or with ``-`` every line of standard input, read as bytes."""
    if arg != "-":
        yield Line(arg)
        return
    if sys.stdin is None:  # started with standard input closed (`<&-`): no line to read, as from /dev/null
        return
    stream = sys.stdin.buffer
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield parse_line(raw, allow_history=allow_history)
            continue
        start = raw[:100].decode("utf-8", errors="replace") + "\u2026"
        while raw and not raw.endswith(b"\n"):  # the rest of the line is read and dropped, a bounded piece at a time
            raw = stream.readline(MAX_LINE_BYTES)
        yield Line(start, error=LINE_TOO_LONG)


def terminal_pipeline(settings: Settings, k: int) -> Pipeline:
    """The pipeline the terminal answers through: no rate limit, no batching wait, a quiet log."""
    service = AnswerService(open_retriever(settings), k=k, max_chars=settings.max_question_chars, batch_window=0.0)
    return Pipeline(service, log_level=logging.DEBUG)


def _answer_lines(pipeline: Pipeline, lines: Iterator[Line], key: str, *, as_json: bool) -> int:
    status = 0
    with asyncio.Runner() as runner:
        for line in lines:
            if line.error is not None:
                result = None
                shown = (
                    json.dumps(error_json(key, line.text, line.error), ensure_ascii=False) if as_json else line.error
                )
            else:
                if key == "topic":
                    result = runner.run(pipeline.quote(TERMINAL, line.text, via="cli"))
                else:
                    result = runner.run(pipeline.handle(TERMINAL, line.text, line.history, via="cli"))
                if as_json:
                    shown = json.dumps(result_json(key, line.text, result), ensure_ascii=False)
                else:
                    shown = format_text(result)
            if result is None or isinstance(result, Notice):
                status = 1
            emit(shown, end="\n" if as_json else "\n\n")
    return status


def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    if getattr(args, "full", False):
        from bot.core.library import rebuild_in_full
        from bot.core.runtime import say

        rebuild_in_full(settings, say=say)
    # This process only builds: one embedding at a time, on every core.
    building = settings.model_copy(update={"embed_threads": build_threads(settings)})
    retriever = open_retriever(building, progress=True, repair=True, workers=1)
    if not retriever.rebuilt and not getattr(args, "full", False):
        emit(f"Nothing to do: the index in {settings.index_dir} is up to date with {settings.seeds_dir}.")
    emit(format_indexed(retriever.info, settings.index_dir))
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    pipeline = terminal_pipeline(settings, args.k)
    return _answer_lines(pipeline, lines_of(args.question, allow_history=True), "question", as_json=args.json)


def cmd_quote(settings: Settings, args: argparse.Namespace) -> int:
    pipeline = terminal_pipeline(settings, args.k)
    return _answer_lines(pipeline, lines_of(args.topic, allow_history=False), "topic", as_json=args.json)


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.reload import IndexReloader
    from bot.terminal.chat import run_chat

    pipeline = terminal_pipeline(settings, settings.top_k)
    return run_chat(pipeline, IndexReloader(pipeline.service, settings.index_dir))

"""The command line: parse, read the settings, dispatch to a front end.

Each subcommand lives with its front end (bot/terminal, bot/discord, bot/slack) and
is imported only when chosen, so ``health`` never loads the model and ``discord``
never loads Slack. Known failures (our error classes) become one line on stderr and
an exit status; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.errors import ConfigError
from bot.db.errors import DatabaseConfigError, DatabaseError
from bot.terminal.output import OutputError, discard_output
from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.core.settings import Settings

# subcommand -> (module, function, help)
COMMANDS = {
    "index": ("bot.terminal.commands", "cmd_index", "build or refresh the index of seeds/"),
    "ask": ("bot.terminal.commands", "cmd_ask", "answer a question (or every line of stdin with -)"),
    "quote": ("bot.terminal.commands", "cmd_quote", "verbatim quotations on a topic, with their speaker"),
    "chat": ("bot.terminal.commands", "cmd_chat", "chat in the terminal"),
    "add": ("bot.terminal.sources", "cmd_add", "add files or web pages to the sources and update the index"),
    "remove": ("bot.terminal.sources", "cmd_remove", "remove a source that `add` added, and update the index"),
    "sources": ("bot.terminal.sources", "cmd_sources", "list the indexed sources: chunks, URL, date added"),
    "run": (
        "bot.cli",
        "cmd_run",
        "the Discord bot if DISCORD_TOKEN is set, else Slack if SLACK_BOT_TOKEN is, else chat",
    ),
    "discord": ("bot.discord.client", "main", "run the Discord bot (needs DISCORD_TOKEN)"),
    "slack": ("bot.slack.serve", "main", "run the Slack bot (needs SLACK_BOT_TOKEN)"),
    "health": ("bot.core.health", "main", "exit 0 when the index loads and the bot is connected"),
    "report": (
        "bot.terminal.report",
        "cmd_report",
        "what went unanswered: gaps grouped by meaning, answers voted down, most asked",
    ),
}


def _command(name: str):
    module, function, _ = COMMANDS[name]
    return getattr(importlib.import_module(module), function)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """What `make run` starts: the bot whose token is configured, else the terminal chat."""
    from bot.core import wording

    if settings.discord_token is not None:
        if settings.slack_bot_token is not None:  # one process serves one of them: say which, and how to run both
            print(wording.BOTH_TOKENS, file=sys.stderr, flush=True)
        return _command("discord")(settings, args)
    if settings.slack_bot_token is not None:
        return _command("slack")(settings, args)
    print(wording.NO_TOKEN_CHAT, file=sys.stderr, flush=True)
    return _command("chat")(settings, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Answers questions about the sources in seeds/, with citations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parsers = {name: sub.add_parser(name, help=help_) for name, (_, _, help_) in COMMANDS.items()}
    parsers["ask"].add_argument("question", help="the question, or - to read one question a line from stdin")
    parsers["quote"].add_argument("topic", help="the topic, or - to read one topic a line from stdin")
    parsers["index"].add_argument(
        "--full", action="store_true", help="embed every document afresh and relearn the token codebook"
    )
    parsers["add"].add_argument(
        "items", nargs="+", metavar="PATH|URL", help=".txt, .md, .html, .pdf files or http(s) URLs"
    )
    parsers["remove"].add_argument("name", help="the source's name as `sources` lists it")
    parsers["sources"].add_argument("--json", action="store_true", help="one JSON object a source")
    for name in ("ask", "quote"):
        parsers[name].add_argument("--json", action="store_true", help="one JSON object a line (docs/CONTRACT.md)")
        parsers[name].add_argument("--k", type=int, default=None, help="results per line (default: TOP_K, 3)")
    parsers["report"].add_argument("--since", default="7d", help="how far back: 30m, 12h, 7d, 2w (default: 7d)")
    parsers["report"].add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write the rows as CSV")
    return parser


def _setup_logging(level: str) -> None:
    # Our own loggers and the chat clients' at LOG_LEVEL; the libraries' start-up chatter
    # (faiss loaders, model loading) only when something is wrong.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in ("bot", "index", "discord", "slack_bolt"):
        logging.getLogger(name).setLevel(level.upper())


def _settings() -> Settings:
    from pydantic import ValidationError

    from bot.core.settings import Settings

    try:
        return Settings()
    except UnicodeDecodeError as error:  # python-dotenv reads .env as UTF-8 and lets this through
        raise ConfigError(
            f".env is not UTF-8 text (byte {error.start + 1} is not valid): save it as UTF-8 (see .env.example)"
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
        where = ".".join(map(str, first["loc"])).upper()  # none for two settings at odds: the message names them
        raise ConfigError(f"{f'setting {where}: ' if where else ''}{message} (see .env.example)") from None


def _standard_fds() -> None:
    """Give a standard descriptor started closed (`2>&-`) the null device. Otherwise a file the command
    opens takes its number, and a library's writes there (warnings on fd 2) land in that file; and a
    closed stderr's progress lines would go to stdout (``print(file=None)`` prints there), into
    ``--json`` output. A closed stdout stays an error (bot/terminal/output.py)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
    if sys.stderr is None:
        sys.stderr = _Nowhere()


class _Nowhere(io.TextIOBase):
    """A text stream that drops what is written to it."""

    def write(self, text: str) -> int:
        return len(text)


TERMINATED = 128 + signal.SIGTERM  # the status of a process SIGTERM ends


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(TERMINATED)


@contextlib.contextmanager
def _sigterm_stops_cleanly() -> Iterator[None]:
    """SIGTERM (`docker stop`, `kill`) ends a command as Ctrl-C does, through its clean-ups: an `add` puts the
    sources folder back, a build removes its temporary folder. Killed outright, an `add` left its file added
    and the index not updated. The bots' event loops catch SIGTERM themselves while they serve."""
    ours = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    if ours:  # not when embedded in a program with a handler of its own
        signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        if ours:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    _standard_fds()
    args = build_parser().parse_args(argv)
    with _sigterm_stops_cleanly():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        settings = _settings()
        _setup_logging(settings.log_level)
        if getattr(args, "k", 0) is None:
            args.k = settings.top_k
        if getattr(args, "k", 1) < 1:
            raise ConfigError("--k must be at least 1")
        return _command(args.command)(settings, args)
    except ConfigError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return error.exit_code
    except (CitebotError, DatabaseError) as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
        # Bad input (a refused URL, a file that is no source, a name not found) exits 2, like a bad argument.
        return 2 if isinstance(error, DatabaseConfigError) else getattr(error, "exit_code", 1)
    except OutputError as error:
        discard_output()
        if error.reader_gone:  # `ask - | head -1`: the reader has all it wanted
            return 141  # as a process that SIGPIPE ends
        print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130

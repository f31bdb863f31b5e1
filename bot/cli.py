"""The command line: ``index``, ``ask``, ``quote``, ``chat``, ``discord``, ``slack``, ``health``.

``--json`` output follows docs/CONTRACT.md exactly; human output is free in form.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError
from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.retriever import Retriever
    from index.types import Answer, QuoteAnswer

log = logging.getLogger(__name__)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_retriever(settings: Settings, *, progress: bool = False, repair: bool = False) -> Retriever:
    """Open the index named by the settings, building or refreshing it first when needed
    (and, with ``repair``, rebuilding over a damaged one)."""
    from index.retriever import Retriever

    return Retriever.open(
        settings.seeds_dir,
        settings.index_dir,
        model_path=settings.model_path,
        chunk_tokens=settings.chunk_tokens,
        say=_say,
        progress=progress,
        repair=repair,
    )


def answer_json(answer: Answer) -> dict[str, Any]:
    """The contract's JSON object for one answer."""
    out: dict[str, Any] = {
        "question": answer.question,
        "abstained": answer.abstained,
        "passages": [
            {
                "text": hit.text,
                "source": hit.source,
                "paragraph": hit.paragraph,
                "citation": hit.citation(rank),
                "score": round(hit.score, 4),
                "document": hit.document,
                "sentence": hit.sentence,
            }
            for rank, hit in enumerate(answer.hits, start=1)
        ],
    }
    if answer.notes:
        out["notes"] = list(answer.notes)
    return out


def quotes_json(found: QuoteAnswer) -> dict[str, Any]:
    """The contract's JSON object for one topic."""
    out: dict[str, Any] = {
        "topic": found.topic,
        "quotes": [
            {
                "text": q.text,
                "speaker": q.speaker,
                "source": q.source,
                "paragraph": q.paragraph,
                "citation": q.citation(rank),
                "score": round(q.score, 4),
                "document": q.document,
            }
            for rank, q in enumerate(found.quotes, start=1)
        ],
    }
    if found.notes:
        out["notes"] = list(found.notes)
    return out


def format_answer_text(answer: Answer) -> str:
    from bot.reply import format_reply_text, reply_for_answer

    return format_reply_text(reply_for_answer(answer))


def format_quotes_text(found: QuoteAnswer) -> str:
    from bot.reply import reply_for_quotes

    lead, lines = reply_for_quotes(found)
    body = [f"“{q.text}” — {q.speaker or 'unattributed'}\n    {q.citation}" for q in lines]
    return "\n\n".join([lead, *body] if lead else body)


def _inputs(arg: str) -> Iterable[str]:
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        yield line.rstrip("\n")


def _run_each(
    inputs: Iterable[str],
    work: Callable[[str], Any],
    to_json: Callable[[Any], dict[str, Any]],
    to_text: Callable[[Any], str],
    key: str,
    *,
    as_json: bool,
) -> int:
    """Answer every input in order, one result per input, errors in place of answers."""
    status = 0
    for text in inputs:
        try:
            result = work(text)
        except CitebotError as error:
            status = 1
            if as_json:
                print(json.dumps({key: text.strip(), "error": str(error)}, ensure_ascii=False), flush=True)
            else:
                print(f"{type(error).__name__}: {error}", flush=True)
            continue
        if as_json:
            print(json.dumps(to_json(result), ensure_ascii=False), flush=True)
        else:
            print(to_text(result), end="\n\n", flush=True)
    return status


def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    retriever = open_retriever(settings, progress=True, repair=True)
    info = retriever.info
    if not retriever.rebuilt:
        print(f"Nothing to do: the index in {settings.index_dir} is up to date with {settings.seeds_dir}.")
    print(
        f"Indexed {len(info.documents)} document(s), {info.paragraphs} paragraphs, {info.chunks} chunks, "
        f"{info.quotes} quotations with {info.model} ({info.dimension}-d) in {settings.index_dir}"
    )
    for doc, src in zip(info.documents, info.sources, strict=False):
        print(f"  {src}: {doc}")
    # hardening (issue 14): what was left out, and passages that repeat others word for word.
    for reason in info.skipped:
        print(f"  skipped {reason}")
    if info.duplicates:
        print(
            f"{info.duplicates} passage(s) repeat others word for word (duplicate documents?): answers show each once"
        )
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    retriever = open_retriever(settings)
    return _run_each(
        _inputs(args.question),
        lambda q: retriever.ask(q, args.k, max_chars=settings.max_question_chars),
        answer_json,
        format_answer_text,
        "question",
        as_json=args.json,
    )


def cmd_quote(settings: Settings, args: argparse.Namespace) -> int:
    retriever = open_retriever(settings)
    return _run_each(
        _inputs(args.topic),
        lambda t: retriever.quotes(t, args.k),
        quotes_json,
        format_quotes_text,
        "topic",
        as_json=args.json,
    )


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    return run_chat(settings, open_retriever(settings))


def cmd_discord(settings: Settings, args: argparse.Namespace) -> int:
    from bot.discord_bot import main as discord_main

    return discord_main(settings)


def cmd_slack(settings: Settings, args: argparse.Namespace) -> int:
    from bot.slack_app import main as slack_main

    return slack_main(settings)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """What `make run` starts: the bot whose token is configured, else the terminal chat."""
    if settings.discord_token is not None:
        return cmd_discord(settings, args)
    if settings.slack_bot_token is not None:
        return cmd_slack(settings, args)
    _say(
        "No chat token configured: starting the terminal chat. To run the Discord bot, put "
        "DISCORD_TOKEN=... in .env (see .env.example and docs/discord.md), then `make run` again."
    )
    return cmd_chat(settings, args)


def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    from bot.health import main as health_main

    return health_main(settings)


def _setup_logging(level: str) -> None:
    # Our own loggers and the chat clients' at LOG_LEVEL; the libraries' start-up chatter
    # (faiss loaders, model loading) only when something is wrong.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in ("bot", "index", "discord", "slack_bolt"):
        logging.getLogger(name).setLevel(level.upper())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Answers questions about the sources in seeds/, with citations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("index", help="build or refresh the index of seeds/").set_defaults(func=cmd_index)

    ask = sub.add_parser("ask", help="answer a question (or every line of stdin with -)")
    ask.add_argument("question", help="the question, or - to read one question a line from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer (docs/CONTRACT.md)")
    ask.add_argument("--k", type=int, default=None, help="passages per answer (default: TOP_K, 3)")
    ask.set_defaults(func=cmd_ask)

    quote = sub.add_parser("quote", help="verbatim quotations on a topic, with their speaker")
    quote.add_argument("topic", help="the topic, or - to read one topic a line from stdin")
    quote.add_argument("--json", action="store_true", help="one JSON object per topic (docs/CONTRACT.md)")
    quote.add_argument("--k", type=int, default=None, help="quotations per topic (default: TOP_K, 3)")
    quote.set_defaults(func=cmd_quote)

    sub.add_parser("chat", help="chat in the terminal").set_defaults(func=cmd_chat)
    sub.add_parser(
        "run", help="the Discord bot if DISCORD_TOKEN is set, else the Slack bot if SLACK_BOT_TOKEN is, else chat"
    ).set_defaults(func=cmd_run)
    sub.add_parser("discord", help="run the Discord bot (needs DISCORD_TOKEN)").set_defaults(func=cmd_discord)
    sub.add_parser("slack", help="run the Slack bot (needs SLACK_BOT_TOKEN)").set_defaults(func=cmd_slack)
    sub.add_parser("health", help="exit 0 when the index loads and the bot is connected").set_defaults(func=cmd_health)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from pydantic import ValidationError

        from bot.settings import Settings

        try:
            settings = Settings()
        except ValidationError as error:
            first = error.errors()[0]
            raise ConfigError(
                f"setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']} (see .env.example)"
            ) from None
        _setup_logging(settings.log_level)
        if getattr(args, "k", 0) is None:
            args.k = settings.top_k
        if getattr(args, "k", 1) < 1:
            raise ConfigError("--k must be at least 1")
        return args.func(settings, args)
    except ConfigError as error:
        _say(f"{type(error).__name__}: {error}")
        return error.exit_code
    except CitebotError as error:
        _say(f"{type(error).__name__}: {error}")
        return 1
    except KeyboardInterrupt:
        return 130

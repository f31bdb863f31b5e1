"""The Slack bot's listeners: mentions, channel messages, ``/ask`` and ``/quote``.

Answers ``app_mention`` events and messages in ``SLACK_CHANNELS`` in a thread, and
the ``/ask`` and ``/quote`` slash commands through their ``response_url``
(ephemeral unless ``SLACK_ASK_EPHEMERAL=false``). Every listener acks first, then
answers through the shared pipeline (:class:`bot.core.pipeline.Pipeline`);
:mod:`bot.slack.format` draws the Block Kit. Connecting and serving is
:mod:`bot.slack.serve`'s job.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.core import wording
from bot.core.pipeline import Asker
from bot.core.reply import Notice, NoticeKind, QuoteReply, Reply
from bot.slack.format import clean_slack_text, format_answer_slack, format_notice_slack, format_quotes_slack

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.pipeline import Pipeline
    from bot.core.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["SeenEvents", "build_app", "is_channel_question"]


class SeenEvents:
    """Remembers Events API ``event_id``s for a while, so a redelivered event is answered once.

    Args:
        ttl: Seconds an id is remembered. Slack retries within minutes; defaults to one hour.
        size: Most ids remembered. Defaults to 10,000.
        clock: Returns the time in seconds; defaults to ``time.monotonic``.
    """

    def __init__(self, ttl: float = 3600.0, size: int = 10_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """True the first time ``event_id`` is seen (and remembers it); False for a redelivery."""
        now = self._clock()
        while self._seen and (len(self._seen) >= self.size or next(iter(self._seen.values())) <= now - self.ttl):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True


def is_channel_question(event: dict[str, Any], channels: frozenset[str], bot_user_id: str | None) -> bool:
    """True for a person's new top-level message in one of ``channels`` that does not mention the bot.

    Mentions are answered by the ``app_mention`` listener; edits, joins, bot posts and thread
    replies are not questions.
    """
    return (
        event.get("channel") in channels
        and event.get("subtype") is None
        and not event.get("bot_id")
        and event.get("thread_ts") in (None, event.get("ts"))
        and bool(event.get("user"))
        and not (bot_user_id and f"<@{bot_user_id}" in (event.get("text") or ""))
    )


def _asker(team: str | None, user: str | None, channel: str | None) -> Asker:
    # Slack user ids are unique within a workspace only: the team is part of who asks.
    return Asker("slack", f"{team}:{user}", team, channel)


class _Answers:
    """Adapts Slack's transport to the pipeline: a thread for events, ``respond`` for commands."""

    def __init__(self, pipeline: Pipeline, *, ephemeral: bool = True) -> None:
        self.pipeline = pipeline
        self.response_type = "ephemeral" if ephemeral else "in_channel"

    async def in_thread(self, event: dict[str, Any], team: str | None, client: AsyncWebClient, question: str) -> None:
        """Answer ``question`` in the thread of ``event``; a notice goes to the asker only."""
        channel, ts, user = event["channel"], event.get("thread_ts") or event["ts"], event.get("user")

        async def deliver(result: Reply | Notice) -> None:
            if isinstance(result, Notice):
                if result.kind is NoticeKind.RATE_LIMITED and result.repeated:
                    return  # told once this window, privately: no more
                text, blocks = format_notice_slack(result.text)
                await client.chat_postEphemeral(channel=channel, user=user, thread_ts=ts, text=text, blocks=blocks)
                return
            text, blocks = format_answer_slack(result)
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )

        await self.pipeline.handle(_asker(team, user, channel), question, via="event", deliver=deliver)

    async def by_command(self, kind: str, command: dict[str, Any], respond: Any) -> None:
        """Answer a slash command at its ``response_url``; a notice is always ephemeral."""
        text = clean_slack_text(command.get("text") or "")
        asker = _asker(command.get("team_id"), command.get("user_id"), command.get("channel_id"))

        async def deliver(result: Reply | QuoteReply | Notice) -> None:
            if isinstance(result, Notice):
                shown, blocks = format_notice_slack(result.text)
                await respond(text=shown, blocks=blocks, response_type="ephemeral")
                return
            if isinstance(result, QuoteReply):
                shown, blocks = format_quotes_slack(result, topic=text)
            else:
                shown, blocks = format_answer_slack(result, question=text)
            await respond(text=shown, blocks=blocks, response_type=self.response_type)

        if kind == "quote":
            await self.pipeline.quote(asker, text, via="/quote", deliver=deliver)
        else:
            await self.pipeline.handle(asker, text, via="/ask", deliver=deliver)


class _TokenFromClient(logging.Filter):
    """Drops bolt's warning that SLACK_BOT_TOKEN in the environment is unused: the client carries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt.citebot")
    if not any(isinstance(f, _TokenFromClient) for f in logger.filters):
        logger.addFilter(_TokenFromClient())
    return logger


def build_app(
    settings: Settings, pipeline: Pipeline, *, client: AsyncWebClient, signing_secret: str | None = None
) -> AsyncApp:
    """The bolt app with every listener registered; serving it is :mod:`bot.slack.serve`'s job.

    Args:
        settings: Uses ``SLACK_CHANNELS`` and ``SLACK_ASK_EPHEMERAL``.
        pipeline: Answers the questions (rate limit, service, log line).
        client: The Web API client, with the bot token (and ``base_url`` in tests).
        signing_secret: Checks HTTP requests; None in Socket Mode, where there is no signature.
    """
    from slack_bolt.async_app import AsyncApp

    app = AsyncApp(
        name="citebot",
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        logger=_bolt_logger(),
    )
    answers = _Answers(pipeline, ephemeral=settings.slack_ask_ephemeral)
    _answer_each_event_once(app, SeenEvents())
    _listen_to_events(app, answers, settings.slack_channels)
    _listen_to_commands(app, answers)
    app.error(_apologise)
    return app


def _answer_each_event_once(app: AsyncApp, seen: SeenEvents) -> None:
    from slack_bolt.response import BoltResponse

    @app.middleware
    async def answer_each_event_once(body: dict[str, Any], request: Any, next: Callable[[], Awaitable[None]]) -> Any:
        event_id = body.get("event_id")
        if event_id and not seen.first_time(event_id):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("slack skipped a redelivered event (retry %s)", retry)
            return BoltResponse(status=200, body="")
        return await next()


def _listen_to_events(app: AsyncApp, answers: _Answers, channels: frozenset[str]) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """A mention of the bot: the answer in a thread under the question."""
        question = clean_slack_text(event.get("text") or "", drop_user=context.bot_user_id)
        await answers.in_thread(event, context.team_id, client, question)

    @app.event("message")
    async def on_message(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """A message in one of SLACK_CHANNELS: the answer in a thread; other messages are ignored."""
        if is_channel_question(event, channels, context.bot_user_id):
            await answers.in_thread(event, context.team_id, client, clean_slack_text(event.get("text") or ""))


def _listen_to_commands(app: AsyncApp, answers: _Answers) -> None:
    @app.command("/ask")
    async def on_ask(ack: Any, command: dict[str, Any], respond: Any) -> None:
        """/ask QUESTION: the answer with its citations."""
        await ack()
        await answers.by_command("ask", command, respond)

    @app.command("/quote")
    async def on_quote(ack: Any, command: dict[str, Any], respond: Any) -> None:
        """/quote TOPIC: verbatim quotations on the topic, with their speakers."""
        await ack()
        await answers.by_command("quote", command, respond)


async def _apologise(error: Exception, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
    """The one error handler: the traceback in the log, a short apology to the asker only."""
    log.error("slack listener failed: %s", type(error).__name__, exc_info=error)
    text, blocks = format_notice_slack(wording.APOLOGY)
    with contextlib.suppress(Exception):  # telling the asker is best effort
        event = body.get("event") or {}
        if body.get("response_url") and respond is not None:
            await respond(text=text, blocks=blocks, response_type="ephemeral")
        elif event.get("channel") and event.get("user"):
            ts = event.get("thread_ts") or event.get("ts")
            await client.chat_postEphemeral(channel=event["channel"], user=event["user"], thread_ts=ts, text=text)

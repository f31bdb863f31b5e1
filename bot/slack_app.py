"""The Slack bot: ``python -m bot slack``.

Answers ``app_mention`` events and messages in ``SLACK_CHANNELS`` in a thread, and
the ``/ask`` and ``/quote`` slash commands through their ``response_url``
(ephemeral unless ``SLACK_ASK_EPHEMERAL=false``). It runs on slack-bolt's
``AsyncApp`` over Socket Mode when ``SLACK_APP_TOKEN`` is set, otherwise over
HTTP on ``SLACK_PORT`` (path ``/slack/events``) with every request's signature
checked against ``SLACK_SIGNING_SECRET``.

What an answer says comes from :mod:`bot.reply`, the answers from
:class:`bot.service.AnswerService` (off the event loop), the per-user limit from
:class:`bot.ratelimit.RateLimiter`; :mod:`bot.slack_format` draws the Block Kit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError
from bot.reply import reply_for_answer, reply_for_quotes
from bot.slack_format import clean_slack_text, format_answer_slack, format_notice_slack, format_quotes_slack
from index.errors import CitebotError

if TYPE_CHECKING:
    from pathlib import Path

    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.ratelimit import RateLimiter
    from bot.service import AnswerService
    from bot.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["EVENTS_PATH", "SlackTokens", "build_app", "check_settings", "main"]

EVENTS_PATH = "/slack/events"
HEALTH_EVERY = 30.0  # seconds between touches of HEALTH_FILE
DRAIN_SECONDS = 10.0  # on shutdown, how long answers already started may take to finish
SORRY = "Sorry, something went wrong while answering that. It has been logged; please try again later."


# --- settings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlackTokens:
    """The secrets the Slack bot runs with; ``app_token`` set means Socket Mode."""

    bot_token: str
    app_token: str | None
    signing_secret: str | None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def check_settings(settings: Settings) -> SlackTokens:
    """The tokens to run with, or a :class:`ConfigError` naming the missing one.

    Raises:
        ConfigError: ``SLACK_BOT_TOKEN`` is missing or not a bot token, or neither
            ``SLACK_APP_TOKEN`` (Socket Mode) nor ``SLACK_SIGNING_SECRET`` (HTTP) is set.
    """

    def secret(value: Any) -> str | None:
        return value.get_secret_value().strip() if value is not None else None

    bot_token = secret(settings.slack_bot_token)
    app_token = secret(settings.slack_app_token)
    signing_secret = secret(settings.slack_signing_secret)
    if not bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
            "OAuth & Permissions page into .env (see docs/slack.md)"
        )
    if not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (see docs/slack.md)")
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp- (see docs/slack.md)")
    if not app_token and not signing_secret:
        raise ConfigError(
            "set SLACK_APP_TOKEN (xapp-..., Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) "
            "from your Slack app's Basic Information page (see docs/slack.md)"
        )
    return SlackTokens(bot_token, app_token or None, signing_secret or None)


# --- pure helpers ------------------------------------------------------------------------------------


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


# --- the app -----------------------------------------------------------------------------------------


class _Answers:
    """The work behind every listener: limit, answer, render, log. One instance per app."""

    def __init__(self, service: AnswerService, limiter: RateLimiter, *, ephemeral: bool = True) -> None:
        self.service = service
        self.limiter = limiter
        self.response_type = "ephemeral" if ephemeral else "in_channel"
        self.running = 0  # answers being worked on, waited for at shutdown

    def over_limit(self, team: str | None, user: str | None) -> str | None:
        """A notice for a user over the rate limit, else None (and the question is counted)."""
        wait = self.limiter.hit(f"{team}:{user}")
        if wait:
            return f"You're asking quickly: please wait {max(1, round(wait))} s before the next question."
        return None

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """Counts the listener as running until its reply is sent (shutdown waits for it)."""
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1

    async def render(
        self, kind: str, text: str, channel: str | None, *, echo: bool
    ) -> tuple[str, list[dict[str, Any]]]:
        """``(text, blocks)`` answering ``text``: an ``ask`` question or a ``quote`` topic."""
        started = time.perf_counter()
        if kind == "quote":
            found = await self.service.quotes(text)
            lead, lines = reply_for_quotes(found)
            abstained = not lines
            rendered = format_quotes_slack(lead, lines, topic=text if echo else None)
        else:
            answer = await self.service.ask(text)
            reply = reply_for_answer(answer)
            abstained = reply.abstained
            rendered = format_answer_slack(reply, question=text if echo else None)
        latency = 1000 * (time.perf_counter() - started)
        log.info("slack %s channel=%s latency=%.0fms abstained=%s", kind, channel, latency, abstained)
        return rendered

    async def in_thread(self, event: dict[str, Any], team: str | None, client: AsyncWebClient, question: str) -> None:
        """Answer ``question`` in the thread of ``event``; a notice (limit, empty question) goes to the asker only."""
        channel, ts = event["channel"], event.get("thread_ts") or event["ts"]
        with self.working():
            notice = self.over_limit(team, event.get("user"))
            if notice is None:
                try:
                    text, blocks = await self.render("ask", question, channel, echo=False)
                except CitebotError as error:  # an expected miss, e.g. an empty question
                    notice = str(error)
                else:
                    await client.chat_postMessage(
                        channel=channel, thread_ts=ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
                    )
                    return
            text, blocks = format_notice_slack(notice)
            await client.chat_postEphemeral(channel=channel, user=event["user"], thread_ts=ts, text=text, blocks=blocks)

    async def by_command(self, kind: str, command: dict[str, Any], respond: Any) -> None:
        """Answer a slash command at its ``response_url``; a notice is always ephemeral."""
        text = clean_slack_text(command.get("text") or "")
        with self.working():
            notice = self.over_limit(command.get("team_id"), command.get("user_id"))
            if notice is None:
                try:
                    shown, blocks = await self.render(kind, text, command.get("channel_id"), echo=True)
                except CitebotError as error:
                    notice = str(error)
                else:
                    await respond(text=shown, blocks=blocks, response_type=self.response_type)
                    return
            shown, blocks = format_notice_slack(notice)
            await respond(text=shown, blocks=blocks, response_type="ephemeral")


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
    settings: Settings,
    service: AnswerService,
    limiter: RateLimiter,
    *,
    client: AsyncWebClient,
    signing_secret: str | None = None,
) -> AsyncApp:
    """The bolt app with every listener registered; serving it is :func:`main`'s job.

    Args:
        settings: Uses ``SLACK_CHANNELS`` and ``SLACK_ASK_EPHEMERAL``.
        service: Answers questions off the event loop.
        limiter: The per-user rate limit.
        client: The Web API client, with the bot token (and ``base_url`` in tests).
        signing_secret: Checks HTTP requests; None in Socket Mode, where there is no signature.
    """
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.response import BoltResponse

    app = AsyncApp(
        name="citebot",
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        logger=_bolt_logger(),
    )
    app.answers = answers = _Answers(service, limiter, ephemeral=settings.slack_ask_ephemeral)  # type: ignore[attr-defined]
    seen = SeenEvents()

    @app.middleware
    async def answer_each_event_once(body: dict[str, Any], request: Any, next: Callable[[], Awaitable[None]]) -> Any:
        event_id = body.get("event_id")
        if event_id and not seen.first_time(event_id):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("slack skipped a redelivered event (retry %s)", retry)
            return BoltResponse(status=200, body="")
        return await next()

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """A mention of the bot: the answer in a thread under the question."""
        question = clean_slack_text(event.get("text") or "", drop_user=context.bot_user_id)
        await answers.in_thread(event, context.team_id, client, question)

    @app.event("message")
    async def on_message(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """A message in one of SLACK_CHANNELS: the answer in a thread; other messages are ignored."""
        if is_channel_question(event, settings.slack_channels, context.bot_user_id):
            await answers.in_thread(event, context.team_id, client, clean_slack_text(event.get("text") or ""))

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

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        log.error("slack listener failed: %s", type(error).__name__, exc_info=error)
        text, blocks = format_notice_slack(SORRY)
        with contextlib.suppress(Exception):  # telling the asker is best effort
            event = body.get("event") or {}
            if body.get("response_url") and respond is not None:
                await respond(text=text, blocks=blocks, response_type="ephemeral")
            elif event.get("channel") and event.get("user"):
                ts = event.get("thread_ts") or event.get("ts")
                await client.chat_postEphemeral(channel=event["channel"], user=event["user"], thread_ts=ts, text=text)

    return app


# --- serving -----------------------------------------------------------------------------------------


class SlackStartError(CitebotError):
    """Slack could not be reached or refused the bot at start-up."""


async def _who_am_i(client: AsyncWebClient) -> dict[str, Any]:
    """``auth.test``: checks the bot token before anything is served."""
    import aiohttp
    from slack_sdk.errors import SlackApiError

    try:
        response = await client.auth_test()
    except SlackApiError as error:
        reason = error.response.get("error", "unknown error")
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({reason}): copy it again from OAuth & Permissions") from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise SlackStartError(
            f"cannot reach Slack at {client.base_url} ({type(error).__name__}): check the network"
        ) from None
    return dict(response.data)  # type: ignore[arg-type]


def _touch(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as error:
        log.warning("cannot touch the health file %s: %s", path, error)


async def _keep_healthy(path: Path, connected: Callable[[], Awaitable[bool]]) -> None:
    """Touch ``path`` every HEALTH_EVERY seconds while ``connected()``."""
    while True:
        if await connected():
            _touch(path)
        await asyncio.sleep(HEALTH_EVERY)


async def _serve_http(app: AsyncApp, port: int) -> Callable[[], Awaitable[None]]:
    """Serve the app on ``port`` (all interfaces, path ``/slack/events``); returns the stopper."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post(EVENTS_PATH, events)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, "0.0.0.0", port).start()
    except OSError as error:
        await runner.cleanup()
        raise ConfigError(f"cannot listen on SLACK_PORT={port} ({error.strerror}): choose another port") from None
    log.info("Slack bot listening on port %d, path %s (HTTP mode)", port, EVENTS_PATH)
    return runner.cleanup


async def _socket_url(client: AsyncWebClient, app_token: str) -> str:
    """``apps.connections.open``: checks the app-level token and returns the WebSocket URL to use."""
    from slack_sdk.errors import SlackApiError

    try:
        response = await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        reason = error.response.get("error", "unknown error")
        raise ConfigError(
            f"Slack refused SLACK_APP_TOKEN ({reason}): generate an app-level token with connections:write "
            "on Basic Information, and enable Socket Mode"
        ) from None
    return str(response["url"])


async def _serve(
    settings: Settings, tokens: SlackTokens, service: AnswerService, stop: asyncio.Event | None = None
) -> int:
    """Connect to Slack and answer until ``stop`` is set (None: until SIGINT or SIGTERM); returns 0.

    Args:
        settings: Every Slack setting, ``SLACK_API_BASE`` and ``HEALTH_FILE`` among them.
        tokens: From :func:`check_settings`; ``app_token`` selects Socket Mode.
        service: Answers the questions; closed before returning.
        stop: Set to shut down; None installs SIGINT and SIGTERM handlers that set it.
    """
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.ratelimit import RateLimiter

    client = AsyncWebClient(
        token=tokens.bot_token, **({"base_url": settings.slack_api_base} if settings.slack_api_base else {})
    )
    me = await _who_am_i(client)
    limiter = RateLimiter(settings.rate_limit_count, settings.rate_limit_seconds)
    app = build_app(settings, service, limiter, client=client, signing_secret=tokens.signing_secret)

    loop = asyncio.get_running_loop()
    signals: tuple[signal.Signals, ...] = ()
    if stop is None:
        stop = asyncio.Event()
        signals = (signal.SIGINT, signal.SIGTERM)
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)

    connected: Callable[[], Awaitable[bool]]
    if tokens.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        wss_uri = await _socket_url(client, tokens.app_token)  # before the handler opens its session
        handler = AsyncSocketModeHandler(app, tokens.app_token, web_client=client)
        handler.client.wss_uri = wss_uri
        connecting = asyncio.create_task(handler.connect_async(), name="slack-socket-connect")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not connecting.done():  # asked to stop while Slack was unreachable (the client keeps retrying)
            await handler.close_async()
            await asyncio.gather(connecting, return_exceptions=True)
        await connecting  # raises what connecting raised
        connected = handler.client.is_connected
        stop_serving = handler.close_async
        if await connected():
            log.info("Slack bot connected as %s (Socket Mode)", me.get("user"))
    else:
        stop_serving = await _serve_http(app, settings.slack_port)

        async def connected() -> bool:
            return True

    health = asyncio.create_task(_keep_healthy(settings.health_file, connected), name="slack-health")
    try:
        await stop.wait()
        log.info("Slack bot stopping")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        health.cancel()
        await asyncio.gather(health, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            settings.health_file.unlink()
        await stop_serving()
        answers = app.answers  # type: ignore[attr-defined]
        deadline = loop.time() + DRAIN_SECONDS
        # Polls a counter under a deadline: an Event would need every answer path to signal it.
        while answers.running and loop.time() < deadline:  # noqa: ASYNC110 - let answers already started be sent
            await asyncio.sleep(0.05)
        await service.aclose()
    return 0


def main(settings: Settings) -> int:
    """Run the Slack bot until SIGINT or SIGTERM; returns the exit status.

    The tokens are checked first and the index is loaded before connecting to Slack.

    Raises:
        ConfigError: a token is missing or refused (exit status 2).
    """
    tokens = check_settings(settings)
    from bot.cli import open_retriever
    from bot.service import AnswerService

    retriever = open_retriever(settings)

    async def run() -> int:
        service = AnswerService.from_settings(retriever, settings)
        try:
            return await _serve(settings, tokens, service)
        finally:
            await service.aclose()

    return asyncio.run(run())

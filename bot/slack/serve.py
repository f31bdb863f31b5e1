"""Running the Slack bot: ``python -m bot slack``.

The tokens are checked first, the index is loaded, then the bolt app
(:func:`bot.slack.app.build_app`) is served over Socket Mode when ``SLACK_APP_TOKEN``
is set, otherwise over HTTP on ``SLACK_PORT`` (path ``/slack/events``) with every
request's signature checked against ``SLACK_SIGNING_SECRET``. It runs in the shared
shell (:mod:`bot.core.runtime`): health beacon, and on SIGTERM the answers already
started are delivered before the connection closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.errors import ConfigError
from bot.core.loop import run_on
from bot.core.pipeline import Pipeline
from bot.core.record import Recorder
from bot.core.reload import IndexReloader
from bot.core.runtime import (
    HealthBeacon,
    check_database,
    open_database,
    open_retriever,
    rate_limiter,
    serve_until_signal,
)
from bot.core.service import AnswerService
from bot.slack.app import build_app
from bot.slack.once import OnceOnly
from bot.slack.verify import RefusalLog, SignatureCheck
from index.errors import CitebotError

if TYPE_CHECKING:
    import argparse

    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.settings import Settings
    from bot.db import Database

log = logging.getLogger(__name__)

__all__ = ["EVENTS_PATH", "SlackTokens", "check_settings", "main", "serve", "serve_http", "web_client"]

EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class SlackTokens:
    """The secrets the Slack bot runs with; ``app_token`` set means Socket Mode."""

    bot_token: str
    app_token: str | None
    signing_secret: str | None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def web_client(token: str, base_url: str | None = None) -> AsyncWebClient:
    """The Web API client: a call Slack rate-limits (HTTP 429, ``Retry-After``; a busy channel's
    ``chat.postMessage``) is made again once the wait is over, instead of losing the answer."""
    from slack_sdk.http_retry.builtin_async_handlers import (
        AsyncConnectionErrorRetryHandler,
        AsyncRateLimitErrorRetryHandler,
    )
    from slack_sdk.web.async_client import AsyncWebClient

    retry = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
    return AsyncWebClient(token=token, retry_handlers=retry, **({"base_url": base_url} if base_url else {}))


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


async def serve_http(app: AsyncApp, port: int, *, signing_secret: str) -> Callable[[], Awaitable[None]]:
    """Serve the app on ``port`` (all interfaces, path ``/slack/events``); returns the stopper.

    Each request's signature is checked first (:mod:`bot.slack.verify`): a refused one gets
    ``401`` and one quiet log line, and never reaches bolt.
    """
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response
    from slack_bolt.request.async_request import AsyncBoltRequest

    check, refusals = SignatureCheck(signing_secret), RefusalLog()

    async def events(request: web.Request) -> web.Response:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        size = request.content_length or 0
        # Refuse on the headers alone when they say enough: an unsigned body is never read.
        reason = check.headers_fault(timestamp, signature)
        body = b""
        if reason is None:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                refusals.refused(request.method, request.path, size, "too large")
                raise
            size, reason = len(body), check.fault(timestamp, signature, body)
        if reason is not None:
            refusals.refused(request.method, request.path, size, reason)
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_request = AsyncBoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

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


@dataclass(frozen=True)
class _Connection:
    """How the app is being served: whether it is connected now, and how to stop serving."""

    connected: Callable[[], Awaitable[bool]]
    close: Callable[[], Awaitable[Any]]


async def _connect_socket(app: AsyncApp, client: AsyncWebClient, app_token: str, stop: asyncio.Event) -> _Connection:
    """Open the Socket Mode connection, unless asked to stop first (Slack unreachable, say)."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    wss_uri = await _socket_url(client, app_token)  # before the handler opens its session
    handler = AsyncSocketModeHandler(app, app_token, web_client=client)
    handler.client.wss_uri = wss_uri
    connecting = asyncio.create_task(handler.connect_async(), name="slack-socket-connect")
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not connecting.done():  # asked to stop while Slack was unreachable (the client keeps retrying)
        await handler.close_async()
        await asyncio.gather(connecting, return_exceptions=True)
    await connecting  # raises what connecting raised
    return _Connection(handler.client.is_connected, handler.close_async)


async def _always() -> bool:
    return True


async def serve(
    settings: Settings,
    tokens: SlackTokens,
    pipeline: Pipeline,
    stop: asyncio.Event | None = None,
    *,
    db: Database | None = None,
    reload: Callable[[], Awaitable[object]] | None = None,
) -> int:
    """Connect to Slack and answer until ``stop`` is set (None: until SIGINT or SIGTERM); returns 0.

    Args:
        settings: Every Slack setting, ``SLACK_API_BASE`` and ``HEALTH_FILE`` among them.
        tokens: From :func:`check_settings`; ``app_token`` selects Socket Mode.
        pipeline: Answers the questions; its service is closed before returning.
        stop: Set to shut down; None installs SIGINT and SIGTERM handlers that set it.
        db: The project's database: the buttons under answers, and each request acted on once
            across replicas. None has no buttons and remembers requests in memory.
        reload: Swaps a new index in (the reloader's ``check``): ``/citebot sources add`` awaits it.
    """
    from bot.core.runtime import stop_event_on_signals

    client = web_client(tokens.bot_token, settings.slack_api_base)
    me = await _who_am_i(client)
    once = OnceOnly(db.events if db is not None else None)
    app = build_app(settings, pipeline, client=client, db=db, once=once, reload=reload)
    stop = stop or stop_event_on_signals()
    try:
        if tokens.app_token:
            connection = await _connect_socket(app, client, tokens.app_token, stop)
            if await connection.connected():
                log.info("Slack bot connected as %s (Socket Mode)", me.get("user"))
        else:
            stopper = await serve_http(app, settings.slack_port, signing_secret=tokens.signing_secret or "")
            connection = _Connection(_always, stopper)
        database = db.reachable if db is not None else None  # the health file says when it stops answering
        async with HealthBeacon(settings.health_file, connection.connected, database=database):
            await serve_until_signal(None, connection.close, pipeline, stop=stop)
            log.info("Slack bot stopped")
    finally:
        await once.settled()  # the last claims marked done before the caller closes the database
        await pipeline.service.aclose()
    return 0


def main(settings: Settings, args: argparse.Namespace | None = None) -> int:
    """Run the Slack bot until SIGINT or SIGTERM; returns the exit status.

    The tokens are checked first and the index is loaded before connecting to Slack.

    Raises:
        ConfigError: a token is missing or refused (exit status 2).
    """
    tokens = check_settings(settings)
    check_database(settings)  # a bad DATABASE_URL is said before the index is opened (or rebuilt)
    retriever = open_retriever(settings)

    async def run() -> int:
        async with open_database(settings) as db:
            pipeline = Pipeline(
                AnswerService.from_settings(retriever, settings),
                rate_limiter(settings, db),
                recorder=Recorder(db.questions, settings.top_k),
                shown=settings.top_k,
            )
            # A new index (`python -m bot add`, `index`) is swapped in while serving (bot/core/reload.py);
            # one changed from chat (/citebot sources add, remove) at once, before the admin is told.
            async with IndexReloader(pipeline.service, settings.index_dir) as reloader:
                return await serve(settings, tokens, pipeline, db=db, reload=reloader.check)

    return run_on(run(), settings.event_loop)

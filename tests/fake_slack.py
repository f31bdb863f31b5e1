"""A local fake of Slack for the Slack tests: its Web API, its ``response_url``s, and its signed requests.

:class:`FakeSlack` serves ``/api/<method>`` (``auth.test``, ``chat.postMessage``; any other
method answers ``{"ok": true}``) and ``/respond/<key>`` on 127.0.0.1 from a thread of its
own, and records every call. Point ``AsyncWebClient(base_url=fake.api_base)`` or
``SLACK_API_BASE`` at it. :func:`signed_post` sends a request to the app the way Slack
does, with ``X-Slack-Signature`` and ``X-Slack-Request-Timestamp``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
BOT_USER = "UBOT"
TEAM = "T0001"


@dataclass
class Call:
    """One request the fake received: the API method (or ``respond``), its payload, its token."""

    method: str
    payload: dict[str, Any]
    token: str | None = None
    key: str | None = None  # the response_url key, for `respond`
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    """Slack's Web API and response URLs on 127.0.0.1, recording every call.

    Use as a context manager (or ``start()`` / ``stop()``)::

        with FakeSlack() as slack:
            client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
            ...
            [post] = slack.wait_for("chat.postMessage")
    """

    def __init__(self, token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        self.token = token
        self.app_token = app_token
        self._sockets: list[web.WebSocketResponse] = []
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-slack", daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        for ws in list(self._sockets):
            asyncio.run_coroutine_threadsafe(ws.close(), self._loop).result(10)
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    # --- addresses -------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """The Web API's base URL, for ``AsyncWebClient(base_url=...)`` and ``SLACK_API_BASE``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        """A ``response_url`` for a slash command; what is posted there is recorded as ``respond``."""
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    # --- recording -------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def of(self, method: str, **match: Any) -> list[Call]:
        """The calls of ``method`` whose payload (or ``key``) has the given values."""
        return [
            c
            for c in list(self.calls)
            if c.method == method and all((c.key if k == "key" else c.payload.get(k)) == v for k, v in match.items())
        ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 20.0, **match: Any) -> list[Call]:
        """Block until ``count`` matching calls arrived; returns them (raises AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.of(method, **match)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} {method} call(s) matching {match}, got {len(found)}")
                self._changed.wait(left)
        return found

    # --- handlers --------------------------------------------------------------------------------

    async def _payload(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json()) if request.can_read_body else {}
        form = await request.post()
        payload: dict[str, Any] = {}
        for name, value in form.items():
            text = str(value)
            if name in {"blocks", "attachments"}:
                text = json.loads(text)
            payload[name] = text
        return payload

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await self._payload(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or payload.get("token")
        self._record(Call(method, payload, token))
        if method == "apps.connections.open":
            if token != self.app_token:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return web.json_response(
                {
                    "ok": True,
                    "url": "https://citebot-test.slack.com/",
                    "team": "citebot test",
                    "user": "citebot",
                    "team_id": TEAM,
                    "user_id": BOT_USER,
                    "bot_id": "BBOT",
                    "is_enterprise_install": False,
                }
            )
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return web.json_response({"ok": True, "channel": payload.get("channel"), "ts": ts, "message": payload})
        return web.json_response({"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every acknowledgement the app sends back as ``socket_ack``."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._record(Call("socket_connect", {}))
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}})
        try:
            async for message in ws:
                if message.type == web.WSMsgType.TEXT:
                    self._record(Call("socket_ack", json.loads(message.data)))
        finally:
            self._sockets.remove(ws)
        return ws

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to every connected app."""
        self.wait_for("socket_connect")
        for ws in list(self._sockets):
            asyncio.run_coroutine_threadsafe(ws.send_json(envelope), self._loop).result(10)

    async def _respond(self, request: web.Request) -> web.Response:
        payload = await self._payload(request)
        self._record(Call("respond", payload, key=request.match_info["key"]))
        return web.Response(text="ok")


# --- requests from Slack to the app --------------------------------------------------------------


def signature(secret: str, timestamp: str, body: str) -> str:
    """``X-Slack-Signature`` for a body: ``v0=`` + HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_post(
    url: str,
    body: str,
    secret: str,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    timestamp: int | None = None,
    timeout: float = 10.0,
) -> tuple[int, str, float]:
    """POST ``body`` to the app as Slack would, signed with ``secret``.

    Returns:
        ``(status, body, seconds)``: the app's HTTP status, its response body, and how long it took.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret, ts, body),
            **(headers or {}),
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(), time.monotonic() - started


def event_body(event: dict[str, Any], *, event_id: str = "Ev0001", team: str = TEAM) -> str:
    """The JSON body of an Events API ``event_callback`` wrapping ``event``."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def mention_event(
    text: str, *, channel: str = "C0001", user: str = "U0001", ts: str = "1700000000.000100"
) -> dict[str, Any]:
    """An ``app_mention`` event: ``text`` addressed to the bot in ``channel``."""
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def message_event(
    text: str, *, channel: str = "C0001", user: str = "U0001", ts: str = "1700000000.000200"
) -> dict[str, Any]:
    """A plain channel ``message`` event."""
    return {
        "type": "message",
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def envelope(kind: str, payload: dict[str, Any], envelope_id: str, *, retry_attempt: int = 0) -> dict[str, Any]:
    """A Socket Mode envelope: ``events_api`` (payload: an event_callback) or ``slash_commands``."""
    return {
        "envelope_id": envelope_id,
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind != "events_api",
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
    }


def command_body(command: str, text: str, response_url: str, *, user: str = "U0001", channel: str = "C0001") -> str:
    """The form-encoded body of a slash command."""
    return urllib.parse.urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "citebot-test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "ann",
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


FORM = "application/x-www-form-urlencoded"

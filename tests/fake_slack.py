"""A local fake of Slack for the Slack tests: its Web API, its ``response_url``s, and its signed requests.

:class:`FakeSlack` serves ``/api/<method>`` and ``/respond/<key>`` on 127.0.0.1 from a
thread of its own, and records every call. Point ``AsyncWebClient(base_url=fake.api_base)``
or ``SLACK_API_BASE`` at it. It knows:

* ``auth.test``, ``apps.connections.open`` (Socket Mode), ``chat.postMessage`` (kept as
  a message of its conversation, by the bot), ``chat.postEphemeral``, ``views.open``,
  ``conversations.open`` (a direct message with one user: ``D`` + the user's id);
* ``users.info`` (``is_admin`` / ``is_owner`` for the users in :attr:`FakeSlack.admins` /
  :attr:`FakeSlack.owners`) and ``usergroups.users.list`` (the members in :attr:`FakeSlack.groups`);
* ``conversations.replies`` over the messages it keeps (the bot's, and the people's a
  test adds with :meth:`FakeSlack.said`): oldest first, ``latest``/``oldest``/``inclusive``,
  paged by ``limit`` and an opaque ``cursor``, the thread's first message again on top of
  every page, whatever the time range (a reader must not count it twice, nor take it for a
  message of the range), carrying the thread's ``reply_count``, ``reply_users_count``,
  ``latest_reply`` and ``reply_users`` (unless :attr:`FakeSlack.lists_repliers` is off);
  :meth:`FakeSlack.pass_time` spreads a thread's messages in time, as Slack's ``ts`` are;
* any other method answers ``{"ok": true}``; a method put in :attr:`FakeSlack.refuse` answers
  ``{"ok": false, "error": ...}`` instead (an expired trigger, a missing scope).
* a method given a count in :attr:`FakeSlack.throttle` answers that many calls with Slack's rate limit
  (HTTP 429, ``Retry-After: 0``, ``{"ok": false, "error": "ratelimited"}``) before answering again.
* a message or modal over Block Kit's limits (:func:`block_kit_faults`) is refused as Slack refuses it:
  ``{"ok": false, "error": "invalid_blocks"}`` from the Web API, HTTP 400 ``invalid_blocks`` at a
  ``response_url``. A ``response_url`` lives :attr:`FakeSlack.response_url_lifetime` seconds from when
  :meth:`FakeSlack.response_url` made it (Slack's 30 minutes; a test sets 0 to end every one's life now),
  then answers HTTP 404 ``expired_url``, as one whose key is in :attr:`FakeSlack.expired` does. One whose key
  is in :attr:`FakeSlack.failing` answers HTTP 500 (Slack's trouble: whether the message was shown, the bot
  cannot know). Each is recorded all the same.

Requests from Slack to the app: :func:`signed_post` sends one the way Slack does (with
``X-Slack-Signature`` and ``X-Slack-Request-Timestamp``); :func:`event_body`,
:func:`command_body`, :func:`click_body` (a ``block_actions`` payload, built from the
buttons the app really posted) and :func:`submit_body` (a ``view_submission`` of a modal
the app really opened) build the bodies.
"""

from __future__ import annotations

import asyncio
import base64
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
from decimal import Decimal
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"
ACK_DEADLINE = 3.0  # seconds Slack waits for a request to be acknowledged
RESPONSE_URL_LIFETIME = 30 * 60.0  # seconds a command's response_url takes answers


@dataclass
class Call:
    """One request the fake received: the API method (or ``respond``), its payload, its token."""

    method: str
    payload: dict[str, Any]
    token: str | None = None
    key: str | None = None  # the response_url key, for `respond`
    at: float = field(default_factory=time.monotonic)
    reply: dict[str, Any] = field(default_factory=dict)  # what the fake answered (a posted message's ts)


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
        self._started = int(time.time())
        self._passed = 0  # seconds pass_time moved the clock on
        self.lists_repliers = True  # a thread's first message lists who replied (reply_users), as Slack's does
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> its messages, as Slack keeps them
        self.refuse: dict[str, str] = {}  # method -> the error Slack answers it with (``{"ok": false}``)
        self.throttle: dict[str, int] = {}  # method -> how many more calls get 429 ratelimited
        self.admins: set[str] = set()  # users.info says is_admin for these users
        self.owners: set[str] = set()  # ... and is_owner for these
        self.groups: dict[str, list[str]] = {}  # user group id -> its members (usergroups.users.list)
        self.expired: set[str] = set()  # response_url keys Slack no longer takes (404 expired_url)
        self.failing: set[str] = set()  # response_url keys answering 500: what is posted may or may not be shown
        self.response_url_lifetime = RESPONSE_URL_LIFETIME  # seconds a response_url takes answers after it is made
        self._made: dict[str, float] = {}  # response_url key -> when it was made (time.monotonic)
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
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods with GET
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
        """A ``response_url`` for a slash command; what is posted there is recorded as ``respond``. It takes
        answers for :attr:`response_url_lifetime` seconds from now (from its first use, if made elsewhere)."""
        with self._changed:
            self._made.setdefault(key, time.monotonic())
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    # --- conversations ---------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A new message timestamp, later than every one before (as Slack's are)."""
        return f"{self._started + self._passed}.{next(self._ts) % 1_000_000:06d}"

    def pass_time(self, seconds: int) -> None:
        """Slack's clock moves on: the messages after this are ``seconds`` later (at most 999,999 messages a second)."""
        with self._changed:
            self._passed += seconds

    def _keep(self, channel: str, message: dict[str, Any]) -> None:
        with self._changed:
            self.messages.setdefault(channel, []).append(message)
            self.messages[channel].sort(key=lambda m: Decimal(m["ts"]))

    def said(
        self,
        text: str,
        *,
        channel: str = "C0001",
        user: str = "U0001",
        thread_ts: str | None = None,
        channel_type: str = "channel",
        **extra: Any,
    ) -> dict[str, Any]:
        """A person posts ``text`` (in the thread ``thread_ts``, if given): Slack keeps it, and the
        ``message`` event it would send is returned, for :func:`event_body`."""
        ts = self.next_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts, "team": TEAM, **extra}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._keep(channel, message)
        return {**message, "channel": channel, "channel_type": channel_type, "event_ts": ts}

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The thread's messages, oldest first: its first message, then the replies."""
        return [m for m in self.messages.get(channel, []) if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]

    def _replies(self, payload: dict[str, Any]) -> dict[str, Any]:
        thread = self.thread(str(payload.get("channel")), str(payload.get("ts")))
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        inclusive = str(payload.get("inclusive", "")).lower() in {"1", "true"}

        def within(m: dict[str, Any]) -> bool:
            ts = Decimal(m["ts"])
            for bound, later in (("latest", False), ("oldest", True)):
                if payload.get(bound) in (None, ""):
                    continue
                edge = Decimal(str(payload[bound]))
                if (ts == edge and not inclusive) or (ts < edge if later else ts > edge):
                    return False
            return True

        first, replies = dict(thread[0]), [m for m in thread[1:] if within(m)]
        if len(thread) > 1:  # a thread's first message says how long the thread is, and who replied
            repliers = list(dict.fromkeys(str(m.get("user") or m.get("bot_id")) for m in thread[1:]))
            first |= {"reply_count": len(thread) - 1, "reply_users_count": len(repliers)}
            first |= {"latest_reply": thread[-1]["ts"], "thread_ts": first["ts"]}
            if self.lists_repliers:
                first["reply_users"] = repliers
        limit = max(1, min(int(payload.get("limit") or 1000), 1000))
        start = int(base64.b64decode(payload["cursor"]).decode().split(":")[1]) if payload.get("cursor") else 0
        page = replies[start : start + limit - 1]  # room for the first message, on top of every page
        more = start + len(page) < len(replies)
        cursor = base64.b64encode(f"offset:{start + len(page)}".encode()).decode() if more else ""
        return {"ok": True, "messages": [first, *page], "has_more": more, "response_metadata": {"next_cursor": cursor}}

    def _open(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``conversations.open`` of a direct message with one person (the only kind the fake opens)."""
        users = [u for u in str(payload.get("users") or "").split(",") if u]
        if len(users) != 1:
            return {"ok": False, "error": "users_list_not_supplied" if not users else "method_not_supported"}
        return {"ok": True, "channel": {"id": f"D{users[0]}"}}

    # --- recording -------------------------------------------------------------------------------

    def _record(self, call: Call) -> Call:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return call

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
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            return dict(await request.json()) if request.can_read_body else {}
        form = await request.post()
        payload: dict[str, Any] = dict(request.query)  # slack_sdk sends some methods' arguments in the query
        for name, value in form.items():
            text = str(value)
            payload[name] = json.loads(text) if name in {"blocks", "attachments", "view"} else text
        return payload

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await self._payload(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or payload.get("token")
        with self._changed:
            limited = self.throttle.get(method, 0) > 0
            if limited:
                self.throttle[method] -= 1
        if limited:
            answer = {"ok": False, "error": "ratelimited"}
            self._record(Call(method, payload, token, reply=answer))
            return web.json_response(answer, status=429, headers={"Retry-After": "0"})
        answer = self._answer(method, payload, token)
        self._record(Call(method, payload, token, reply=answer))  # recorded once answered: a waiter sees the ts
        return web.json_response(answer)

    def _answer(self, method: str, payload: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token != self.app_token:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        if method in self.refuse:
            return {"ok": False, "error": self.refuse[method]}
        if method in ("chat.postMessage", "chat.postEphemeral", "views.open") and block_kit_faults(payload):
            return {"ok": False, "error": "invalid_blocks", "errors": block_kit_faults(payload)}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://citebot-test.slack.com/",
                "team": "citebot test",
                "user": "citebot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self.next_ts()
            message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": payload.get("text"), "ts": ts}
            if payload.get("thread_ts"):
                message["thread_ts"] = payload["thread_ts"]
            self._keep(str(payload.get("channel")), message)
            return {"ok": True, "channel": payload.get("channel"), "ts": ts, "message": payload}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method in ("conversations.replies", "conversations.open"):
            return self._replies(payload) if method == "conversations.replies" else self._open(payload)
        if method in ("users.info", "usergroups.users.list"):
            return self._who(method, payload)
        if method == "views.open":
            view = payload.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": f"V{next(self._ts):06d}", **(view or {})}}
        return {"ok": True}

    def _who(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """``users.info`` (admin and owner flags) and ``usergroups.users.list`` (a group's members)."""
        if method == "users.info":
            user = str(payload.get("user"))
            flags = {"is_admin": user in self.admins, "is_owner": user in self.owners, "is_primary_owner": False}
            return {"ok": True, "user": {"id": user, "team_id": TEAM, "name": user.lower(), "is_bot": False, **flags}}
        group = str(payload.get("usergroup"))
        if group not in self.groups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.groups[group])}

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
        key = request.match_info["key"]
        faults = block_kit_faults(payload)
        with self._changed:
            made = self._made.setdefault(key, time.monotonic())
        if key in self.expired or time.monotonic() - made >= self.response_url_lifetime:
            answer, status = "expired_url", 404
        elif key in self.failing:
            answer, status = "internal_error", 500
        else:
            answer, status = ("invalid_blocks", 400) if faults else ("ok", 200)
        self._record(Call("respond", payload, key=key, reply={"status": status, "body": answer, "faults": faults}))
        return web.Response(text=answer, status=status)


# --- Block Kit's limits ----------------------------------------------------------------------------

LIMITS = {
    "blocks": 50,  # blocks a message
    "section": 3000,  # a section's text
    "context": 2000,  # a context element's text
    "context_elements": 10,
    "button_text": 75,
    "button_value": 2000,
    "action_id": 255,
    "message_text": 40000,  # a message's top-level text
    "modal_title": 24,  # a modal's title, submit and close
    "input_max": 3000,  # a plain_text_input's max_length
    "private_metadata": 3000,
}


def _mrkdwn_faults(where: str, text: str) -> list[str]:
    """Markup Slack would show broken: a ``<`` link or mention never closed (it shows as typed)."""
    depth = 0
    for char in text:
        if char == "<":
            if depth:
                return [f"{where}: '<' inside '<...>'"]
            depth = 1
        elif char == ">":
            depth = 0
    return [f"{where}: '<' never closed"] if depth else []


def _text_faults(where: str, obj: Any, limit: int) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"]:
        return [f"{where}: no text"]
    text = obj["text"]
    faults = [f"{where}: {len(text)} characters, over {limit}"] if len(text) > limit else []
    return faults + (_mrkdwn_faults(where, text) if obj.get("type") == "mrkdwn" else [])


def _block_faults(i: int, block: dict[str, Any]) -> list[str]:
    kind, faults = block.get("type"), []
    if kind == "section":
        faults += _text_faults(f"block {i} section", block.get("text"), LIMITS["section"])
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= LIMITS["context_elements"]:
            faults.append(f"block {i} context: {len(elements)} elements")
        for j, element in enumerate(elements):
            faults += _text_faults(f"block {i} context element {j}", element, LIMITS["context"])
    elif kind == "actions":
        for element in block.get("elements") or []:
            faults += _text_faults(f"block {i} button", element.get("text"), LIMITS["button_text"])
            if len(str(element.get("value", ""))) > LIMITS["button_value"]:
                faults.append(f"block {i} button value over {LIMITS['button_value']}")
            if not 1 <= len(str(element.get("action_id", ""))) <= LIMITS["action_id"]:
                faults.append(f"block {i} action_id")
    elif kind == "input":
        maximum = (block.get("element") or {}).get("max_length", 0)
        if maximum > LIMITS["input_max"]:
            faults.append(f"block {i} input max_length {maximum}")
    return faults


def block_kit_faults(payload: dict[str, Any]) -> list[str]:
    """What in a message (or a ``views.open``'s modal) Slack would refuse as ``invalid_blocks``:
    the limits in :data:`LIMITS`, and mrkdwn links or mentions left open by a cut."""
    faults: list[str] = []
    view = payload.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    if isinstance(view, dict):
        for part in ("title", "submit", "close"):
            if part in view:
                faults += _text_faults(f"modal {part}", view[part], LIMITS["modal_title"])
        if len(view.get("private_metadata") or "") > LIMITS["private_metadata"]:
            faults.append("modal private_metadata too long")
        blocks = view.get("blocks") or []
    else:
        blocks = payload.get("blocks") or []
        if len(str(payload.get("text") or "")) > LIMITS["message_text"]:
            faults.append("message text too long")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    if len(blocks) > LIMITS["blocks"]:
        faults.append(f"{len(blocks)} blocks, over {LIMITS['blocks']}")
    for i, block in enumerate(blocks):
        faults += _block_faults(i, block)
    return faults


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
    timestamp: int | str | None = None,
    timeout: float = ACK_DEADLINE,
) -> tuple[int, str, float]:
    """POST ``body`` to the app as Slack would, signed with ``secret``, and give up as Slack does.

    Slack waits :data:`ACK_DEADLINE` seconds for the HTTP response (the acknowledgement); then
    it shows the user an error (a slash command) or sends the event again. So a late answer is
    a failure here too, raised as ``AssertionError``, not a figure for the test to check.

    Returns:
        ``(status, body, seconds)``: the app's HTTP status, its response body, and how long it took
        (for the benchmark; tests rely on the deadline instead).
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
    except (TimeoutError, urllib.error.URLError) as error:
        if isinstance(error, TimeoutError) or isinstance(error.reason, TimeoutError):
            raise AssertionError(f"no acknowledgement within Slack's {timeout:g} s: Slack would give up") from error
        raise


def unsigned_post(url: str, body: bytes, *, headers: dict[str, str] | None = None, timeout: float = 10.0) -> int:
    """POST ``body`` to the app without Slack's signature (as anyone on the network could); the HTTP status."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


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
    text: str,
    *,
    channel: str = "C0001",
    user: str = "U0001",
    ts: str = "1700000000.000200",
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> dict[str, Any]:
    """A plain ``message`` event (a reply in a thread when ``thread_ts`` is given)."""
    event = {
        "type": "message",
        "channel_type": channel_type,
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def envelope(kind: str, payload: dict[str, Any], envelope_id: str, *, retry_attempt: int = 0) -> dict[str, Any]:
    """A Socket Mode envelope: ``events_api`` (payload: an event_callback), ``slash_commands`` or
    ``interactive`` (payload: a click's or a modal's, as in :func:`click_body`)."""
    return {
        "envelope_id": envelope_id,
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind != "events_api",
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
    }


def command_body(
    command: str,
    text: str,
    response_url: str,
    *,
    user: str = "U0001",
    channel: str = "C0001",
    trigger_id: str | None = None,
) -> str:
    """The form-encoded body of a slash command (a new ``trigger_id`` each, as Slack makes them)."""
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
            "trigger_id": trigger_id or _trigger(),
        }
    )


_triggers = itertools.count(1)


def _trigger() -> str:
    return f"{int(time.time())}.{next(_triggers)}.{hashlib.sha1(str(time.monotonic_ns()).encode()).hexdigest()[:12]}"


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: b | {"element": e} for b in blocks if b.get("type") == "actions" for e in b["elements"]}


def buttons_of(call: Call) -> dict[str, str]:
    """The buttons under a posted message: ``action_id`` -> ``value``."""
    return {
        action_id: found["element"]["value"] for action_id, found in _buttons(call.payload.get("blocks") or []).items()
    }


def click_body(
    call: Call,
    action_id: str,
    *,
    user: str = "U0001",
    name: str = "ann",
    channel: str = "C0001",
    response_url: str = "",
    team: str = TEAM,
) -> str:
    """The form-encoded ``block_actions`` body of a click on button ``action_id`` of the message the
    app posted in ``call`` (``chat.postMessage``, or a ``respond``, which Slack shows ephemerally
    when its ``response_type`` is ``ephemeral``)."""
    found = _buttons(call.payload.get("blocks") or [])
    if action_id not in found:
        raise AssertionError(f"no button {action_id!r} under that message: {sorted(found)}")
    block, element = found[action_id], found[action_id]["element"]
    ephemeral = call.method == "respond" and call.payload.get("response_type") == "ephemeral"
    ts = call.reply.get("ts") or f"{int(time.time())}.000001"
    container = {"type": "message", "message_ts": ts, "channel_id": call.payload.get("channel", channel)}
    container["is_ephemeral"] = ephemeral
    if call.payload.get("thread_ts"):
        container["thread_ts"] = call.payload["thread_ts"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": team},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": _trigger(),
        "team": {"id": team, "domain": "citebot-test"},
        "channel": {"id": container["channel_id"], "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "block_id": block.get("block_id", "b"),
                "action_id": action_id,
                "value": element.get("value"),
                "text": element.get("text"),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {"type": "message", "ts": ts, "blocks": call.payload.get("blocks"), "user": BOT_USER}
        if call.payload.get("thread_ts"):
            payload["message"]["thread_ts"] = call.payload["thread_ts"]
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def form_payload(body: str) -> dict[str, Any]:
    """The payload of a form-encoded request (``payload=<json>`` for clicks, the fields for commands)."""
    fields = dict(urllib.parse.parse_qsl(body))
    return json.loads(fields["payload"]) if set(fields) == {"payload"} else fields


def submit_body(call: Call, typed: str | None, *, user: str = "U0001", team: str = TEAM) -> str:
    """The form-encoded ``view_submission`` of the modal the app opened in ``call`` (``views.open``),
    with ``typed`` in its one text input (None: left blank)."""
    view = call.payload["view"]
    view = json.loads(view) if isinstance(view, str) else view
    [field_block] = [b for b in view["blocks"] if b.get("type") == "input"]
    action_id = field_block["element"]["action_id"]
    state = {field_block["block_id"]: {action_id: {"type": "plain_text_input", "value": typed}}}
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "citebot-test"},
        "user": {"id": user, "username": "ann", "name": "ann", "team_id": team},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "trigger_id": _trigger(),
        "view": {**view, "id": call.reply.get("view", {}).get("id", "V1"), "state": {"values": state}},
        "response_urls": [],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


FORM = "application/x-www-form-urlencoded"

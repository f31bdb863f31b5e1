"""A small fake Discord on 127.0.0.1: the REST API and the gateway websocket, for the real discord.py client.

It serves one guild with two text channels, lets a test push messages and slash
command interactions through the gateway, and records everything the bot sends.
It enforces what Discord enforces and a bot can get wrong:

* the token (401 on REST, close 4004 on the gateway);
* an interaction must get its first response within 3 seconds (else 404 Unknown interaction, 10062);
* one acknowledgement per interaction (400, 40060), follow-ups only after it (404, 10015);
* 2,000 characters of content and the embed limits (400 Invalid Form Body, 50035), no empty message (50006).

The server runs in its own thread and event loop, so tests stay synchronous and
the bot under test runs in a separate process (``python -m bot discord``)::

    with FakeDiscord() as fake:
        env = fake.env()  # DISCORD_API_BASE, DISCORD_GATEWAY_URL, DISCORD_TOKEN
        ...
        mid = fake.send_message("<@BOT> Why?", mention_bot=True)
        reply = fake.wait_for_reply(mid)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import WSMsgType, web

TOKEN = "fake-token-7c1d"
BOT_ID = 100000000000000001
APP_ID = 100000000000000001
GUILD_ID = 200000000000000002
GENERAL_ID = 300000000000000003  # a channel where the bot answers mentions only
ASK_ID = 300000000000000004  # a channel listed in ASK_CHANNELS
EVERYONE_ROLE_ID = GUILD_ID
MOD_ROLE_ID = 400000000000000005
INTERACTION_DEADLINE = 3.0
MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL = 1 << 6
TIMESTAMP = "2024-06-01T12:00:00.000000+00:00"

_snowflakes = itertools.count(500000000000000000)


def snowflake() -> int:
    return next(_snowflakes)


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


BOT_USER = user_payload(BOT_ID, "citebot", bot=True)


def member_payload(user: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": "2251799813685247",
    }
    if user is not None:
        out["user"] = user
    return out


def channel_payload(channel_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
    }


def role_payload(role_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "hoist": False,
        "position": position,
        "permissions": "2251799813685247",
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


def guild_payload() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Test Guild",
        "icon": None,
        "owner_id": "600000000000000006",
        "unavailable": False,
        "member_count": 3,
        "large": False,
        "features": [],
        "roles": [role_payload(EVERYONE_ROLE_ID, "@everyone", 0), role_payload(MOD_ROLE_ID, "mods", 1)],
        "emojis": [],
        "stickers": [],
        "channels": [channel_payload(GENERAL_ID, "general", 0), channel_payload(ASK_ID, "ask", 1)],
        "threads": [],
        "members": [member_payload(BOT_USER)],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "joined_at": TIMESTAMP,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "system_channel_flags": 0,
    }


def _invalid_form(field_path: str, code: str, message: str) -> dict[str, Any]:
    """Discord's error shape for a bad request body."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field_path.split(".")):
        errors = {part: errors}
    return {"code": 50035, "errors": errors, "message": "Invalid Form Body"}


def check_message(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The error Discord would answer for this message payload, or None when it is valid."""
    content = payload.get("content") or ""
    embeds = payload.get("embeds") or []
    if len(content) > 2000:
        return _invalid_form("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if not content.strip() and not embeds and not payload.get("components"):
        return {"code": 50006, "message": "Cannot send an empty message"}
    if len(embeds) > 10:
        return _invalid_form("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, most in limits.items():
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > most:
                return _invalid_form(f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {most} or fewer in length.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return _invalid_form(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, f in enumerate(fields):
            for key, most in (("name", 256), ("value", 1024)):
                value = f.get(key) or ""
                total += len(value)
                if not value.strip():
                    return _invalid_form(f"embeds.{i}.fields.{j}.{key}", "BASE_TYPE_REQUIRED", "This field is required")
                if len(value) > most:
                    return _invalid_form(
                        f"embeds.{i}.fields.{j}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {most} or fewer in length."
                    )
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
    if total > 6000:
        return _invalid_form("embeds", "BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum size of 6000")
    return None


@dataclass
class Sent:
    """One message the bot created or edited, as Discord received it."""

    kind: str  # "message", "callback", "followup", "edit"
    at: float
    payload: dict[str, Any]
    channel_id: int | None = None
    reply_to: int | None = None  # message_reference.message_id
    interaction_id: int | None = None
    message_id: int | None = None

    @property
    def content(self) -> str:
        data = self.payload.get("data", self.payload) if self.kind == "callback" else self.payload
        return (data or {}).get("content") or ""

    @property
    def flags(self) -> int:
        data = self.payload.get("data", self.payload) if self.kind == "callback" else self.payload
        return int((data or {}).get("flags") or 0)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        data = self.payload.get("data", self.payload) if self.kind == "callback" else self.payload
        return (data or {}).get("embeds") or []

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        data = self.payload.get("data", self.payload) if self.kind == "callback" else self.payload
        return (data or {}).get("allowed_mentions")


@dataclass
class Interaction:
    id: int
    token: str
    name: str
    dispatched_at: float
    kind: int = 2
    acked_at: float | None = None
    ack_type: int | None = None
    ephemeral: bool = False
    original_id: int | None = None


@dataclass
class Rejected:
    """A request the fake refused the way Discord would, with the message or interaction it was for, if any."""

    method: str
    path: str
    status: int
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    reply_to: int | None = None  # the message a refused reply answered
    interaction_id: int | None = None  # the interaction a refused response or follow-up was for


class Traffic:
    """One test's share of the fake's recordings: what it sent since :meth:`FakeDiscord.watch`, and the answers.

    Only tests push messages and interactions, so the ids pushed since the watch began are
    the test's own; what the bot sent or had refused is matched to them by reply or
    interaction. Earlier tests' traffic, even an answer arriving late, is left out.
    """

    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake
        with fake._lock:
            self._old_messages = set(fake.dispatched_messages)
            self._old_interactions = set(fake.interactions)
            self._since = time.monotonic()

    @property
    def messages(self) -> set[int]:
        """Ids of the messages pushed since the watch began."""
        with self._fake._lock:
            return set(self._fake.dispatched_messages) - self._old_messages

    @property
    def interactions(self) -> set[int]:
        """Ids of the interactions pushed since the watch began."""
        with self._fake._lock:
            return set(self._fake.interactions) - self._old_interactions

    def sent(self) -> list[Sent]:
        """What the bot sent in answer to them (replies, interaction responses and follow-ups), in order."""
        messages, interactions = self.messages, self.interactions
        with self._fake._lock:
            return [s for s in self._fake.sent if s.reply_to in messages or s.interaction_id in interactions]

    def rejected(self) -> list[Rejected]:
        """The bot's requests the fake refused for them, and any refusal since the watch began that names no
        message or interaction (it cannot be traced to a test, so it counts against the one running)."""
        messages, interactions = self.messages, self.interactions
        with self._fake._lock:
            return [
                r
                for r in self._fake.rejected
                if r.reply_to in messages
                or r.interaction_id in interactions
                or (r.reply_to is None and r.interaction_id is None and r.at >= self._since)
            ]


class FakeDiscord:
    """The fake Discord server. Use as a context manager, or call :meth:`start` and :meth:`stop`.

    Args:
        heartbeat_interval: Seconds between the client's heartbeats, sent in HELLO.
        token: The token the fake accepts.
    """

    def __init__(self, *, heartbeat_interval: float = 1.0, token: str = TOKEN) -> None:
        self.heartbeat_interval = heartbeat_interval
        self.token = token
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-discord", daemon=True)
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()
        self._ws: web.WebSocketResponse | None = None
        self._send_lock: asyncio.Lock | None = None
        self._seq = 0
        self._probe_sent_at: float | None = None
        # Recordings, read by tests (under the lock for anything that grows while the bot runs).
        self.requests: list[tuple[str, str, float]] = []
        self.sent: list[Sent] = []
        self.rejected: list[Rejected] = []
        self.typing: list[tuple[int, float]] = []
        self.commands: list[dict[str, Any]] = []
        self.commands_synced_at: float | None = None
        self.identify: dict[str, Any] | None = None
        self.gateway_query: dict[str, str] = {}
        self.ready_at: float | None = None
        self.heartbeats: list[float] = []  # the client's own beats, at its interval
        self.probe_latencies: list[float] = []  # how long each probe (a heartbeat request) took to be answered
        self.gateway_connections = 0
        self.interactions: dict[int, Interaction] = {}
        self.dispatched_messages: dict[int, float] = {}
        self.started_at = time.monotonic()

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._send_lock = asyncio.Lock()
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """The settings that point the bot at this fake."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    # --- REST -----------------------------------------------------------------------------------

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py parses a body as JSON only when Content-Type is exactly application/json.
        return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    def _reject(
        self, request: web.Request, status: int, body: dict[str, Any], payload: dict[str, Any] | None = None
    ) -> web.Response:
        parts = request.path.removeprefix("/api/v10/").split("/")
        reference = ((payload or {}).get("message_reference") or {}).get("message_id")
        interaction_id = None
        with self._lock:
            if parts[0] == "interactions" and len(parts) > 1 and parts[1].isdigit():
                interaction_id = int(parts[1])
            elif parts[0] == "webhooks" and len(parts) > 2:  # follow-ups name the interaction by its token
                interaction_id = next((i.id for i in self.interactions.values() if i.token == parts[2]), None)
            self.rejected.append(
                Rejected(
                    request.method,
                    request.path,
                    status,
                    body,
                    reply_to=int(reference) if reference else None,
                    interaction_id=interaction_id,
                )
            )
        return self._json(body, status)

    def _message(
        self, channel_id: int, payload: dict[str, Any], *, author: dict[str, Any] = BOT_USER
    ) -> dict[str, Any]:
        return {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": author,
            "content": payload.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds") or [],
            "pinned": False,
            "type": 19 if payload.get("message_reference") else 0,
            "flags": int(payload.get("flags") or 0),
        }

    async def _rest(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        path = "/" + request.match_info["tail"]
        with self._lock:
            self.requests.append((request.method, path, now))
        body: dict[str, Any] = {}
        if request.can_read_body and request.content_type == "application/json":
            body = await request.json()
        parts = path.strip("/").split("/")
        is_webhook = parts[0] in ("interactions", "webhooks")
        if not is_webhook and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._reject(request, 401, {"message": "401: Unauthorized", "code": 0}, body)

        if request.method == "GET" and path == "/users/@me":
            return self._json(BOT_USER)
        if request.method == "GET" and path == "/oauth2/applications/@me":
            return self._json(
                {
                    "id": str(APP_ID),
                    "name": "citebot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user_payload(600000000000000006, "owner"),
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "bot": BOT_USER,
                }
            )
        if request.method == "GET" and path == "/gateway/bot":
            return self._json(
                {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
                }
            )
        if request.method == "PUT" and len(parts) == 3 and parts[0] == "applications" and parts[2] == "commands":
            synced = [
                {
                    **cmd,
                    "id": str(snowflake()),
                    "application_id": str(APP_ID),
                    "version": "1",
                    "type": cmd.get("type", 1),
                }
                for cmd in body
            ]
            with self._lock:
                self.commands = synced
                self.commands_synced_at = now
            return self._json(synced)
        if request.method == "POST" and len(parts) == 3 and parts[0] == "channels" and parts[2] == "typing":
            with self._lock:
                self.typing.append((int(parts[1]), now))
            return web.Response(status=204)
        if request.method == "POST" and len(parts) == 3 and parts[0] == "channels" and parts[2] == "messages":
            error = check_message(body)
            if error:
                return self._reject(request, 400, error, body)
            channel_id = int(parts[1])
            message = self._message(channel_id, body)
            reference = (body.get("message_reference") or {}).get("message_id")
            with self._lock:
                self.sent.append(
                    Sent(
                        "message",
                        now,
                        body,
                        channel_id=channel_id,
                        reply_to=int(reference) if reference else None,
                        message_id=int(message["id"]),
                    )
                )
            return self._json(message)
        if request.method == "POST" and len(parts) == 4 and parts[0] == "interactions" and parts[3] == "callback":
            return self._callback(request, int(parts[1]), parts[2], body, now)
        if parts[0] == "webhooks" and len(parts) >= 3 and int(parts[1]) == APP_ID:
            return self._webhook(request, parts[2], parts[3:], body, now)
        if request.method == "DELETE":
            return web.Response(status=204)
        return self._reject(request, 404, {"message": "404: Not Found", "code": 0}, body)

    def _callback(
        self, request: web.Request, interaction_id: int, token: str, body: dict[str, Any], now: float
    ) -> web.Response:
        with self._lock:
            interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token or now - interaction.dispatched_at > INTERACTION_DEADLINE:
            return self._reject(request, 404, {"message": "Unknown interaction", "code": 10062})
        if interaction.acked_at is not None:
            return self._reject(request, 400, {"message": "Interaction has already been acknowledged.", "code": 40060})
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        if kind == 4:
            error = check_message(data)
            if error:
                return self._reject(request, 400, error, body)
        message = None
        if kind in (4, 5):
            message = self._message(GENERAL_ID, data)
            interaction.original_id = int(message["id"])
        interaction.acked_at = now
        interaction.ack_type = kind
        interaction.ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        with self._lock:
            self.sent.append(
                Sent("callback", now, body, interaction_id=interaction_id, message_id=interaction.original_id)
            )
        out: dict[str, Any] = {
            "interaction": {
                "id": str(interaction_id),
                "type": interaction.kind,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": interaction.ephemeral,
            }
        }
        if message is not None:
            out["interaction"]["response_message_id"] = message["id"]
            out["resource"] = {"type": kind, "message": message}
        return self._json(out)

    def _webhook(
        self, request: web.Request, token: str, rest: list[str], body: dict[str, Any], now: float
    ) -> web.Response:
        with self._lock:
            interaction = next((i for i in self.interactions.values() if i.token == token), None)
        if interaction is None or interaction.acked_at is None:
            return self._reject(request, 404, {"message": "Unknown Webhook", "code": 10015})
        if request.method == "DELETE":
            return web.Response(status=204)
        error = check_message(body)
        if error:
            return self._reject(request, 400, error, body)
        kind = "followup" if request.method == "POST" and not rest else "edit"
        message = self._message(GENERAL_ID, body)
        with self._lock:
            self.sent.append(Sent(kind, now, body, interaction_id=interaction.id, message_id=int(message["id"])))
        return self._json(message)

    # --- gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._ws = ws
        self.gateway_connections += 1
        self.gateway_query = dict(request.query)
        await self._send({"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            now = time.monotonic()
            if op == 1:
                with self._lock:
                    if self._probe_sent_at is None:
                        self.heartbeats.append(now)
                    else:  # the answer to a probe, not one of the client's own beats
                        self.probe_latencies.append(now - self._probe_sent_at)
                        self._probe_sent_at = None
                await self._send({"op": 11})
            elif op == 2:
                self.identify = data["d"]
                if data["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                await self._dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": BOT_USER,
                        "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                        "session_id": "fake-session",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(APP_ID), "flags": 0},
                        "private_channels": [],
                        "relationships": [],
                    },
                )
                self.ready_at = now
                await self._dispatch("GUILD_CREATE", guild_payload())
            elif op == 6:
                await self._dispatch("RESUMED", {})
        if self._ws is ws:
            self._ws = None
        return ws

    async def _send(self, payload: dict[str, Any]) -> None:
        assert self._send_lock is not None
        async with self._send_lock:
            if self._ws is not None and not self._ws.closed:
                await self._ws.send_str(json.dumps(payload))

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._send_lock is not None
        async with self._send_lock:
            self._seq += 1
            if self._ws is not None and not self._ws.closed:
                await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # --- driving the bot ---------------------------------------------------------------------------

    def send_message(
        self,
        content: str,
        *,
        channel_id: int = GENERAL_ID,
        user_id: int = 700000000000000007,
        mention_bot: bool = False,
        author_is_bot: bool = False,
    ) -> int:
        """Push a MESSAGE_CREATE from a user; with ``mention_bot`` the content starts with the bot's mention."""
        author = user_payload(user_id, f"user{user_id % 1000}", bot=author_is_bot)
        if mention_bot:
            content = f"<@{BOT_ID}> {content}"
        message = self._message(channel_id, {"content": content}, author=author)
        message["member"] = member_payload()
        message["mentions"] = [{**BOT_USER, "member": member_payload()}] if mention_bot else []
        message["mention_everyone"] = "@everyone" in content
        message["mention_roles"] = [str(MOD_ROLE_ID)] if f"<@&{MOD_ROLE_ID}>" in content else []
        message_id = int(message["id"])
        with self._lock:
            self.dispatched_messages[message_id] = time.monotonic()
        self._run(self._dispatch("MESSAGE_CREATE", message))
        return message_id

    def send_messages(self, contents: list[tuple[str, int]], *, channel_id: int = ASK_ID) -> list[int]:
        """Push many MESSAGE_CREATEs at once (content, user id), in one burst on the socket."""
        messages = []
        for content, user_id in contents:
            message = self._message(
                channel_id, {"content": content}, author=user_payload(user_id, f"user{user_id % 1000}")
            )
            message["member"] = member_payload()
            messages.append(message)

        async def burst() -> None:
            for message in messages:
                with self._lock:
                    self.dispatched_messages[int(message["id"])] = time.monotonic()
                await self._dispatch("MESSAGE_CREATE", message)

        self._run(burst())
        return [int(m["id"]) for m in messages]

    def send_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = 700000000000000007,
        channel_id: int = GENERAL_ID,
        focused: str | None = None,
    ) -> int:
        """Push an INTERACTION_CREATE for slash command ``name`` (type 4, autocomplete, when ``focused``)."""
        with self._lock:
            command = next(c for c in self.commands if c["name"] == name)
        option_types = {o["name"]: o["type"] for o in command.get("options", [])}
        interaction_id = snowflake()
        token = f"itoken-{interaction_id}"
        kind = 4 if focused else 2
        data_options = [
            {"name": key, "type": option_types[key], "value": value, **({"focused": True} if key == focused else {})}
            for key, value in (options or {}).items()
        ]
        payload = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": channel_payload(channel_id, "general", 0),
            "member": member_payload(user_payload(user_id, f"user{user_id % 1000}")),
            "data": {"id": command["id"], "name": name, "type": 1, "options": data_options, "guild_id": None},
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": "2251799813685247",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8388608,
        }
        with self._lock:
            self.interactions[interaction_id] = Interaction(interaction_id, token, name, time.monotonic(), kind)
        self._run(self._dispatch("INTERACTION_CREATE", payload))
        return interaction_id

    def probe(self) -> None:
        """Ask the client for an immediate heartbeat (op 1); its delay lands in ``probe_latencies``."""

        async def go() -> None:
            self._probe_sent_at = time.monotonic()
            await self._send({"op": 1, "d": self._seq})

        self._run(go())

    # --- waiting and reading -------------------------------------------------------------------

    def wait_until(self, condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
        """Poll ``condition`` until it is truthy; returns its value or raises ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"fake Discord: timed out waiting for {what}")
            time.sleep(0.02)

    def replies_to(self, message_id: int) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.reply_to == message_id]

    def wait_for_reply(self, message_id: int, timeout: float = 15.0) -> Sent:
        """The bot's reply to a message, once it arrives."""
        return self.wait_until(
            lambda: next((s for s in self.sent if s.reply_to == message_id), None), timeout, f"a reply to {message_id}"
        )

    def responses_to(self, interaction_id: int) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.interaction_id == interaction_id]

    def wait_for_answer(self, interaction_id: int, timeout: float = 15.0) -> Sent:
        """The first message with content or embeds for an interaction (its callback or its first follow-up)."""
        return self.wait_until(
            lambda: next(
                (s for s in self.sent if s.interaction_id == interaction_id and (s.content or s.embeds)), None
            ),
            timeout,
            f"an answer to interaction {interaction_id}",
        )

    def watch(self) -> Traffic:
        """Start recording one test's traffic: see :class:`Traffic`."""
        return Traffic(self)

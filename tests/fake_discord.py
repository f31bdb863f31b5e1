"""A small fake Discord on 127.0.0.1: the REST API and the gateway websocket, for the real discord.py client.

It serves one guild (more with :meth:`FakeDiscord.add_guild`, spread over the shards it
recommends: see :class:`FakeDiscord`) with two text channels and the threads started in them, keeps
every channel's messages (so the bot can read a thread back), lets a test push
messages, slash commands, button clicks and dialog submissions through the gateway,
and records everything the bot sends. It enforces what Discord enforces and a bot can
get wrong:

* the token (401 on REST, close 4004 on the gateway);
* an interaction must get its first response within 3 seconds (else 404 Unknown interaction, 10062);
* one acknowledgement per interaction (400, 40060), follow-ups only after it (404, 10015), and only
  the response types its kind allows (a dialog cannot answer a dialog, 6 and 7 only for components);
* an interaction's token for its follow-ups and edits lives 15 minutes (``token_lifetime``), then is
  refused (401 Invalid Webhook Token, 50027); :meth:`FakeDiscord.expire_token` ends one's life now;
  a test can have follow-ups refused (``refuse_followups``: 403), or posted and their connection then
  dropped unanswered (``drop_followups``), so that the bot cannot know whether Discord took them;
* 2,000 characters of content and the embed limits (400 Invalid Form Body, 50035), no empty message (50006);
* components: 5 rows of 5 buttons, a custom_id of at most 100 characters, unique on its message;
  dialogs: a title of 45 characters, 1 to 5 fields;
* threads: a name of 1 to 100 characters, one thread per message (160004), only in text channels
  (50024); message history pages of 1 to 100; only the thread's creator may rename or archive it
  (the bot has no Manage Threads), nothing else about it;
* permissions a test takes away from the bot in a channel (:meth:`FakeDiscord.deny`): posting a
  message in the channel itself (Send Messages; its threads and interaction answers are not affected),
  starting a thread there, or posting in its threads, is refused with 403 Missing Permissions (50013); without
  Read Message History there (and in its threads) a reply is refused (400, 160002), a message is not
  given (403, 50013) and a page of history holds none, as Discord does.

Threads behave as Discord's do: a thread started on a message has that message's id,
type 11, the bot as ``owner_id`` and the channel as ``parent_id``; THREAD_CREATE is
dispatched before the REST call returns; its first message is a THREAD_STARTER_MESSAGE
(type 21) pointing at the message it was started on; GUILD_CREATE lists the active threads
(so a restarted bot knows them). Messages the bot posts in a channel come back to it as
MESSAGE_CREATE, as on Discord. The first follow-up after a deferred response replaces the
"thinking" message, keeping its id and whether it is ephemeral.

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
import re
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
TOKEN_LIFETIME = 15 * 60.0  # an interaction token's life, for follow-ups and edits
MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL = 1 << 6
ALL_PERMISSIONS = 2251799813685247
MANAGE_GUILD = 1 << 5
# A plain member: add reactions, view channel, send messages, embed links, attach files, read history, use commands.
MEMBER_PERMISSIONS = (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
CREATE_PUBLIC_THREADS = "create_public_threads"  # what FakeDiscord.deny can take away in a channel
SEND_MESSAGES = "send_messages"  # a message in the channel itself, not in its threads
SEND_MESSAGES_IN_THREADS = "send_messages_in_threads"
READ_MESSAGE_HISTORY = "read_message_history"
# Discord's refusal of a reply where the bot may not read the history it would point into.
CANNOT_REPLY = {"message": "Cannot reply without permission to read message history", "code": 160002}
MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}
DM_CHANNEL = 1
PUBLIC_THREAD = 11
THREAD_STARTER_MESSAGE = 21
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)  # minutes Discord accepts for auto_archive_duration
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


def thread_payload(
    thread_id: int, parent_id: int, name: str, owner_id: int, archive: int = 4320, *, guild_id: int = GUILD_ID
) -> dict[str, Any]:
    """A public thread, as Discord describes one in THREAD_CREATE, GUILD_CREATE and GET /channels."""
    return {
        "id": str(thread_id),
        "type": PUBLIC_THREAD,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": archive,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
            "create_timestamp": TIMESTAMP,
        },
    }


def channel_payload(channel_id: int, name: str, position: int, *, guild_id: int = GUILD_ID) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
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


@dataclass(frozen=True)
class Guild:
    """A guild the fake serves: its id and its two text channels (mentions only; every message asks)."""

    id: int
    general_id: int
    ask_id: int


def guild_payload(threads: list[dict[str, Any]] | None = None, guild: Guild | None = None) -> dict[str, Any]:
    guild = guild or Guild(GUILD_ID, GENERAL_ID, ASK_ID)
    return {
        "id": str(guild.id),
        "name": "Test Guild",
        "icon": None,
        "owner_id": "600000000000000006",
        "unavailable": False,
        "member_count": 3,
        "large": False,
        "features": [],
        "roles": [role_payload(guild.id, "@everyone", 0), role_payload(MOD_ROLE_ID, "mods", 1)],
        "emojis": [],
        "stickers": [],
        "channels": [
            channel_payload(guild.general_id, "general", 0, guild_id=guild.id),
            channel_payload(guild.ask_id, "ask", 1, guild_id=guild.id),
        ],
        "threads": threads or [],
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


# The response types Discord allows for each kind of interaction (a dialog opened from a
# click, and the click itself, may also be answered with 6 and 7: see Interaction.from_component).
_RESPONSES = {2: {4, 5, 9}, 3: {4, 5, 9}, 4: {8}, 5: {4, 5}}


def check_message(payload: dict[str, Any], *, edit: bool = False) -> dict[str, Any] | None:
    """The error Discord would answer for this message payload (an edit may leave everything out), or None."""
    content = payload.get("content") or ""
    embeds = payload.get("embeds") or []
    if len(content) > 2000:
        return _invalid_form("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if not edit and not content.strip() and not embeds and not payload.get("components"):
        return {"code": 50006, "message": "Cannot send an empty message"}
    if len(embeds) > 10:
        return _invalid_form("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    error = check_components(payload.get("components") or [])
    if error:
        return error
    return check_embeds(embeds)


def check_embeds(embeds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The error Discord would answer for a message's embeds, or None: each part's limit, 6,000 in all."""
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


def _too_long(value: Any, most: int) -> bool:
    return value is not None and len(str(value)) > most


def check_components(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The error Discord would answer for a message's buttons, or None: 5 rows of 5 buttons, each with a
    custom_id of 1 to 100 characters (unique on the message) or a URL, a label of at most 80."""
    if len(rows) > 5:
        return _invalid_form("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            return _invalid_form(f"components.{i}", "BASE_TYPE_BAD_LENGTH", "An action row holds 1 to 5 buttons.")
        for j, button in enumerate(children):
            where = f"components.{i}.components.{j}"
            custom_id = button.get("custom_id")
            if button.get("type") != 2 or (custom_id is None) == (button.get("style") != 5):
                return _invalid_form(where, "COMPONENT_INVALID", "A button has a custom_id, or is a link.")
            if custom_id is not None and not 1 <= len(custom_id) <= 100:
                return _invalid_form(
                    f"{where}.custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            if custom_id in seen:
                return _invalid_form(
                    f"{where}.custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                )
            seen.add(custom_id or "")
            if _too_long(button.get("label"), 80):
                return _invalid_form(f"{where}.label", "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
            if not button.get("label") and not button.get("emoji"):
                return _invalid_form(where, "COMPONENT_INVALID", "A button needs a label or an emoji.")
    return None


def check_modal(modal: dict[str, Any]) -> dict[str, Any] | None:
    """The error Discord would answer for a dialog (response type 9), or None: a title of 1 to 45
    characters, a custom_id of 1 to 100, 1 to 5 text fields, each in a label (type 18) or an action row."""
    if not 1 <= len(modal.get("title") or "") <= 45:
        return _invalid_form("data.title", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if not 1 <= len(modal.get("custom_id") or "") <= 100:
        return _invalid_form("data.custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    fields = modal.get("components") or []
    if not 1 <= len(fields) <= 5:
        return _invalid_form("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    for i, outer in enumerate(fields):
        label = outer.get("label")
        inner = [outer.get("component") or {}] if outer.get("type") == 18 else outer.get("components") or []
        if outer.get("type") not in (1, 18) or len(inner) != 1 or inner[0].get("type") != 4:
            return _invalid_form(f"data.components.{i}", "COMPONENT_INVALID", "One text field per row.")
        field = inner[0]
        label = label if outer.get("type") == 18 else field.get("label")
        if not 1 <= len(label or "") <= 45 or _too_long(outer.get("description"), 100):
            return _invalid_form(
                f"data.components.{i}.label", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length."
            )
        if not 1 <= len(field.get("custom_id") or "") <= 100 or field.get("style") not in (1, 2):
            return _invalid_form(
                f"data.components.{i}", "COMPONENT_INVALID", "A text field needs a custom_id and a style."
            )
        if not 1 <= int(field.get("max_length") or 4000) <= 4000:
            return _invalid_form(f"data.components.{i}.max_length", "NUMBER_TYPE_MAX", "Must be 4000 or less.")
    return None


def modal_fields(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The text fields of a dialog, wherever they sit (in a label or in an action row)."""
    out = []
    for outer in modal.get("components") or []:
        out += [outer["component"]] if outer.get("type") == 18 else outer.get("components") or []
    return out


@dataclass
class Sent:
    """One message the bot created or edited, as Discord received it."""

    kind: str  # "message", "callback", "followup", "edit" (PATCH of a message)
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

    @property
    def components(self) -> list[dict[str, Any]] | None:
        """The message's rows of buttons as sent; None when the payload leaves them as they were."""
        data = self.payload.get("data", self.payload) if self.kind == "callback" else self.payload
        return (data or {}).get("components")

    @property
    def custom_ids(self) -> list[str]:
        """The custom_id of every button sent, in order."""
        return [b["custom_id"] for row in self.components or [] for b in row.get("components", []) if "custom_id" in b]


@dataclass
class Interaction:
    """An interaction pushed to the bot: a slash command (kind 2), a click (3), autocomplete (4), a dialog (5)."""

    id: int
    token: str
    name: str  # the command's name, or the custom_id clicked or submitted
    dispatched_at: float
    kind: int = 2
    acked_at: float | None = None
    ack_type: int | None = None
    ephemeral: bool = False
    original_id: int | None = None  # the response's message (types 4, 5), or the clicked message (3, 5)
    channel_id: int = GENERAL_ID
    user_id: int = 0
    from_component: bool = False  # a click, or a dialog opened by one: types 6 and 7 are allowed
    token_expired: bool = False  # its token has lived its lifetime (FakeDiscord.expire_token)
    loading: bool = False  # deferred (type 5): the first follow-up replaces the "thinking" message
    modal: dict[str, Any] | None = None  # the dialog it was answered with (type 9)
    data: dict[str, Any] = field(default_factory=dict)  # what was pushed: options, custom_id, submitted fields
    permissions: int = ALL_PERMISSIONS  # the member's permissions in the channel, as Discord resolves them


@dataclass
class HistoryRead:
    """One page of a channel's messages the bot read (GET /channels/{id}/messages)."""

    channel_id: int
    limit: int
    before: int | None
    returned: int
    at: float


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
    interaction, or by thread (a thread started on a message has the message's id).
    Earlier tests' traffic, even an answer arriving late, is left out.
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
        """What the bot sent in answer to them (replies, answers in the threads started on them, interaction
        responses and follow-ups), in order."""
        messages, interactions = self.messages, self.interactions
        with self._fake._lock:
            return [
                s
                for s in self._fake.sent
                if s.reply_to in messages or s.channel_id in messages or s.interaction_id in interactions
            ]

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


@dataclass(eq=False)
class Connection:
    """One gateway connection (a session of one shard once identified), in the order they were opened."""

    number: int
    ws: web.WebSocketResponse
    shard: tuple[int, int] | None = None  # [id, count] from IDENTIFY, or the resumed session's
    session_id: str | None = None
    seq: int = 0
    heartbeats: list[float] = field(default_factory=list)
    probe_sent_at: float | None = None

    @property
    def open(self) -> bool:
        return not self.ws.closed


class FakeDiscord:
    """The fake Discord server. Use as a context manager, or call :meth:`start` and :meth:`stop`.

    Sharding is Discord's: ``GET /gateway/bot`` recommends ``shards``; each connection's IDENTIFY
    names its ``shard: [id, count]`` (an id outside ``0..count-1`` is closed with 4010, a count
    below ``shards`` with 4011, "sharding required"); READY and the GUILD_CREATEs of a session
    hold only that shard's guilds, and every event of a guild goes only to the connections of
    shard ``(guild_id >> 22) % count`` (events of no guild to shard 0). Two sessions of one
    shard both get its events, as on Discord. :meth:`add_guild` adds guilds beyond the first.

    Args:
        heartbeat_interval: Seconds between the client's heartbeats, sent in HELLO.
        token: The token the fake accepts.
        shards: The shard count ``GET /gateway/bot`` recommends (and the least IDENTIFY may ask for).
    """

    def __init__(self, *, heartbeat_interval: float = 1.0, token: str = TOKEN, shards: int = 1) -> None:
        self.heartbeat_interval = heartbeat_interval
        self.token = token
        self.shards = shards
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-discord", daemon=True)
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()
        self._connections: list[Connection] = []
        self._send_lock: asyncio.Lock | None = None
        self._sessions = itertools.count(1)
        self._session_shards: dict[str, tuple[int, int]] = {}  # session id -> (shard id, count)
        self.held: set[int] = set()  # shards whose sessions are refused for now (drop_shard)
        # Recordings, read by tests (under the lock for anything that grows while the bot runs).
        self.requests: list[tuple[str, str, float]] = []
        self.sent: list[Sent] = []
        self.rejected: list[Rejected] = []
        self.typing: list[tuple[int, float]] = []
        self.commands: list[dict[str, Any]] = []
        self.commands_synced_at: float | None = None
        self.identify: dict[str, Any] | None = None  # the last IDENTIFY's payload
        self.identifies: list[dict[str, Any]] = []  # every IDENTIFY's payload, in order
        self.gateway_query: dict[str, str] = {}
        self.ready_at: float | None = None  # the last READY
        self.ready: dict[int, float] = {}  # shard id -> when its last session got READY (or RESUMED)
        self.routed: dict[int, list[tuple[int, int]]] = {}  # message or interaction id -> (shard, connection number)
        self.heartbeats: list[float] = []  # the client's own beats on the first connection, at its interval
        self.probe_latencies: list[float] = []  # how long each probe (a heartbeat request) took to be answered
        self.gateway_connections = 0
        self.interactions: dict[int, Interaction] = {}
        self.refuse_followups = 0  # how many coming follow-up posts Discord refuses (403 Missing Access)
        self.drop_followups = 0  # how many coming follow-up posts are posted, then their connection cut unanswered
        self.token_lifetime = TOKEN_LIFETIME  # seconds an interaction's token takes follow-ups and edits
        self.dispatched_messages: dict[int, float] = {}
        self.started_at = time.monotonic()
        # Discord's own state: the guild's channels and threads, every message by id, and each
        # channel's messages in order (ephemeral ones belong to no channel's history).
        self.guilds: dict[int, Guild] = {GUILD_ID: Guild(GUILD_ID, GENERAL_ID, ASK_ID)}
        self.channels: dict[int, dict[str, Any]] = {
            GENERAL_ID: channel_payload(GENERAL_ID, "general", 0),
            ASK_ID: channel_payload(ASK_ID, "ask", 1),
        }
        self.messages: dict[int, dict[str, Any]] = {}
        self.history: dict[int, list[int]] = {}
        self.files: dict[str, bytes] = {}  # attachments pushed with commands, by id
        self.history_reads: list[HistoryRead] = []
        self.denied: dict[int, set[str]] = {}  # channel id -> the bot's permissions taken away there (deny)
        self.edits: list[tuple[int, dict[str, Any]]] = []  # (thread id, the changes) the bot made to its threads

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
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        for connection in list(self._connections):
            if connection.open:
                await connection.ws.close()
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

    async def _attachment(self, request: web.Request) -> web.Response:
        """An attached file, as Discord's CDN serves it."""
        with self._lock:
            content = self.files.get(request.match_info["id"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="text/plain")

    def _open_dm(self, body: dict[str, Any]) -> web.Response:
        """POST /users/@me/channels: the direct-message channel with a user (the same one each time)."""
        recipient = int(body["recipient_id"])
        with self._lock:
            channel = next(
                (c for c in self.channels.values() if c["type"] == DM_CHANNEL and c["recipient"] == recipient), None
            )
            if channel is None:
                channel_id = snowflake()
                channel = {
                    "id": str(channel_id),
                    "type": DM_CHANNEL,
                    "last_message_id": None,
                    "recipients": [user_payload(recipient, f"user{recipient % 1000}")],
                    "recipient": recipient,
                }
                self.channels[channel_id] = channel
        return self._json({k: v for k, v in channel.items() if k != "recipient"})

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
        guild_id = self.guild_of(channel_id)
        message = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "guild_id": str(guild_id),
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
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 19 if payload.get("message_reference") else 0,
            "flags": int(payload.get("flags") or 0),
        }
        reference = payload.get("message_reference")
        if reference:
            message["message_reference"] = {
                "message_id": str(reference["message_id"]),
                "channel_id": str(reference.get("channel_id") or channel_id),
                "guild_id": str(guild_id),
            }
        return message

    def _keep(self, message: dict[str, Any]) -> None:
        """Remember a message; one that is not ephemeral joins its channel's history (a thread's count too)."""
        message_id, channel_id = int(message["id"]), int(message["channel_id"])
        with self._lock:
            self.messages[message_id] = message
            if int(message.get("flags") or 0) & EPHEMERAL:
                return
            self.history.setdefault(channel_id, []).append(message_id)
            channel = self.channels.get(channel_id)
            if channel is not None:
                channel["last_message_id"] = str(message_id)
                if channel["type"] == PUBLIC_THREAD:
                    channel["message_count"] += 1
                    channel["total_message_sent"] += 1

    def _as_read(self, message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as REST returns it: with the message it refers to (a reply's, a thread starter's)."""
        reference = message.get("message_reference")
        if not reference:
            return message
        referenced = self.messages.get(int(reference["message_id"]))
        if referenced is not None:
            referenced = {k: v for k, v in referenced.items() if k not in ("guild_id", "member")}
        return {**message, "referenced_message": referenced}

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
        if request.method == "POST" and path == "/users/@me/channels":
            return self._open_dm(body)
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
                    "shards": self.shards,
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
        if parts[0] == "channels" and len(parts) >= 2:
            answered = await self._channel_route(request, parts, body, now)
            if answered is not None:
                return answered
        if request.method == "POST" and len(parts) == 4 and parts[0] == "interactions" and parts[3] == "callback":
            return self._callback(request, int(parts[1]), parts[2], body, now)
        if parts[0] == "webhooks" and len(parts) >= 3 and int(parts[1]) == APP_ID:
            return self._webhook(request, parts[2], parts[3:], body, now)
        if request.method == "DELETE":
            return web.Response(status=204)
        return self._reject(request, 404, {"message": "404: Not Found", "code": 0}, body)

    async def _channel_route(
        self, request: web.Request, parts: list[str], body: dict[str, Any], now: float
    ) -> web.Response | None:
        """POST typing, a message, or a thread on a message; GET a channel, a page of its messages or one message.
        None: none of these."""
        channel_id = int(parts[1])
        channel = self.channels.get(channel_id)
        if request.method == "POST" and parts[2:] == ["typing"]:
            with self._lock:
                self.typing.append((channel_id, now))
            return web.Response(status=204)
        if request.method == "POST" and parts[2:] == ["messages"]:
            return await self._post_message(request, channel_id, body, now)
        if request.method == "GET" and len(parts) == 2:
            if channel is None:
                return self._reject(request, 404, {"message": "Unknown Channel", "code": 10003})
            return self._json(channel)
        if request.method == "PATCH" and len(parts) == 2:
            return await self._edit_thread(request, channel_id, body)
        if request.method == "GET" and len(parts) == 3 and parts[2] == "messages":
            return self._read_history(request, channel_id)
        if request.method == "GET" and len(parts) == 4 and parts[2] == "messages":
            if self._denied(channel_id, READ_MESSAGE_HISTORY):
                return self._reject(request, 403, MISSING_PERMISSIONS)
            message = self.messages.get(int(parts[3]))
            if message is None or int(message["channel_id"]) != channel_id or int(message["flags"]) & EPHEMERAL:
                return self._reject(request, 404, {"message": "Unknown Message", "code": 10008})
            return self._json(self._as_read(message))
        if request.method == "POST" and len(parts) == 5 and parts[2] == "messages" and parts[4] == "threads":
            return await self._start_thread(request, channel_id, int(parts[3]), body)
        return None

    async def _post_message(
        self, request: web.Request, channel_id: int, body: dict[str, Any], now: float
    ) -> web.Response:
        error = check_message(body)
        if error:
            return self._reject(request, 400, error, body)
        if channel_id not in self.channels:
            return self._reject(request, 404, {"message": "Unknown Channel", "code": 10003}, body)
        parent = self.channels[channel_id].get("parent_id")
        if parent and SEND_MESSAGES_IN_THREADS in self.denied.get(int(parent), set()):
            return self._reject(request, 403, MISSING_PERMISSIONS, body)
        if SEND_MESSAGES in self.denied.get(channel_id, set()):
            return self._reject(request, 403, MISSING_PERMISSIONS, body)
        if body.get("message_reference") and self._denied(channel_id, READ_MESSAGE_HISTORY):
            return self._reject(request, 400, CANNOT_REPLY, body)
        message = self._message(channel_id, body)
        reference = (body.get("message_reference") or {}).get("message_id")
        self._keep(message)
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
        await self._dispatch("MESSAGE_CREATE", message)  # the bot hears its own messages, as on Discord
        return self._json(message)

    def _read_history(self, request: web.Request, channel_id: int) -> web.Response:
        if channel_id not in self.channels:
            return self._reject(request, 404, {"message": "Unknown Channel", "code": 10003})
        limit = int(request.query.get("limit", "50"))
        if not 1 <= limit <= 100:
            return self._reject(request, 400, _invalid_form("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 100."))
        before = int(request.query["before"]) if "before" in request.query else None
        after = int(request.query["after"]) if "after" in request.query else None
        hidden = self._denied(channel_id, READ_MESSAGE_HISTORY)  # Discord then returns no messages
        with self._lock:
            ids = [
                m
                for m in ([] if hidden else self.history.get(channel_id, []))
                if (before is None or m < before) and (after is None or m > after)
            ]
            page = sorted(ids, reverse=True)[:limit]  # newest first, as Discord pages
            self.history_reads.append(HistoryRead(channel_id, limit, before, len(page), time.monotonic()))
            return self._json([self._as_read(self.messages[m]) for m in page])

    async def _start_thread(
        self, request: web.Request, channel_id: int, message_id: int, body: dict[str, Any]
    ) -> web.Response:
        """POST /channels/{channel}/messages/{message}/threads: a public thread with the message's id."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return self._reject(request, 404, {"message": "Unknown Channel", "code": 10003})
        if channel["type"] not in (0, 5):
            return self._reject(request, 400, {"message": "Cannot execute action on this channel type", "code": 50024})
        if CREATE_PUBLIC_THREADS in self.denied.get(channel_id, set()):
            return self._reject(request, 403, MISSING_PERMISSIONS)
        message = self.messages.get(message_id)
        if message is None or int(message["channel_id"]) != channel_id:
            return self._reject(request, 404, {"message": "Unknown Message", "code": 10008})
        if message_id in self.channels:
            return self._reject(
                request, 400, {"message": "A thread has already been created for this message", "code": 160004}
            )
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            return self._reject(
                request, 400, _invalid_form("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
        archive = int(body.get("auto_archive_duration") or 4320)
        if archive not in ARCHIVE_DURATIONS:
            return self._reject(
                request, 400, _invalid_form("auto_archive_duration", "BASE_TYPE_CHOICES", "Not a valid choice.")
            )
        thread = thread_payload(message_id, channel_id, name, BOT_ID, archive, guild_id=self.guild_of(channel_id))
        with self._lock:
            self.channels[message_id] = thread
            message["thread"] = thread
        starter = self._message(message_id, {"message_reference": {"message_id": message_id, "channel_id": channel_id}})
        starter.update(type=THREAD_STARTER_MESSAGE, author=message["author"])
        self._keep(starter)
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return self._json(thread)

    async def _edit_thread(self, request: web.Request, thread_id: int, body: dict[str, Any]) -> web.Response:
        """PATCH /channels/{thread}: its name and whether it is archived, which its creator may change (the bot has
        no Manage Threads: another's thread, or anything else, is refused); THREAD_UPDATE is dispatched."""
        thread = self.channels.get(thread_id)
        if thread is None:
            return self._reject(request, 404, {"message": "Unknown Channel", "code": 10003})
        if thread["type"] != PUBLIC_THREAD or int(thread["owner_id"]) != BOT_ID or set(body) - {"name", "archived"}:
            return self._reject(request, 403, MISSING_PERMISSIONS, body)
        if "name" in body and not 1 <= len(body["name"] or "") <= 100:
            return self._reject(
                request, 400, _invalid_form("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
        with self._lock:
            thread["name"] = body.get("name", thread["name"])
            thread["thread_metadata"]["archived"] = bool(body.get("archived", thread["thread_metadata"]["archived"]))
            self.edits.append((thread_id, dict(body)))
        await self._dispatch("THREAD_UPDATE", thread)
        return self._json(thread)

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
        allowed = _RESPONSES[interaction.kind] | ({6, 7} if interaction.from_component else set())
        if kind not in allowed:
            return self._reject(
                request, 400, _invalid_form("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Not allowed here.")
            )
        error = check_message(data) if kind == 4 else check_message(data, edit=True) if kind == 7 else None
        error = error or (check_modal(data) if kind == 9 else None)
        if error:
            return self._reject(request, 400, error, body)
        message = None
        if kind in (4, 5):
            message = self._message(interaction.channel_id, data)
            self._keep(message)
            interaction.original_id = int(message["id"])
            interaction.loading = kind == 5
            interaction.ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        elif kind == 7 and interaction.original_id is not None:
            message = self._edit(interaction.original_id, data)
        elif kind == 9:
            interaction.modal = data
        interaction.acked_at = now
        interaction.ack_type = kind
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

    def _edit(self, message_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """Apply an edit (content, embeds, components: the keys given) to a stored message."""
        with self._lock:
            message = self.messages[message_id]
            for key in ("content", "embeds", "components"):
                if key in data:
                    message[key] = data[key] or ([] if key != "content" else "")
            return message

    def _webhook(
        self, request: web.Request, token: str, rest: list[str], body: dict[str, Any], now: float
    ) -> web.Response:
        with self._lock:
            interaction = next((i for i in self.interactions.values() if i.token == token), None)
        if interaction is None or interaction.acked_at is None:
            return self._reject(request, 404, {"message": "Unknown Webhook", "code": 10015})
        if interaction.token_expired or now - interaction.dispatched_at > self.token_lifetime:
            return self._reject(request, 401, {"message": "Invalid Webhook Token", "code": 50027}, body)
        if request.method == "DELETE":
            return web.Response(status=204)
        if request.method == "POST" and self.refuse_followups > 0:
            self.refuse_followups -= 1
            return self._reject(request, 403, {"message": "Missing Access", "code": 50001}, body)
        editing = request.method == "PATCH" and len(rest) == 2 and rest[0] == "messages"
        error = check_message(body, edit=editing)
        if error:
            return self._reject(request, 400, error, body)
        if editing:
            target = interaction.original_id if rest[1] == "@original" else int(rest[1])
            if target is None or target not in self.messages:
                return self._reject(request, 404, {"message": "Unknown Message", "code": 10008})
            message = self._edit(target, body)
            kind = "edit"
        elif interaction.loading:  # the first follow-up after a deferral replaces the "thinking" message
            interaction.loading = False
            assert interaction.original_id is not None
            flags = EPHEMERAL if interaction.ephemeral else 0
            message = self._edit(interaction.original_id, {"content": "", "embeds": [], "components": [], **body})
            message["flags"] = flags
            kind = "followup"
        else:
            message = self._message(interaction.channel_id, body)
            self._keep(message)
            kind = "followup"
        with self._lock:
            self.sent.append(
                Sent(
                    kind,
                    now,
                    body,
                    channel_id=interaction.channel_id,
                    interaction_id=interaction.id,
                    message_id=int(message["id"]),
                )
            )
            dropped = request.method == "POST" and self.drop_followups > 0
            self.drop_followups -= dropped
        if dropped and request.transport is not None:  # posted, but the bot never hears so
            request.transport.close()
        return self._json(message)

    # --- gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        with self._lock:
            connection = Connection(self.gateway_connections, ws)
            self._connections.append(connection)
            self.gateway_connections += 1
            self.gateway_query = dict(request.query)
        await self._send({"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}}, connection)
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                self._heartbeat(connection, time.monotonic())
                await self._send({"op": 11}, connection)
            elif op in (2, 6):
                answer = self._identify if op == 2 else self._resume
                if not await answer(connection, data["d"]):
                    break
        with self._lock:
            self._connections.remove(connection)
        return ws

    def _heartbeat(self, connection: Connection, now: float) -> None:
        with self._lock:
            if connection.probe_sent_at is not None:  # the answer to a probe, not one of the client's own beats
                self.probe_latencies.append(now - connection.probe_sent_at)
                connection.probe_sent_at = None
                return
            connection.heartbeats.append(now)
            if connection is next(iter(self._connections), None):
                self.heartbeats.append(now)

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> bool:
        """Answer an IDENTIFY with READY and the shard's GUILD_CREATEs; False when the socket was closed instead."""
        with self._lock:
            self.identify = data
            self.identifies.append(data)
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return False
        shard_id, count = data.get("shard") or (0, 1)
        if not 0 <= shard_id < count:
            await connection.ws.close(code=4010, message=b"Invalid shard.")
            return False
        if count < self.shards:
            await connection.ws.close(code=4011, message=b"Sharding required.")
            return False
        if shard_id in self.held:
            await connection.ws.close(code=4000, message=b"Unknown error.")
            return False
        connection.shard = (shard_id, count)
        connection.session_id = f"fake-session-{shard_id}-{next(self._sessions)}"
        self._session_shards[connection.session_id] = connection.shard
        with self._lock:
            guilds = [g for g in self.guilds.values() if (g.id >> 22) % count == shard_id]
        await self._dispatch(
            "READY",
            {
                "v": 10,
                "user": BOT_USER,
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": connection.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, count],
                "application": {"id": str(APP_ID), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
            connection,
        )
        with self._lock:
            self.ready_at = self.ready[shard_id] = time.monotonic()
        for guild in guilds:
            with self._lock:
                threads = [
                    c for c in self.channels.values() if c["type"] == PUBLIC_THREAD and int(c["guild_id"]) == guild.id
                ]
            await self._dispatch("GUILD_CREATE", guild_payload(threads, guild), connection)
        return True

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> bool:
        """Answer a RESUME with RESUMED (events missed meanwhile are not replayed); an unknown session
        gets INVALID_SESSION, a held shard's is closed. False when the socket was closed."""
        shard = self._session_shards.get(str(data.get("session_id")))
        if data.get("token") != self.token or (shard is not None and shard[0] in self.held):
            await connection.ws.close(code=4000, message=b"Unknown error.")
            return False
        if shard is None:
            await self._send({"op": 9, "d": False}, connection)
            return True
        connection.shard, connection.session_id = shard, str(data["session_id"])
        await self._dispatch("RESUMED", {}, connection)
        with self._lock:
            self.ready[shard[0]] = time.monotonic()
        return True

    async def _send(self, payload: dict[str, Any], connection: Connection) -> None:
        assert self._send_lock is not None
        async with self._send_lock:
            if connection.open:
                await connection.ws.send_str(json.dumps(payload))

    def shard_of(self, guild_id: int | None, count: int | None = None) -> int:
        """The shard whose sessions get the events of ``guild_id`` (shard 0 for events of no guild)."""
        return 0 if guild_id is None else (guild_id >> 22) % (count or self.shards)

    async def _dispatch(self, event: str, data: dict[str, Any], connection: Connection | None = None) -> None:
        """Send an event to ``connection``, or to every session of the shard of the event's guild."""
        assert self._send_lock is not None
        guild = data.get("id") if event == "GUILD_CREATE" else data.get("guild_id")
        async with self._send_lock:
            if connection is not None:
                targets = [connection]
            else:
                targets = [
                    c
                    for c in list(self._connections)
                    if c.shard is not None and self.shard_of(int(guild) if guild else None, c.shard[1]) == c.shard[0]
                ]
            event_id = int(data["id"]) if event in ("MESSAGE_CREATE", "INTERACTION_CREATE") else None
            for target in targets:
                if not target.open:
                    continue
                target.seq += 1
                await target.ws.send_str(json.dumps({"op": 0, "t": event, "s": target.seq, "d": data}))
                if event_id is not None and target.shard is not None:
                    with self._lock:
                        self.routed.setdefault(event_id, []).append((target.shard[0], target.number))

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
        reply_to: int | None = None,
        ping: bool = True,
    ) -> int:
        """Push a MESSAGE_CREATE from a user; with ``mention_bot`` the content starts with the bot's mention.

        With ``reply_to``, the message is a reply to that message (type 19, with the message it refers to, as
        Discord sends it); ``ping`` (Discord's default for a reply) mentions that message's author, as Discord
        does: in the message's ``mentions``, not in its content.
        """
        author = user_payload(user_id, f"user{user_id % 1000}", bot=author_is_bot)
        if mention_bot:
            content = f"<@{BOT_ID}> {content}"
        reference = {"message_reference": {"message_id": reply_to, "channel_id": channel_id}} if reply_to else {}
        message = self._message(channel_id, {"content": content, **reference}, author=author)
        message["member"] = member_payload()
        message["mentions"] = [{**BOT_USER, "member": member_payload()}] if mention_bot else []
        replied = self.messages.get(reply_to or 0, {}).get("author")
        if ping and replied and all(m["id"] != replied["id"] for m in message["mentions"]):
            message["mentions"].append({**replied, "member": member_payload()})
        for mentioned in dict.fromkeys(int(i) for i in re.findall(r"<@!?([0-9]{15,20})>", content)):
            if mentioned != BOT_ID:  # the people the content mentions, as Discord resolves them
                message["mentions"].append(
                    {**user_payload(mentioned, f"user{mentioned % 1000}"), "member": member_payload()}
                )
        message["mention_everyone"] = "@everyone" in content
        message["mention_roles"] = [str(MOD_ROLE_ID)] if f"<@&{MOD_ROLE_ID}>" in content else []
        message_id = int(message["id"])
        self._keep(message)
        with self._lock:
            self.dispatched_messages[message_id] = time.monotonic()
            sent = self._as_read(message)  # a reply comes with the message it refers to
        self._run(self._dispatch("MESSAGE_CREATE", sent))
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
                self._keep(message)
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
        subcommand: str | None = None,
        permissions: int = ALL_PERMISSIONS,
        attachments: dict[str, tuple[str, bytes]] | None = None,
    ) -> int:
        """Push an INTERACTION_CREATE for slash command ``name`` (type 4, autocomplete, when ``focused``).

        Args:
            subcommand: The subcommand of group ``name`` (``/source add``): the options go under it.
            permissions: The member's permissions in the channel (default: all); e.g. ``MEMBER_PERMISSIONS``.
            attachments: Attachment options by name: (file name, bytes), served at a URL of the fake.
        """
        with self._lock:
            command = next(c for c in self.commands if c["name"] == name)
        declared = command.get("options", [])
        if subcommand is not None:
            declared = next(o for o in declared if o["name"] == subcommand).get("options", [])
        option_types = {o["name"]: o["type"] for o in declared}
        interaction_id = snowflake()
        token = f"itoken-{interaction_id}"
        kind = 4 if focused else 2
        data_options = [
            {"name": key, "type": option_types[key], "value": value, **({"focused": True} if key == focused else {})}
            for key, value in (options or {}).items()
        ]
        resolved: dict[str, Any] = {}
        for key, (filename, content) in (attachments or {}).items():
            attachment_id = str(snowflake())
            with self._lock:
                self.files[attachment_id] = content
            url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
            resolved.setdefault("attachments", {})[attachment_id] = {
                "id": attachment_id,
                "filename": filename,
                "size": len(content),
                "url": url,
                "proxy_url": url,
                "content_type": "text/plain; charset=utf-8",
            }
            data_options.append({"name": key, "type": option_types[key], "value": attachment_id})
        if subcommand is not None:
            data_options = [{"name": subcommand, "type": 1, "options": data_options}]
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": data_options, "guild_id": None}
        if resolved:
            data["resolved"] = resolved
        interaction = Interaction(
            interaction_id,
            token,
            name,
            time.monotonic(),
            kind,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
        )
        return self._interact(interaction, data)

    def _interact(self, interaction: Interaction, data: dict[str, Any], message: dict[str, Any] | None = None) -> int:
        """Push an INTERACTION_CREATE (with the message clicked, for a click or its dialog)."""
        channel = self.channels.get(interaction.channel_id) or channel_payload(interaction.channel_id, "general", 0)
        guild_id = self.guild_of(interaction.channel_id)
        payload: dict[str, Any] = {
            "id": str(interaction.id),
            "application_id": str(APP_ID),
            "type": interaction.kind,
            "token": interaction.token,
            "version": 1,
            "guild_id": str(guild_id),
            "channel_id": str(interaction.channel_id),
            "channel": channel,
            "member": {
                **member_payload(user_payload(interaction.user_id, f"user{interaction.user_id % 1000}")),
                "permissions": str(interaction.permissions),
            },
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": "2251799813685247",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 8388608,
        }
        if message is not None:
            payload["message"] = message
        interaction.data = data
        with self._lock:
            self.interactions[interaction.id] = interaction
        self._run(self._dispatch("INTERACTION_CREATE", payload))
        return interaction.id

    def click(self, message_id: int, custom_id: str, *, user_id: int = 700000000000000007) -> int:
        """Push a button click (INTERACTION_CREATE type 3) on one of the bot's messages; returns its id.

        Raises:
            AssertionError: the message has no button with that custom_id (a test's mistake).
        """
        with self._lock:
            message = json.loads(json.dumps(self.messages[message_id]))
        buttons = [b.get("custom_id") for row in message.get("components") or [] for b in row.get("components", [])]
        assert custom_id in buttons, f"message {message_id} has no button {custom_id!r}: {buttons}"
        interaction_id = snowflake()
        interaction = Interaction(
            interaction_id,
            f"itoken-{interaction_id}",
            custom_id,
            time.monotonic(),
            3,
            original_id=message_id,
            channel_id=int(message["channel_id"]),
            user_id=user_id,
            from_component=True,
        )
        return self._interact(interaction, {"custom_id": custom_id, "component_type": 2}, message)

    def submit_modal(self, interaction_id: int, values: dict[str, str]) -> int:
        """Push the submission (INTERACTION_CREATE type 5) of the dialog the bot answered ``interaction_id`` with.

        Args:
            interaction_id: The interaction answered with a dialog (response type 9).
            values: Each field's custom_id and what the person typed; fields left out are left blank.
        """
        opened = self.interactions[interaction_id]
        assert opened.modal is not None, f"interaction {interaction_id} was not answered with a dialog"
        fields = {f["custom_id"]: values.get(f["custom_id"], "") for f in modal_fields(opened.modal)}
        components = [
            {"type": 18, "component": {"type": 4, "custom_id": key, "value": value}}
            if outer.get("type") == 18
            else {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for outer, (key, value) in zip(opened.modal["components"], fields.items(), strict=True)
        ]
        new_id = snowflake()
        custom_id = opened.modal["custom_id"]
        submitted = Interaction(
            new_id,
            f"itoken-{new_id}",
            custom_id,
            time.monotonic(),
            5,
            original_id=opened.original_id if opened.from_component else None,
            channel_id=opened.channel_id,
            user_id=opened.user_id,
            from_component=opened.from_component,
        )
        with self._lock:
            message = self.messages.get(opened.original_id or 0) if opened.from_component else None
            message = json.loads(json.dumps(message)) if message is not None else None
        return self._interact(submitted, {"custom_id": custom_id, "components": components}, message)

    def add_channel(self, name: str) -> int:
        """A new text channel in the guild (CHANNEL_CREATE is pushed), for a test that configures one of its own."""
        channel_id = snowflake()
        channel = channel_payload(channel_id, name, len(self.channels))
        with self._lock:
            self.channels[channel_id] = channel
        self._run(self._dispatch("CHANNEL_CREATE", channel))
        return channel_id

    def deny(self, channel_id: int, *permissions: str) -> None:
        """Take ``permissions`` (:data:`SEND_MESSAGES`, :data:`CREATE_PUBLIC_THREADS`, :data:`SEND_MESSAGES_IN_THREADS`,
        :data:`READ_MESSAGE_HISTORY`) away from the bot in a channel, as a server's channel overwrites would."""
        with self._lock:
            self.denied.setdefault(channel_id, set()).update(permissions)

    def _denied(self, channel_id: int, permission: str) -> bool:
        """Whether ``permission`` was taken away in the channel, or in the channel a thread is in."""
        channel = self.channels.get(channel_id) or {}
        places = {channel_id, int(channel.get("parent_id") or 0)}
        with self._lock:
            return any(permission in self.denied.get(place, set()) for place in places)

    def dm_channel_of(self, user_id: int) -> int | None:
        """The direct-message channel the bot opened with a user, if any (usable inside :meth:`wait_until`)."""
        channels = list(self.channels.values())
        return next((int(c["id"]) for c in channels if c["type"] == DM_CHANNEL and c["recipient"] == user_id), None)

    def start_thread(self, parent_id: int, name: str, *, user_id: int = 700000000000000007) -> int:
        """A thread a person started in ``parent_id`` (not on a message); THREAD_CREATE is pushed."""
        thread_id = snowflake()
        thread = thread_payload(thread_id, parent_id, name, user_id, guild_id=self.guild_of(parent_id))
        with self._lock:
            self.channels[thread_id] = thread
        self._run(self._dispatch("THREAD_CREATE", {**thread, "newly_created": True}))
        return thread_id

    def add_history(
        self, channel_id: int, messages: list[tuple[str, int | None]], *, components: list[dict[str, Any]] | None = None
    ) -> list[int]:
        """Messages already in a channel, which the bot never heard (content, author id; None: the bot),
        each with ``components`` (rows of buttons) when given."""
        ids = []
        for content, user_id in messages:
            author = BOT_USER if user_id is None else user_payload(user_id, f"user{user_id % 1000}")
            message = self._message(channel_id, {"content": content, "components": components}, author=author)
            self._keep(message)
            ids.append(int(message["id"]))
        return ids

    def probe(self) -> None:
        """Ask the first connection for an immediate heartbeat (op 1); its delay lands in ``probe_latencies``."""

        async def go() -> None:
            connection = next((c for c in self._connections if c.open), None)
            if connection is not None:
                connection.probe_sent_at = time.monotonic()
                await self._send({"op": 1, "d": connection.seq}, connection)

        self._run(go())

    # --- guilds and shards ------------------------------------------------------------------------

    def guild_of(self, channel_id: int) -> int:
        """The guild a channel or thread is in (the first guild for a channel the fake does not know, and for a
        direct-message channel, which has none: its messages go out on the first guild's shard)."""
        channel = self.channels.get(channel_id)
        return int(channel.get("guild_id", GUILD_ID)) if channel is not None else GUILD_ID

    def add_guild(self) -> Guild:
        """Another guild with its two channels, on the next shard after the last guild's (ids are
        ``GUILD_ID + n << 22``). A session already READY does not hear of it: add guilds before connecting."""
        with self._lock:
            guild_id = GUILD_ID + (len(self.guilds) << 22)
            guild = Guild(guild_id, snowflake(), snowflake())
            self.guilds[guild_id] = guild
            self.channels[guild.general_id] = channel_payload(guild.general_id, "general", 0, guild_id=guild_id)
            self.channels[guild.ask_id] = channel_payload(guild.ask_id, "ask", 1, guild_id=guild_id)
        return guild

    def sessions(self) -> list[tuple[int, int]]:
        """The open sessions: (shard id, connection number) of every identified or resumed connection.

        Takes no lock, so a :meth:`wait_until` condition may call it.
        """
        return [(c.shard[0], c.number) for c in list(self._connections) if c.open and c.shard is not None]

    def drop_shard(self, shard_id: int) -> None:
        """Close every session of a shard (code 4000: the client tries to resume) and refuse it until released."""

        async def go() -> None:
            self.held.add(shard_id)
            for connection in list(self._connections):
                if connection.shard is not None and connection.shard[0] == shard_id and connection.open:
                    await connection.ws.close(code=4000, message=b"Unknown error.")

        self._run(go())

    def expire_token(self, interaction_id: int) -> None:
        """End an interaction's token now, as ``token_lifetime`` after the command would: its follow-ups and
        edits are refused from here on (401 Invalid Webhook Token)."""
        with self._lock:
            self.interactions[interaction_id].token_expired = True

    def release_shard(self, shard_id: int) -> None:
        """Let a dropped shard's sessions connect again."""
        self.held.discard(shard_id)

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

    def wait_for_thread(self, message_id: int, timeout: float = 15.0) -> dict[str, Any]:
        """The thread the bot started on a message, once it exists (its id is the message's)."""
        return self.wait_until(lambda: self.channels.get(message_id), timeout, f"a thread on {message_id}")

    def _posted_in(self, channel_id: int) -> list[Sent]:  # call under the lock
        return [s for s in self.sent if s.channel_id == channel_id and s.kind in ("message", "followup")]

    def messages_in(self, channel_id: int) -> list[Sent]:
        """What the bot posted in a channel or thread (messages and interaction follow-ups), in order."""
        with self._lock:
            return self._posted_in(channel_id)

    def wait_for_message_in(self, channel_id: int, count: int = 1, timeout: float = 15.0) -> Sent:
        """The ``count``-th message the bot posted in a channel or thread, once it arrives."""
        posted = self.wait_until(
            lambda: (found := self._posted_in(channel_id))[count - 1 :] and found,
            timeout,
            f"{count} message(s) in {channel_id}",
        )
        return posted[count - 1]

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

"""What the chat admins' commands do, for every front end: sources, the report, channel config.

Discord's ``/source``, ``/report`` and ``/config`` (bot/discord/cogs/admin.py) and Slack's
``/citebot`` (bot/slack/admin.py) check who is asking, then call :class:`Admin`; each
method returns what to say, one short text, and never raises for a known failure (its
sentence, naming a fix that can be done from chat, is said instead: bot/core/refusals.py). The sources library
(:mod:`bot.core.library`) blocks, so it runs in a thread, one change at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from bot.core import wording
from bot.core.channels import ChannelRule, rule_of
from bot.core.refusals import chat_reason
from bot.core.report import Report, build_report, parse_since
from bot.db.schema import ChannelMode
from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.core.library import SourceInfo
    from bot.core.report import Embed
    from bot.core.settings import Settings
    from bot.db import Database

log = logging.getLogger(__name__)

__all__ = ["Admin", "Done", "Library", "Tell", "Waiting", "is_web_address", "parse_mode", "tell_change"]

# What admins type for a mode (``/config mode:``, ``/citebot config every``); "default" forgets the row.
MODES = {"off": ChannelMode.OFF, "mention": ChannelMode.MENTION, "every": ChannelMode.EVERY_MESSAGE}
DEFAULT = "default"
SOURCES = "the sources list"  # how a refusal names the list, unless the front end names its command


# Told once, before a change that must wait for another to end (this process's, or another process's build): a
# front end whose reply expires (Discord's interaction token, 15 minutes; Slack's response_url, 30) says it is queued.
Waiting = Callable[[], Awaitable[None]]
# One way to tell a source change's outcome, given it and ``unsure``: whether an earlier way may have told it
# already (its text then says it may be a repeat: wording.change_told_late). Raises when it did not tell it.
Tell = Callable[["Done", bool], Awaitable[None]]


async def tell_change(
    change: Callable[[Waiting], Awaitable[Done]],
    *,
    queued: Waiting,
    ways: Sequence[Tell],
    status: Callable[[BaseException], int | None],
) -> Done:
    """Make a source change asked for in chat (``change``, given the :data:`Waiting` to tell) and tell its
    outcome however long it waited behind another change or a build.

    ``queued`` says at once that the change must wait (a failure is logged; the change goes on). The outcome
    is told the first of ``ways`` that works: the command's answer (Discord's follow-up within its 15 minutes,
    Slack's response_url within its 30), then each front end's late ways. One rule for a way that fails, on every
    front end (``status``: the HTTP status the platform answered with, None for no answer). A definite refusal, a
    status below 500 (an expired token or response_url, a 4xx, Slack's ``ok: false``), told nobody: the next way
    tells it as usual. Any other failure (a 5xx, a timeout, a connection dropped once the request was sent, a
    fault of the bot's own) may have told it all the same: the next way still tells it, since losing the outcome
    is worse than telling it twice, but says that it may repeat. No way left: it is logged (the change is made).
    """

    async def say_queued() -> None:
        try:
            await queued()
        except Exception as error:  # the change goes on; its outcome is told below
            log.warning("Could not say that a source change is queued: %s", _what(error))

    done = await change(say_queued)
    unsure = False
    for way in ways:
        try:
            await way(done, unsure)
            return done
        except Exception as error:
            refused = (answered := status(error)) is not None and answered < 500  # else it may have been told
            unsure = unsure or not refused
            kind, level = ("refused", logging.INFO) if refused else ("perhaps not told", logging.WARNING)
            log.log(level, "A source change's outcome was %s (%s)", kind, _what(error))
    log.warning("Could not tell the outcome of a source change: it was made all the same")
    return done


def _what(error: BaseException) -> str:
    """An error for a log line: its type, and the status or Slack's reason when it carries one."""
    status, code = getattr(error, "status", None), getattr(error, "code", None)  # Discord's code, with its status
    data = getattr(getattr(error, "response", None), "data", None)  # a SlackApiError's answer
    reason = data.get("error") if isinstance(data, dict) else getattr(error, "reason", None)
    detail = " ".join(str(part) for part in (status, code, reason) if part)
    return f"{type(error).__name__} ({detail})" if detail else type(error).__name__


class Library(Protocol):
    """The sources library's interface (:mod:`bot.core.library`, or a fake in tests)."""

    def add_sources(
        self, settings: Settings, items: Sequence[str], *, say: Callable[[str], None] | None = None
    ) -> list[SourceInfo]: ...

    def remove_source(
        self, settings: Settings, name: str, *, say: Callable[[str], None] | None = None
    ) -> SourceInfo: ...

    def list_sources(self, settings: Settings) -> list[SourceInfo]: ...


@dataclass(frozen=True)
class Done:
    """An admin command's outcome: what to say, and whether anything changed."""

    text: str
    changed: bool = False


def is_web_address(item: str) -> bool:
    """Whether ``item`` is an http:// or https:// URL with a host (not a path, nor ``file://``)."""
    try:
        parts = urlsplit(item.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def parse_mode(text: str) -> ChannelMode | None:
    """``off``, ``mention`` or ``every`` as a mode; None for ``default`` (forget the channel's row).

    Raises:
        ValueError: anything else.
    """
    key = text.strip().lower()
    if key == DEFAULT:
        return None
    if key not in MODES:
        raise ValueError(key)
    return MODES[key]


def _library() -> Library:
    from bot.core import library

    return library  # type: ignore[return-value]  # a module satisfies the Protocol


class Admin:
    """The admins' commands over the sources library and the database.

    Args:
        settings: The project's settings (the library reads SEEDS_DIR, INDEX_DIR...).
        db: The project's database (the report's log, the channel configuration); None without one.
        embed: Texts to vectors with the project's embedder, blocking (the report's grouping).
        library: The sources library. Defaults to :mod:`bot.core.library`.
        reload: Swaps the new index into the running bot (the reloader's ``check``), awaited after each change
            before it is said to be done: "new questions use it now" holds from that moment, without waiting for
            the reloader's next poll. None: the poll alone (the bot may be told later, with :attr:`reload`).
    """

    def __init__(
        self,
        settings: Settings,
        db: Database | None,
        embed: Embed,
        library: Library | None = None,
        reload: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.embed = embed
        self.library = library or _library()
        self.reload = reload
        self._changing = asyncio.Lock()  # one add or remove at a time in this process (the library locks across them)

    async def sources(self) -> list[SourceInfo]:
        """What the index holds now (raises the library's CitebotError, e.g. no index yet)."""
        return await asyncio.to_thread(self.library.list_sources, self.settings)

    async def add(self, urls: Sequence[str], *, sources: str = SOURCES, waiting: Waiting | None = None) -> Done:
        """Fetch http(s) URLs and update the index (``sources``: how chat lists them here, for a refusal;
        ``waiting``: awaited first when the change must wait for another, see :data:`Waiting`).

        Anything else is refused before the library sees it: the library also reads local paths (for
        ``python -m bot add``), and chat must never make the bot read a file of its own machine.
        """
        for url in urls:
            if not is_web_address(url):
                log.info("Adding a source was refused: not a web address")
                return Done(wording.not_a_web_address(url))
        return await self._add(list(urls), sources, waiting)

    async def add_file(self, path: Path, *, sources: str = SOURCES, waiting: Waiting | None = None) -> Done:
        """Add a file a chat admin uploaded (saved by the front end at ``path``, in a folder of its own)."""
        return await self._add([str(path)], sources, waiting, shown=(str(path), path.name))

    async def _add(
        self, items: list[str], sources: str, waiting: Waiting | None, shown: tuple[str, str] | None = None
    ) -> Done:
        try:
            async with self._turn(waiting):
                infos = await asyncio.to_thread(self.library.add_sources, self.settings, items)
        except CitebotError as error:
            log.info("Adding a source was refused: %s", type(error).__name__)
            reason = chat_reason(error, sources)
            reason = reason if shown is None else reason.replace(*shown)  # the upload's name, not its path
            return Done(wording.admin_failed(reason))
        log.info("Added %d source(s) from chat", len(infos))
        await self._reloaded()
        return Done(wording.added([info.title for info in infos]), changed=True)

    async def remove(self, name: str, *, sources: str = SOURCES, waiting: Waiting | None = None) -> Done:
        """Remove a source ``add`` wrote, and update the index (``sources``: how chat lists them here;
        ``waiting``: as for :meth:`add`)."""
        try:
            async with self._turn(waiting):
                info = await asyncio.to_thread(self.library.remove_source, self.settings, name)
        except CitebotError as error:
            log.info("Removing a source was refused: %s", type(error).__name__)
            return Done(wording.admin_failed(chat_reason(error, sources)))
        log.info("Removed a source from chat")
        await self._reloaded()
        return Done(wording.removed(info.title), changed=True)

    @contextlib.asynccontextmanager
    async def _turn(self, waiting: Waiting | None) -> AsyncIterator[None]:
        """This process's turn to change the sources, ``waiting`` told first when another change is under way
        (here, or another process's build: the library then waits for its lock). A build that starts between
        the look and the library's lock goes unannounced; the change still waits for it and ends as usual."""
        if waiting is not None and (self._changing.locked() or await asyncio.to_thread(self._building)):
            await waiting()
        async with self._changing:
            yield

    def _building(self) -> bool:
        from index.store import build_running

        return build_running(self.settings.index_dir)

    async def _reloaded(self) -> None:
        """The running bot answers from the index just written (the reloader logs what it cannot open)."""
        if self.reload is not None:
            try:
                await self.reload()
            except Exception:  # the change is made; the reloader's poll tries again
                log.exception("Swapping in the index after a change from chat failed")

    async def report(self, since: str, now: datetime, platform: str, guild: str) -> Report | Done:
        """The report since ``now - since`` (``7d``...) of what was asked in one Discord server or Slack
        workspace (its admins see nothing of another's), or what was wrong with ``since``."""
        try:
            start = now - parse_since(since)
        except CitebotError as error:
            return Done(str(error))
        if self.db is None:
            return Done(wording.admin_failed("there is no database"))
        from bot.db.reports import Scope

        return await build_report(self.db, start, self.embed, Scope(platform, guild))

    async def configure(
        self, platform: str, guild: str | None, channel: str, default: ChannelRule, **change: Any
    ) -> Done:
        """Show or change a channel's behaviour.

        Args:
            platform: ``discord`` or ``slack``.
            guild: The guild or team.
            channel: The channel (a thread's parent, on Discord).
            default: The channel's behaviour when no admin set one.
            **change: ``mode`` (``off``, ``mention``, ``every`` or ``default``) and ``private`` (a bool),
                each None or absent to keep; neither given shows the configuration.
        """
        if self.db is None:
            return Done(wording.admin_failed("there is no database"))
        configs = self.db.channels
        row = await configs.get(platform, guild, channel)
        current = default if row is None else rule_of(row)
        mode_text, private = change.get("mode"), change.get("private")
        if mode_text is None and private is None:
            return Done(wording.channel_config(current.mode.value, current.private, configured=row is not None))
        try:
            mode = current.mode if mode_text is None else parse_mode(mode_text)
        except ValueError:
            return Done(wording.CONFIG_HOW)
        if mode is None and private is None:
            await configs.reset(platform, guild, channel)
            return Done(wording.channel_config(default.mode.value, default.private, configured=False), changed=True)
        mode = mode or default.mode
        private = current.private if private is None else bool(private)
        await configs.set(platform, guild, channel, mode=mode, private=private)
        log.info("Channel %s configured: %s, private=%s", channel, mode.value, private)
        return Done(wording.channel_config(mode.value, private, configured=True), changed=True)

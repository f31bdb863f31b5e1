"""``/citebot``: the sources list for everyone; sources, the report and channel config for admins.

Subcommands (the text after ``/citebot``):

- ``sources``: what the bot answers from, each with its link and when it was added (anyone);
- ``sources add URL...``, ``sources remove NAME``, ``report [7d]``,
  ``config [off|mention|every|default] [private|public]``: workspace admins and owners
  (``users.info``), or members of ``ADMIN_USER_GROUP`` (``usergroups.users.list``). Anyone
  else gets a polite refusal and nothing changes.

Every answer is ephemeral; the report is Block Kit (:mod:`bot.slack.report`), the rest one mrkdwn text.
The listener acks first; the work is :class:`bot.core.admin.Admin`'s.

A source change that must wait behind another (or a build) says so at once, and its outcome reaches the
admin however long it waited: through the command's ``response_url`` while Slack takes it (30 minutes),
then by direct message, or ephemerally in the command's channel where the direct message cannot be sent
(:func:`_change`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.core import wording
from bot.core.admin import tell_change
from bot.core.channels import default_rule
from bot.core.refusals import chat_reason
from bot.core.report import Report
from bot.slack.guard import guarded
from bot.slack.report import format_report_slack
from bot.slack.respond import ResponseUrlRefused, checked
from bot.slack.text import clean_slack_text, cut_mrkdwn, escape_mrkdwn, link_target
from index.errors import CitebotError

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.admin import Admin, Done, Tell, Waiting
    from bot.core.library import SourceInfo

log = logging.getLogger(__name__)

Said = str | tuple[str, list[dict[str, Any]]]  # an answer's mrkdwn text, or its fallback text and its blocks

__all__ = ["SlackAdmins", "answered", "listen_to_admin", "source_lines_slack"]

MAX_TEXT = 3000  # characters of an ephemeral response's text shown in full
LIST = "`/citebot sources`"  # what a refusal names for the list of sources (bot/core/refusals.py)
_LINK = re.compile(r"<(https?://[^|<>]+)(?:\|[^<>]*)?>")


class SlackAdmins:
    """Decides who may use the admins' subcommands.

    Args:
        client: The Web API client (``users:read`` and, with a group, ``usergroups:read``).
        group: ``ADMIN_USER_GROUP``: a user group id (``S...``) whose members are admins too; None for none.
    """

    def __init__(self, client: AsyncWebClient, group: str | None) -> None:
        self.client = client
        self.group = group

    async def allowed(self, user: str) -> bool:
        """A workspace admin or owner, or a member of the admin group; False when Slack cannot say."""
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
            if info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"):
                return True
            if self.group:
                members = (await self.client.usergroups_users_list(usergroup=self.group)).get("users") or []
                return user in members
        except Exception as error:  # refusing is the safe answer when Slack cannot say who this is
            log.warning("Could not check whether a Slack user is an admin: %s", type(error).__name__)
        return False


def source_lines_slack(listed: list[SourceInfo]) -> str:
    """The sources as mrkdwn lines: the title, its link, and when it was added."""
    if not listed:
        return wording.SOURCES_EMPTY
    lines = [
        "• "
        + wording.source_line(escape_mrkdwn(i.title), i.url and f"<{link_target(i.url)}>", i.added)
        + f" (`{i.name}`)"
        for i in listed
    ]
    return f"*{wording.SOURCES_TITLE}*\n" + "\n".join(lines)


def _cut(text: str) -> str:
    """Escaped ``text`` within MAX_TEXT characters, cut between two escapes or links, never inside one."""
    return cut_mrkdwn(text, MAX_TEXT)


@dataclass(frozen=True)
class _Change:
    """A source change to make (``make``, told whom to tell when it must wait), and the command that asked."""

    command: str  # as typed: "/citebot sources add"
    make: Callable[[Waiting], Awaitable[Done]]


class _Citebot:
    """The ``/citebot`` subcommands, each returning the text to answer with."""

    def __init__(self, admin: Admin, admins: SlackAdmins, ask_channels: frozenset[str]) -> None:
        self.admin = admin
        self.admins = admins
        self.ask_channels = ask_channels

    async def run(self, command: dict[str, Any]) -> Said | _Change:
        # A link Slack escaped (<https://x|x>) keeps its target, not its label; then the rest is unwrapped.
        words = clean_slack_text(_LINK.sub(r"\1", command.get("text") or "")).split()
        if not words or words[0].lower() == "help":
            return wording.SLACK_HELP
        verb, rest = words[0].lower(), words[1:]
        if verb == "sources" and not rest:
            return await self.sources()
        if verb not in ("sources", "report", "config"):
            return wording.unknown_subcommand(" ".join(words))
        if not await self.admins.allowed(command.get("user_id") or ""):
            log.info("Refused /citebot %s to a non-admin", verb)
            return wording.SLACK_ADMINS_ONLY
        if verb == "report":
            return await self.report(rest[0] if rest else "7d", command.get("team_id") or "")
        if verb == "config":
            return await self.config(command, rest)
        return self.change_sources(rest)

    async def sources(self) -> str:
        try:
            return source_lines_slack(await self.admin.sources())
        except Exception as error:
            log.warning("Could not list the sources: %s", type(error).__name__)
            reason = chat_reason(error, LIST) if isinstance(error, CitebotError) else str(error)
            return escape_mrkdwn(wording.admin_failed(reason))

    def change_sources(self, rest: list[str]) -> _Change | str:
        action, items = (rest[0].lower(), rest[1:]) if rest else ("", [])
        if action == "add" and items:
            return _Change("/citebot sources add", lambda waiting: self.admin.add(items, sources=LIST, waiting=waiting))
        if action == "remove" and items:
            name = " ".join(items)
            return _Change(
                "/citebot sources remove", lambda waiting: self.admin.remove(name, sources=LIST, waiting=waiting)
            )
        return wording.SLACK_USAGE

    async def report(self, since: str, team: str) -> Said:
        result = await self.admin.report(since, datetime.now(UTC), "slack", team)
        if isinstance(result, Report):
            return format_report_slack(result)
        return escape_mrkdwn(result.text)

    async def config(self, command: dict[str, Any], rest: list[str]) -> str:
        channel = command.get("channel_id")
        if not channel:
            return wording.NO_CHANNEL
        change: dict[str, Any] = {}
        for word in (w.lower() for w in rest):
            if word in ("private", "public"):
                change["private"] = word == "private"
            else:
                change["mode"] = word
        default = default_rule(every_message=channel in self.ask_channels)
        done = await self.admin.configure("slack", command.get("team_id"), channel, default, **change)
        return done.text


def listen_to_admin(app: AsyncApp, admin: Admin, admins: SlackAdmins, ask_channels: frozenset[str]) -> None:
    """Register ``/citebot`` on the app."""
    citebot = _Citebot(admin, admins, ask_channels)

    @app.command("/citebot")
    @guarded
    async def on_citebot(ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        """/citebot sources | sources add URL | sources remove NAME | report [7d] | config [...]"""
        await ack()
        said = await citebot.run(command)
        if isinstance(said, _Change):
            await _change(said, command, checked(respond), client)
            return
        if isinstance(said, tuple):
            text, blocks = said
            await respond(text=_cut(text), blocks=blocks, response_type="ephemeral")
            return
        await respond(text=_cut(said), response_type="ephemeral")


def answered(error: BaseException) -> int | None:
    """The HTTP status Slack answered a failed post with (below 500: refused, nothing was posted; a Web API
    ``ok: false`` comes with 200); None when it did not answer (a timeout, a dropped connection)."""
    from slack_sdk.errors import SlackApiError

    if isinstance(error, ResponseUrlRefused):
        return error.status
    return error.response.status_code if isinstance(error, SlackApiError) else None


async def _change(change: _Change, command: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
    """Make a source change and tell the admin how it went, however long it waited
    (:func:`bot.core.admin.tell_change`, which holds the rule for a way that fails): said to be queued at once
    when it must wait; its outcome at the command's ``response_url`` (``respond``, raising when refused) while
    Slack takes it, else by direct message, else ephemerally in the command's channel.

    A direct message is kept, and seen whenever the admin next looks; an ephemeral message is seen only by a
    Slack open on that channel at that moment, and is gone on reload: it is the way left where the direct
    message cannot be sent (an install made before the ``im:write`` scope: ``missing_scope``). Never in the
    channel for all to see, never naming anyone else. No post here hangs: slack_sdk bounds each at 30 s (its
    clients' default timeout), a dropped connection tried once more.
    """
    user, channel = str(command.get("user_id") or ""), command.get("channel_id")

    async def queued() -> None:
        await respond(text=wording.SLACK_CHANGE_QUEUED, response_type="ephemeral")

    async def at_command(done: Done, unsure: bool) -> None:  # the first way: nothing told before it
        await respond(text=_cut(escape_mrkdwn(done.text)), response_type="ephemeral")

    def late_text(done: Done, unsure: bool) -> str:
        return _cut(wording.change_told_late(None, change.command, escape_mrkdwn(done.text), unsure=unsure))

    async def by_direct_message(done: Done, unsure: bool) -> None:
        opened = await client.conversations_open(users=user)
        await client.chat_postMessage(
            channel=opened["channel"]["id"], text=late_text(done, unsure), unfurl_links=False, unfurl_media=False
        )

    async def ephemeral(done: Done, unsure: bool) -> None:
        await client.chat_postEphemeral(channel=channel, user=user, text=late_text(done, unsure))

    ways: list[Tell] = [at_command, by_direct_message, *([ephemeral] if channel else [])]
    await tell_change(change.make, queued=queued, ways=ways, status=answered)

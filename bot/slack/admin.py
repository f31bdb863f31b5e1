"""``/citebot``: the sources list for everyone; sources, the report and channel config for admins.

Subcommands (the text after ``/citebot``):

- ``sources``: what the bot answers from, each with its link and when it was added (anyone);
- ``sources add URL...``, ``sources remove NAME``, ``report [7d]``,
  ``config [off|mention|every|default] [private|public]``: workspace admins and owners
  (``users.info``), or members of ``ADMIN_USER_GROUP`` (``usergroups.users.list``). Anyone
  else gets a polite refusal and nothing changes.

Every answer is ephemeral; the report is Block Kit (:mod:`bot.slack.report`), the rest one mrkdwn text.
The listener acks first; the work is :class:`bot.core.admin.Admin`'s.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.core import wording
from bot.core.channels import default_rule
from bot.core.refusals import chat_reason
from bot.core.report import Report
from bot.slack.guard import guarded
from bot.slack.report import format_report_slack
from bot.slack.text import clean_slack_text, cut_mrkdwn, escape_mrkdwn, link_target
from index.errors import CitebotError

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.admin import Admin
    from bot.core.library import SourceInfo

log = logging.getLogger(__name__)

Said = str | tuple[str, list[dict[str, Any]]]  # an answer's mrkdwn text, or its fallback text and its blocks

__all__ = ["SlackAdmins", "listen_to_admin", "source_lines_slack"]

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


class _Citebot:
    """The ``/citebot`` subcommands, each returning the text to answer with."""

    def __init__(self, admin: Admin, admins: SlackAdmins, ask_channels: frozenset[str]) -> None:
        self.admin = admin
        self.admins = admins
        self.ask_channels = ask_channels

    async def run(self, command: dict[str, Any]) -> Said:
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
        return await self.change_sources(rest)

    async def sources(self) -> str:
        try:
            return source_lines_slack(await self.admin.sources())
        except Exception as error:
            log.warning("Could not list the sources: %s", type(error).__name__)
            reason = chat_reason(error, LIST) if isinstance(error, CitebotError) else str(error)
            return escape_mrkdwn(wording.admin_failed(reason))

    async def change_sources(self, rest: list[str]) -> str:
        action, items = (rest[0].lower(), rest[1:]) if rest else ("", [])
        if action == "add" and items:
            return escape_mrkdwn((await self.admin.add(items, sources=LIST)).text)
        if action == "remove" and items:
            return escape_mrkdwn((await self.admin.remove(" ".join(items), sources=LIST)).text)
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
    async def on_citebot(ack: Any, command: dict[str, Any], respond: Any) -> None:
        """/citebot sources | sources add URL | sources remove NAME | report [7d] | config [...]"""
        await ack()
        said = await citebot.run(command)
        if isinstance(said, tuple):
            text, blocks = said
            await respond(text=_cut(text), blocks=blocks, response_type="ephemeral")
            return
        await respond(text=_cut(said), response_type="ephemeral")

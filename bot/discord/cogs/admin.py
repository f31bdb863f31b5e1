"""The server managers' commands: ``/source add|remove``, ``/report`` and ``/config``.

Discord lets a server restrict a top-level command only, so the managers' source commands
are the ``/source`` group, beside the public ``/sources`` list (bot/discord/cogs/meta.py).
Each command is hidden from members by ``default_permissions(manage_guild=True)``, which a
server can override, so the permission is checked again when it runs (:func:`can_manage`):
anyone without Manage Server gets a polite private refusal, and nothing changes. The work
itself is :class:`bot.core.admin.Admin`'s; every answer here is private to the manager, but one:
a source change that waited behind another longer than the interaction's token lasts (15 minutes)
is told as a message in the channel, naming the manager without pinging them, or by direct message where
the bot may not post there (bot/discord/late.py).

The sources are one library shared by every server the bot is in, so ``/source`` also asks
whether this server may change them (``SOURCE_GUILDS``, :func:`sources_refusal`); ``/report``
and ``/config`` concern the manager's own server alone.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import wording
from bot.core.channels import default_rule
from bot.core.report import Report, report_text
from bot.discord.cogs import tell_privately
from bot.discord.late import tell_done, tell_outcome
from bot.discord.text import MAX_CONTENT, escape_user_text

if TYPE_CHECKING:
    from bot.core.admin import Admin
    from bot.discord.client import CiteBot

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # discord.py's save reads it whole into memory; a 100-page PDF is about 5 MB
MANAGERS = discord.Permissions(manage_guild=True)
LIST = "/sources"  # what a refusal names for the list of sources (bot/core/refusals.py)


def can_manage(interaction: discord.Interaction) -> bool:
    """Whether the person may use the managers' commands here: Manage Server (or Administrator) in a server."""
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


def sources_refusal(guild_id: int | None, allowed: frozenset[int], servers: int) -> str | None:
    """Why this server's managers may not change the sources, which every server the bot is in shares; None
    when they may. ``SOURCE_GUILDS`` set (``allowed``): its servers only. Unset: any while the bot is in one
    server (as before the setting), none once it is in several (a public bot invited elsewhere must not
    let that server's managers change what everyone's answers quote)."""
    if allowed:
        return None if guild_id in allowed else wording.SOURCES_ELSEWHERE
    return wording.SOURCE_GUILDS_UNSET if servers > 1 else None


def channel_key(interaction: discord.Interaction) -> str | None:
    """The channel a configuration is stored for: a thread's parent, so its threads follow it."""
    channel = interaction.channel
    parent = getattr(channel, "parent_id", None)
    if parent is not None:
        return str(parent)
    return str(interaction.channel_id) if interaction.channel_id else None


async def _refuse(interaction: discord.Interaction) -> None:
    log.info("Refused /%s to a member without Manage Server", interaction.command and interaction.command.name)
    await tell_privately(interaction, wording.ADMINS_ONLY)


class AdminCog(commands.Cog, name="Admin"):
    """Sources, the report and channel configuration, for the server's managers."""

    source = app_commands.Group(
        name="source",
        description="Add or remove the articles I answer from (server managers)",
        guild_only=True,
        default_permissions=MANAGERS,
    )

    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot
        self._warned = False

    def _servers(self) -> int:
        """The servers the bot is in, or 2 when this process cannot see them all (more than one shard)."""
        sharded = self.bot.settings.shard_ids is not None or (self.bot.shard_count or 1) > 1
        return 2 if sharded else len(self.bot.guilds)

    def _sources_refusal(self, interaction: discord.Interaction) -> str | None:
        return sources_refusal(interaction.guild_id, self.bot.settings.source_guilds, self._servers())

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self._warn_unset()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self._warn_unset()

    def _warn_unset(self) -> None:
        """One warning (once a process) when the bot is in several servers and SOURCE_GUILDS names none."""
        if not self._warned and not self.bot.settings.source_guilds and self._servers() > 1:
            self._warned = True
            log.warning(
                "The bot is in several servers, which share its sources, and SOURCE_GUILDS is not set: no server's "
                "managers can change the sources from chat until it lists those that may (docs/discord.md)"
            )

    async def _may_change_sources(self, interaction: discord.Interaction) -> bool:
        """A manager of a server that may change the shared sources; anyone else is told why not, privately."""
        if not can_manage(interaction):
            await _refuse(interaction)
            return False
        refusal = self._sources_refusal(interaction)
        if refusal is not None:
            log.info("Refused a source change from a server SOURCE_GUILDS does not allow")
            await tell_privately(interaction, refusal)
            return False
        return True

    @property
    def admin(self) -> Admin:
        assert self.bot.admin is not None  # make_bot always sets it
        return self.bot.admin

    @source.command(name="add")
    @app_commands.describe(
        url="The web page or document to add (http or https)", file="A .txt, .md, .html or .pdf file"
    )
    async def source_add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000] | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Add a web page or a file to the articles I answer from."""
        if not await self._may_change_sources(interaction):
            return
        if (url is None) == (file is None):
            await tell_privately(interaction, wording.ADD_BOTH if url else wording.ADD_WHAT)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        if url is not None:
            await tell_outcome(
                interaction, "/source add", lambda waiting: self.admin.add([url.strip()], sources=LIST, waiting=waiting)
            )
            return
        assert file is not None
        if file.size > MAX_ATTACHMENT_BYTES:
            await tell_privately(interaction, wording.admin_failed(wording.too_big(file.filename)))
            return
        with tempfile.TemporaryDirectory(prefix="citebot-upload-") as folder:
            path = Path(folder) / Path(file.filename).name
            await file.save(path)
            await tell_outcome(
                interaction, "/source add", lambda waiting: self.admin.add_file(path, sources=LIST, waiting=waiting)
            )

    @source.command(name="remove")
    @app_commands.describe(name="The source's name, as /sources lists it")
    async def source_remove(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 300]) -> None:
        """Remove a source that was added from chat or the command line."""
        if not await self._may_change_sources(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await tell_outcome(
            interaction, "/source remove", lambda waiting: self.admin.remove(name, sources=LIST, waiting=waiting)
        )

    @source_remove.autocomplete("name")
    async def _source_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if not can_manage(interaction) or self._sources_refusal(interaction) is not None:
            return []
        try:
            infos = await self.admin.sources()
        except Exception as error:  # no index yet: nothing to offer
            log.debug("No source names to offer: %s", type(error).__name__)
            return []
        wanted = current.casefold()
        names = [i.name for i in infos if wanted in i.name.casefold() or wanted in i.title.casefold()]
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names][:25]

    @app_commands.command()
    @app_commands.describe(since="How far back: 30m, 12h, 7d or 2w (default 7d)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def report(self, interaction: discord.Interaction, since: app_commands.Range[str, 1, 10] = "7d") -> None:
        """What went unanswered: gaps grouped by meaning, answers voted down, most asked."""
        if not can_manage(interaction):
            await _refuse(interaction)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.admin.report(since, datetime.now(UTC), "discord", str(interaction.guild_id))
        if isinstance(result, Report):
            text = report_text(result, escape=escape_user_text, bold="**", limit=MAX_CONTENT)
            await tell_privately(interaction, text)
            return
        await tell_done(interaction, result)

    @app_commands.command()
    @app_commands.describe(
        mode="off, mention-only, or every message; default: as the bot's settings say",
        private="Answers only the asker sees",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def config(
        self,
        interaction: discord.Interaction,
        mode: Literal["off", "mention", "every", "default"] | None = None,
        private: bool | None = None,
    ) -> None:
        """How I behave in this channel: when I answer, and whether privately. No options: show it."""
        if not can_manage(interaction):
            await _refuse(interaction)
            return
        channel = channel_key(interaction)
        if channel is None:
            await tell_privately(interaction, wording.NO_CHANNEL)
            return
        # The row is read and written in the database, which may be slow (on PostgreSQL each call may take up
        # to its 2 s bound, and a change makes two): "thinking" first, so Discord's 3 s for the first response
        # never depends on it. Refusals above need no database and answer at once.
        await interaction.response.defer(ephemeral=True, thinking=True)
        every = int(channel) in self.bot.settings.ask_channels
        done = await self.admin.configure(
            "discord", str(interaction.guild_id), channel, default_rule(every_message=every), mode=mode, private=private
        )
        await tell_done(interaction, done)


async def setup(bot: CiteBot) -> None:
    await bot.add_cog(AdminCog(bot))

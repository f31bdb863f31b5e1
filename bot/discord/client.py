"""The Discord bot: ``python -m bot discord``.

:class:`CiteBot` gets its resources in the constructor (``pipeline=``, ``settings=``)
and does async start-up in :meth:`CiteBot.setup_hook`: register the answer buttons
(:mod:`bot.discord.buttons`, which keep their state in their ids and so outlive the
process), load the cogs in :data:`bot.discord.cogs.EXTENSIONS`, then sync the slash
commands (only in the process that runs shard 0). No reply path can ping anyone:
``allowed_mentions`` is none, once, on the client.

It is sharded (:mod:`bot.discord.shards`): the shards Discord recommends, or ``SHARD_IDS``
of ``SHARD_COUNT``. The health file names each shard's connection and latency.

:func:`main` opens the index before connecting, runs until SIGINT or SIGTERM (letting
answers already started be delivered), and turns a missing or rejected token into a
:class:`~bot.core.errors.ConfigError` (one line, exit status 2).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.core.actions import Actions
from bot.core.admin import Admin
from bot.core.channels import ChannelRules
from bot.core.errors import ConfigError, ServiceUnreachableError
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
from bot.discord.buttons import DYNAMIC_ITEMS, on_modal_submit
from bot.discord.cogs import EXTENSIONS
from bot.discord.format import describe_error
from bot.discord.shards import Claims, ShardHealth, runs_shard_zero, shard_options
from index.errors import CitebotError

if TYPE_CHECKING:
    import argparse

    from bot.core.settings import Settings
    from bot.db import Database

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # Discord's code for an interaction whose 3 seconds ran out
SHARDING_REQUIRED = 4011  # the gateway's close code for a session holding too many guilds


def intents() -> discord.Intents:
    """The gateway intents: the defaults plus Message Content (privileged: enable it in the portal)."""
    wanted = discord.Intents.default()
    wanted.message_content = True
    wanted.members = False
    wanted.presences = False
    return wanted


class CiteBot(commands.AutoShardedBot):
    """The Discord client, answering through the shared pipeline, on the shards the settings name.

    Args:
        pipeline: The answer pipeline (service, rate limit, log line).
        settings: The project's settings (ASK_CHANNELS, HEALTH_FILE, SHARD_COUNT, SHARD_IDS...).
        **options: Passed on to :class:`discord.ext.commands.AutoShardedBot`.
    """

    def __init__(self, *, pipeline: Pipeline, settings: Settings, **options: Any) -> None:
        discord.VoiceClient.warn_nacl = False  # no voice here: skip the start-up warnings about voice libraries
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **{**shard_options(settings), **options},
        )
        self.pipeline = pipeline
        self.settings = settings
        self.admin: Admin | None = None  # the managers' commands (bot/discord/cogs/admin.py)
        self.rules = ChannelRules(None, "discord")  # each channel's /config; defaults without a database
        self.actions: Actions | None = None  # the buttons' work; None without a database
        self.claims = Claims()  # once-only claims; shared through the database when it is PostgreSQL
        self.shard_health = ShardHealth()  # each shard: up on its READY or RESUMED, down on disconnect
        self.beacon = HealthBeacon(
            settings.health_file,
            lambda: self.shard_health.started and not self.is_closed(),
            report=lambda: self.shard_health.report(dict(self.latencies)),
        )
        self.synced: list[app_commands.AppCommand] = []

    @property
    def connected(self) -> bool:
        """Every shard this process runs is connected."""
        return self.shard_health.started and not self.shard_health.disconnected() and not self.is_closed()

    @property
    def service(self) -> AnswerService:
        return self.pipeline.service

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # a click on any answer's buttons, sent by any process, is understood
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.tree.on_error = self.on_app_command_error
        self.tree.interaction_check = self.first_time  # type: ignore[method-assign]
        if runs_shard_zero(self.shard_ids):
            self.synced = await self.tree.sync()
            log.info("Synced %d slash commands", len(self.synced))
        else:
            log.info("Slash commands are synced by the process that runs shard 0")

    async def first_time(self, interaction: discord.Interaction) -> bool:
        """Whether this process is the one to handle a slash command (see :class:`Claims`)."""
        return await self.claims.first_time(f"interaction:{interaction.id}")

    async def on_message(self, message: discord.Message) -> None:
        """Plain messages are answered by the Ask cog; there are no prefix commands to process."""

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """The 👎 dialog's submissions, recognised by their custom_id (nothing of a dialog is kept in memory)."""
        if interaction.type is discord.InteractionType.modal_submit:
            await on_modal_submit(interaction)

    async def on_ready(self) -> None:
        log.info(
            "Ready: %s (ID: %s) in %d guild(s), shards %s of %s",
            self.user,
            self.user and self.user.id,
            len(self.guilds),
            ",".join(map(str, self.shard_health.expected)),
            self.shard_count,
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        self._shard_up(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._shard_up(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.shard_health.down(shard_id)
        if self.shard_health.started:
            self.beacon.touch()  # the health file names the shard at once

    def _shard_up(self, shard_id: int) -> None:
        if not self.shard_health.expected and self.shard_count is not None:
            self.shard_health.expect(self.shard_ids or range(self.shard_count), self.shard_count)
        self.shard_health.up(shard_id)
        self.beacon.touch()

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """One handler for every slash command: a short message per error class, no traceback in chat."""
        command = interaction.command
        if command is not None and command._has_any_error_handlers():
            return
        original = getattr(error, "original", error)
        if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
            log.warning("Interaction %s expired before it was answered", interaction.id)
            return
        if isinstance(original, CitebotError | app_commands.CheckFailure | app_commands.TransformerError):
            log.info("Command /%s refused: %s", command and command.name, type(original).__name__)
        else:
            log.error("Command /%s failed", command and command.name, exc_info=original)
        message = describe_error(error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException as failed:
            log.warning("Could not report an error to interaction %s: %s", interaction.id, failed.status)

    async def close(self) -> None:
        await self.service.aclose()
        if not hasattr(self, "_AutoShardedClient__queue"):
            # Built but never started (tests walk the commands so): discord.py's sharded close
            # expects the event queue its start-up makes.
            self._AutoShardedClient__queue = asyncio.PriorityQueue()  # type: ignore[var-annotated]
        await super().close()


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST calls to ``api_base`` (e.g. ``http://127.0.0.1:8080/api/v10``) and connect to ``gateway_url``.

    Both unset: the real Discord. Tests and the benchmark use a local fake.
    """
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def run(retriever: Any, settings: Settings, token: str, stop: asyncio.Event | None = None) -> None:
    """Open the database, run the bot until it stops, or until ``stop`` (None: SIGINT or SIGTERM),
    then close it cleanly."""
    async with open_database(settings) as db:
        bot = make_bot(retriever, settings, db)
        # A new index (`python -m bot add`, `index`) is swapped in while serving (bot/core/reload.py);
        # one changed from chat (/source add, remove) at once, before the manager is told.
        reloader = IndexReloader(bot.pipeline.service, settings.index_dir)
        if bot.admin is not None:
            bot.admin.reload = reloader.check
        async with bot, bot.beacon, reloader:
            await serve_until_signal(bot.start(token), bot.close, bot.pipeline, stop=stop)


def make_bot(retriever: Any, settings: Settings, db: Database | None = None) -> CiteBot:
    """The client with its pipeline: the answer service, the per-user rate limit from the settings,
    and (with a database) the question log and the buttons' actions."""
    service = AnswerService.from_settings(retriever, settings)
    pipeline = Pipeline(
        service,
        rate_limiter(settings, db),
        recorder=Recorder(db.questions, settings.top_k) if db is not None else None,
        shown=settings.top_k,
    )
    bot = CiteBot(pipeline=pipeline, settings=settings)
    bot.beacon.database = db.reachable if db is not None else None  # the health file says when it stops answering
    # The retriever is read at each call: a reloaded index swaps it.
    bot.admin = Admin(settings, db, embed=lambda texts: service.retriever.encode(texts))  # noqa: PLW0108
    bot.rules = ChannelRules(db.channels if db is not None else None, "discord")
    bot.actions = Actions(service, db) if db is not None else None
    if db is not None and db.engine.dialect.name == "postgresql":  # SQLite is one process's: nothing to share
        bot.claims = Claims(db.events)
    elif settings.shard_ids is not None:
        log.warning(
            "SHARD_IDS without a PostgreSQL DATABASE_URL: rate limits and claims are this process's own, and the "
            "question log, votes and channel settings are shared only by processes using one SQLite file (one "
            "DATA_DIR on one host) (see docs/deploy.md, 'When one process is not enough')"
        )
    return bot


def main(settings: Settings, args: argparse.Namespace | None = None) -> int:
    """Run the Discord bot until it is stopped; returns the exit status.

    Raises:
        ConfigError: DISCORD_TOKEN is missing or rejected, the Message Content intent is off, or
            Discord requires more shards than SHARD_COUNT.
        CitebotError: the index cannot be opened.
    """
    if settings.discord_token is None:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put the bot token in .env or the environment (see docs/discord.md)"
        )
    token = settings.discord_token.get_secret_value().strip()
    point_at(settings.discord_api_base, settings.discord_gateway_url)
    check_database(settings)  # a bad DATABASE_URL is said before the index is opened (or rebuilt)
    started = time.perf_counter()
    retriever = open_retriever(settings)
    log.info("Index ready in %.1fs", time.perf_counter() - started)
    try:
        run_on(run(retriever, settings, token), settings.event_loop)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord rejected DISCORD_TOKEN: copy the token again from the Bot page (see docs/discord.md)"
        ) from None
    except (OSError, discord.GatewayNotFound) as error:
        # aiohttp's connection errors are OSErrors; discord.py retries by itself once connected.
        raise ServiceUnreachableError("Discord", f"{type(error).__name__}: {error}".splitlines()[0][:160]) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "the Message Content intent is off: enable it on the Bot page of the Discord developer portal (see docs/discord.md)"
        ) from None
    except discord.ConnectionClosed as error:
        if error.code != SHARDING_REQUIRED:
            raise
        raise ConfigError(
            f"Discord requires more shards than SHARD_COUNT={settings.shard_count}: raise it in every process, "
            "or unset SHARD_COUNT and SHARD_IDS to run the shards Discord recommends (see docs/deploy.md)"
        ) from None
    return 0

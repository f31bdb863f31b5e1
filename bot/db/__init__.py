"""The project's database (SQLAlchemy 2, async): SQLite by default, PostgreSQL for several processes.

It takes a URL and plain values, never the bot's Settings, and imports nothing else of
the bot, so it can be used and tested alone. ``Database.open`` migrates the schema
with Alembic under a lock; see docs/deploy.md for the tables.
"""

from __future__ import annotations

from bot.db.channels import ChannelConfigs, ChannelSettings
from bot.db.database import EVENT_TTL, Database, Pruned
from bot.db.engine import default_url, resolve_url
from bot.db.errors import DatabaseConfigError, DatabaseError, DatabaseTooNewError, DatabaseUnavailableError
from bot.db.events import EventDedup
from bot.db.questions import LoggedQuestion, QuestionLog
from bot.db.ratelimit import SharedRateLimiter
from bot.db.reports import AskedQuestion, DownVote, Reports
from bot.db.schema import ChannelMode, Outcome
from bot.db.votes import Tally, Votes

__all__ = [
    "EVENT_TTL",
    "AskedQuestion",
    "ChannelConfigs",
    "ChannelMode",
    "ChannelSettings",
    "Database",
    "DatabaseConfigError",
    "DatabaseError",
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

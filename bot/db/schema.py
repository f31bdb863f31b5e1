"""The tables, as SQLAlchemy Core metadata: what the newest migration creates.

Migrations in ``migrations/versions/`` are frozen copies (a migration must not change
when this file does); ``tests/db/test_migrations.py`` checks that running them all
gives exactly these tables, on SQLite and PostgreSQL.

Times are UTC, stored without a zone (:class:`UtcDateTime`), so both engines compare
them the same way. No column holds a person's chat id: askers, voters and rate-limit
keys are stored as keyed hashes (``hashing.py``).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "ChannelMode",
    "Outcome",
    "UtcDateTime",
    "channel_config",
    "installation",
    "metadata",
    "questions",
    "rate_hits",
    "seen_events",
    "votes",
]


class Outcome(enum.StrEnum):
    """What became of a question; stored as the value."""

    ANSWERED = "answered"
    LOW_CONFIDENCE = "low_confidence"
    ABSTAINED = "abstained"
    RATE_LIMITED = "rate_limited"
    EMPTY = "empty"
    CANNOT_ANSWER = "cannot_answer"  # a known failure (e.g. the index is missing), as the pipeline's notice says
    FAILED = "failed"
    UNDELIVERED = "undelivered"


class ChannelMode(enum.StrEnum):
    """When the bot answers in a channel; stored as the value."""

    OFF = "off"
    MENTION = "mention"
    EVERY_MESSAGE = "every_message"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in Python, naive UTC in the database (the same on every engine)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime is ambiguous here: pass an aware one (e.g. datetime.now(UTC))")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


# Constraint names fixed by convention, so later migrations can name what they alter
# on both engines (SQLite's batch mode rebuilds tables by these names).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# 64-bit ids on PostgreSQL; SQLite autoincrements only a column spelt INTEGER.
_RowId = BigInteger().with_variant(Integer(), "sqlite")

HASH_LEN = 64  # hex of HMAC-SHA-256
ANSWER_ID_LEN = 16  # answer ids are 11 characters (hashing.new_answer_id); room to spare
REASON_LEN = 200

# One row: the secret that keys every hash of this installation, made by the first migration.
installation = Table(
    "installation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("secret", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", _RowId, primary_key=True, autoincrement=True),
    Column("answer_id", String(ANSWER_ID_LEN), nullable=False, unique=True),
    Column("asked_at", UtcDateTime, nullable=False, index=True),
    Column("platform", String(16), nullable=False),
    Column("guild", String(64), nullable=False),  # Discord guild or Slack team; "" for none (DMs, terminal)
    Column("channel", String(64), nullable=False),
    Column("asker_hash", String(HASH_LEN), nullable=False),
    Column("question", Text, nullable=False),
    Column("question_key", String(32), nullable=False),  # hash of the normalised text: repeats group on it
    Column("outcome", String(16), nullable=False),
    Column("citations", JSON, nullable=False),
    Column("index_version", String(64), nullable=False),
    CheckConstraint(_in("outcome", Outcome), name="outcome"),
    Index(None, "outcome", "asked_at"),
    Index(None, "question_key"),
)

votes = Table(
    "votes",
    metadata,
    Column("id", _RowId, primary_key=True, autoincrement=True),
    Column(
        "answer_id",
        String(ANSWER_ID_LEN),
        ForeignKey("questions.answer_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("voter_hash", String(HASH_LEN), nullable=False),
    Column("up", Boolean(create_constraint=True, name="up_is_bool"), nullable=False),
    Column("reason", String(REASON_LEN), nullable=True),
    Column("voted_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("answer_id", "voter_hash"),
)

channel_config = Table(
    "channel_config",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("guild", String(64), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("private", Boolean(create_constraint=True, name="private_is_bool"), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(_in("mode", ChannelMode), name="mode"),
)

# A claim (events.py): first seen at ``seen_at``; a lease taken at ``claimed_at`` (None: a claim
# without a lease, never taken over) and ended by ``done_at`` once the request was acted on.
seen_events = Table(
    "seen_events",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("seen_at", UtcDateTime, nullable=False, index=True),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("done_at", UtcDateTime, nullable=True),
)

# One row per counted hit; a key's window is the rows whose expires_at is still ahead.
rate_hits = Table(
    "rate_hits",
    metadata,
    Column("id", _RowId, primary_key=True, autoincrement=True),
    Column("key_hash", String(HASH_LEN), nullable=False),
    Column("expires_at", Double, nullable=False),  # seconds since the epoch
    Index(None, "key_hash", "expires_at"),
    Index(None, "expires_at"),
)

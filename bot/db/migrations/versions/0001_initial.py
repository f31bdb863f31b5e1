"""The first tables: installation secret, question log, votes, channel config, event ids, rate hits.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# A frozen copy of what bot/db/schema.py said when this migration was written.
_RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OUTCOMES = (
    "'answered', 'low_confidence', 'abstained', 'rate_limited', 'empty', 'cannot_answer', 'failed', 'undelivered'"
)
_MODES = "'off', 'mention', 'every_message'"


def upgrade() -> None:
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_installation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
    )
    # The key of every hash this installation stores. Made here, under the migration
    # lock, so every process of the installation reads the same one.
    op.bulk_insert(
        installation,
        [{"id": 1, "secret": secrets.token_hex(32), "created_at": datetime.now(UTC).replace(tzinfo=None)}],
    )
    _create_questions()
    op.create_table(
        "votes",
        sa.Column("id", _RowId, autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.String(16), nullable=False),
        sa.Column("voter_hash", sa.String(64), nullable=False),
        sa.Column("up", sa.Boolean(create_constraint=True, name=op.f("ck_votes_up_is_bool")), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("voted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["questions.answer_id"], name=op.f("fk_votes_answer_id_questions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("answer_id", "voter_hash", name=op.f("uq_votes_answer_id_voter_hash")),
    )
    op.create_index(op.f("ix_votes_voted_at"), "votes", ["voted_at"])
    op.create_table(
        "channel_config",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("guild", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column(
            "private",
            sa.Boolean(create_constraint=True, name=op.f("ck_channel_config_private_is_bool")),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"mode IN ({_MODES})", name=op.f("ck_channel_config_mode")),
        sa.PrimaryKeyConstraint("platform", "guild", "channel", name=op.f("pk_channel_config")),
    )
    op.create_table(
        "seen_events",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id", name=op.f("pk_seen_events")),
    )
    op.create_index(op.f("ix_seen_events_seen_at"), "seen_events", ["seen_at"])
    op.create_table(
        "rate_hits",
        sa.Column("id", _RowId, autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_hits")),
    )
    op.create_index(op.f("ix_rate_hits_key_hash_expires_at"), "rate_hits", ["key_hash", "expires_at"])
    op.create_index(op.f("ix_rate_hits_expires_at"), "rate_hits", ["expires_at"])


def _create_questions() -> None:
    op.create_table(
        "questions",
        sa.Column("id", _RowId, autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.String(16), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("guild", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("asker_hash", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_key", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("index_version", sa.String(64), nullable=False),
        sa.CheckConstraint(f"outcome IN ({_OUTCOMES})", name=op.f("ck_questions_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_questions_answer_id")),
    )
    op.create_index(op.f("ix_questions_asked_at"), "questions", ["asked_at"])
    op.create_index(op.f("ix_questions_outcome_asked_at"), "questions", ["outcome", "asked_at"])
    op.create_index(op.f("ix_questions_question_key"), "questions", ["question_key"])


def downgrade() -> None:
    for table in ("rate_hits", "seen_events", "channel_config", "votes", "questions", "installation"):
        op.drop_table(table)

"""Claims as leases: when a claim's lease began, and when the request was acted on.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-14

Both columns are nullable and left empty on the rows already there: a claim with no
``claimed_at`` has no lease and is never taken over, which is what those claims were promised
(and what a process still running the previous release makes while the new one rolls out).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("seen_events", sa.Column("claimed_at", sa.DateTime(), nullable=True))
    op.add_column("seen_events", sa.Column("done_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("seen_events") as batch:
        batch.drop_column("done_at")
        batch.drop_column("claimed_at")

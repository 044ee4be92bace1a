"""Denial notifications withdrawn when the refusal they notified no longer stands.

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "denial_revocations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "denial_id", sa.Integer, sa.ForeignKey("denials.id"), nullable=False, unique=True
        ),
        sa.Column("revoked_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("denial_revocations")

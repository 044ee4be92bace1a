"""Generated reports (ATT annual report, UN Register return, national report), versioned.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("reporting_state", sa.String(3), nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("reports.id")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("figures_sha256", sa.String(64), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("submitted_at", TZ),
    )


def downgrade() -> None:
    op.drop_table("reports")

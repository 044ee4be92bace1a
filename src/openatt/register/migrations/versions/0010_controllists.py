"""The authority's classifications of goods against the control lists (issue 15): one row
per act (confirmed, changed, not controlled) on one item of an application.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_classifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("item_index", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("list_id", sa.String(20), nullable=True),
        sa.Column("entry", sa.String(40), nullable=True),
        sa.Column("kind", sa.String(60), nullable=True),
        sa.Column("proposed", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column(
            "supersedes_id",
            sa.Integer,
            sa.ForeignKey("item_classifications.id"),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(120), nullable=False),
        sa.Column("decided_role", sa.String(20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_item_classifications_application_id", "item_classifications", ["application_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_item_classifications_application_id", "item_classifications")
    op.drop_table("item_classifications")

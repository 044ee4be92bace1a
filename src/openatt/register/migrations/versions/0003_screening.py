"""Screening runs (on submission, by an officer, after a new list version) and the
officers' false-positive judgements.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "screening_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("algorithm", sa.String(80), nullable=False),
        sa.Column("lists", sa.Text, nullable=False),
        sa.Column("hits", sa.Text, nullable=False),
        sa.Column("new_hits", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("run_by", sa.String(120), nullable=False),
        sa.Column("run_at", TZ, nullable=False),
    )
    op.create_index("ix_screening_runs_application_id", "screening_runs", ["application_id"])
    op.create_table(
        "false_positives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("party_key", sa.String(300), nullable=False),
        sa.Column("party_name", sa.String(300), nullable=False),
        sa.Column("list_id", sa.String(80), nullable=False),
        sa.Column("entity_id", sa.String(120), nullable=False),
        sa.Column("entry_sha256", sa.String(64), nullable=False),
        sa.Column("list_version", sa.String(120), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("marked_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("marked_at", TZ, nullable=False),
    )
    op.create_index("ix_false_positives_application_id", "false_positives", ["application_id"])
    op.create_index("ix_false_positives_party_key", "false_positives", ["party_key"])


def downgrade() -> None:
    op.drop_index("ix_false_positives_party_key", "false_positives")
    op.drop_index("ix_false_positives_application_id", "false_positives")
    op.drop_table("false_positives")
    op.drop_index("ix_screening_runs_application_id", "screening_runs")
    op.drop_table("screening_runs")

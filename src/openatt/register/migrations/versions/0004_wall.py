"""The applicant-authority wall and the officer's workspace: the reasons a decision releases
to the applicant, and the officers' acceptances and rejections of indicator evidence offered
on a case.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A table of its own rather than a column on decisions: a new column would change the
    # digest of every decision already logged, and the chain would read them as edited.
    op.create_table(
        "decision_releases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "decision_id",
            sa.Integer,
            sa.ForeignKey("decisions.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("released_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("released_at", TZ, nullable=False),
    )
    op.create_table(
        "offer_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("offer_key", sa.String(200), nullable=False),
        sa.Column("mapping", sa.String(80), nullable=False),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("indicator", sa.String(120), nullable=False),
        sa.Column("variable", sa.String(120), nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("band", sa.Text, nullable=False),
        sa.Column("destination", sa.String(3), nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
    )
    op.create_index("ix_offer_decisions_application_id", "offer_decisions", ["application_id"])
    op.create_index("ix_offer_decisions_mapping", "offer_decisions", ["mapping"])


def downgrade() -> None:
    op.drop_index("ix_offer_decisions_mapping", "offer_decisions")
    op.drop_index("ix_offer_decisions_application_id", "offer_decisions")
    op.drop_table("offer_decisions")
    op.drop_table("decision_releases")

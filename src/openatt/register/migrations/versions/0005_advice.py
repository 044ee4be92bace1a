"""Advice and consultation: advising teams and their members, requests for advice with
deadlines, team and final advice per item, destination or party, and countersignatures.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _user(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey("users.id"), nullable=nullable)


def _application() -> sa.Column[int]:
    return sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "advice_teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("topics", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        _user("created_by"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "advice_team_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("advice_teams.id"), nullable=False),
        _user("user_id"),
        _user("added_by"),
        sa.Column("added_at", TZ, nullable=False),
        sa.UniqueConstraint("team_id", "user_id"),
    )
    op.create_index("ix_advice_team_members_team_id", "advice_team_members", ["team_id"])
    op.create_index("ix_advice_team_members_user_id", "advice_team_members", ["user_id"])
    op.create_table(
        "advice_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        _application(),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("advice_teams.id"), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        _user("asked_by"),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("working_days", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _user("answered_by", nullable=True),
        sa.Column("answered_at", TZ, nullable=True),
    )
    for column in ("application_id", "team_id", "status"):
        op.create_index(f"ix_advice_requests_{column}", "advice_requests", [column])
    op.create_table(
        "advice",
        sa.Column("id", sa.Integer, primary_key=True),
        _application(),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("advice_requests.id"), nullable=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("advice_teams.id"), nullable=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("proviso", sa.Text, nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("likelihood", sa.String(20), nullable=True),
        sa.Column("severity", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _user("author"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_advice_application_id", "advice", ["application_id"])
    op.create_index("ix_advice_request_id", "advice", ["request_id"])
    op.create_table(
        "advice_countersignatures",
        sa.Column("id", sa.Integer, primary_key=True),
        _application(),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("agree", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
        _user("signed_by"),
        sa.Column("signed_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_advice_countersignatures_application_id", "advice_countersignatures", ["application_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_advice_countersignatures_application_id", "advice_countersignatures")
    op.drop_table("advice_countersignatures")
    op.drop_index("ix_advice_request_id", "advice")
    op.drop_index("ix_advice_application_id", "advice")
    op.drop_table("advice")
    for column in ("application_id", "team_id", "status"):
        op.drop_index(f"ix_advice_requests_{column}", "advice_requests")
    op.drop_table("advice_requests")
    op.drop_index("ix_advice_team_members_user_id", "advice_team_members")
    op.drop_index("ix_advice_team_members_team_id", "advice_team_members")
    op.drop_table("advice_team_members")
    op.drop_table("advice_teams")

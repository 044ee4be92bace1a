"""The dialogue with the exporter: questions and answers, case notes, amendments, appeals,
the notification outbox and users' e-mail addresses (issue 12, part 5). Only new tables:
existing rows, and so the audit log's digests of them, are untouched.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _fk(name: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "queries",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("application_id", "applications.id"),
        sa.Column("question", sa.Text, nullable=False),
        _fk("asked_by", "users.id"),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("respond_by", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("documents", sa.Text, nullable=False),
        _fk("answered_by", "users.id", nullable=True),
        sa.Column("answered_at", TZ),
    )
    op.create_index("ix_queries_application_id", "queries", ["application_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("application_id", "applications.id"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("mentions", sa.Text, nullable=False),
        _fk("written_by", "users.id"),
        sa.Column("written_at", TZ, nullable=False),
    )
    op.create_index("ix_case_notes_application_id", "case_notes", ["application_id"])
    op.create_table(
        "amendments",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("application_id", "applications.id"),
        _fk("supersedes_id", "applications.id"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("differences", sa.Text, nullable=False),
        sa.Column("recommendation_before", sa.String(40), nullable=False),
        sa.Column("recommendation_after", sa.String(40), nullable=False),
        _fk("amended_by", "users.id"),
        sa.Column("amended_at", TZ, nullable=False),
    )
    op.create_index("ix_amendments_application_id", "amendments", ["application_id"])
    op.create_index("ix_amendments_supersedes_id", "amendments", ["supersedes_id"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("application_id", "applications.id"),
        _fk("decision_id", "decisions.id"),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        _fk("lodged_by", "users.id"),
        sa.Column("lodged_at", TZ, nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.Column("reasons", sa.Text),
        _fk("decided_by", "users.id", nullable=True),
        sa.Column("decided_at", TZ),
        _fk("result_decision_id", "decisions.id", nullable=True),
    )
    op.create_index("ix_appeals_application_id", "appeals", ["application_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        _fk("application_id", "applications.id", nullable=True),
        _fk("user_id", "users.id", nullable=True),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
    )
    for column in ("kind", "application_id", "user_id", "status"):
        op.create_index(f"ix_notifications_{column}", "notifications", [column])
    op.create_table(
        "mail_addresses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, unique=True),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("set_by", sa.String(80), nullable=False),
        sa.Column("set_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mail_addresses")
    for column in ("status", "user_id", "application_id", "kind"):
        op.drop_index(f"ix_notifications_{column}", "notifications")
    op.drop_table("notifications")
    op.drop_index("ix_appeals_application_id", "appeals")
    op.drop_table("appeals")
    op.drop_index("ix_amendments_supersedes_id", "amendments")
    op.drop_index("ix_amendments_application_id", "amendments")
    op.drop_table("amendments")
    op.drop_index("ix_case_notes_application_id", "case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_queries_application_id", "queries")
    op.drop_table("queries")

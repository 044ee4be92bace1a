"""Queues, assignment and target dates, flags, routing rules, and the search index.

The search index is filled for the applications already in the register, from their payloads,
so an upgraded register finds its existing cases by consignee, goods or document reference.
No existing table changes: the rows the log accounts for keep their digests.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from openatt.register.search_index import index_values

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("team", sa.String(80), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "case_queues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("queue_id", sa.Integer, sa.ForeignKey("queues.id"), nullable=False),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("added_by", sa.String(120), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("removed_by", sa.String(120), nullable=True),
        sa.Column("removed_at", TZ, nullable=True),
    )
    op.create_index("ix_case_queues_application_id", "case_queues", ["application_id"])
    op.create_index("ix_case_queues_queue_id", "case_queues", ["queue_id"])
    op.create_table(
        "case_work",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("applications.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("target_days", sa.Integer, nullable=False),
        sa.Column("target_on", sa.Date, nullable=False),
        sa.Column("calendar", sa.String(40), nullable=False),
        sa.Column("assigned_to", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("assigned_at", TZ, nullable=True),
    )
    op.create_index("ix_case_work_target_on", "case_work", ["target_on"])
    op.create_index("ix_case_work_assigned_to", "case_work", ["assigned_to"])
    op.create_table(
        "flag_definitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("colour", sa.String(20), nullable=False),
        sa.Column("blocking", sa.Boolean, nullable=False),
        sa.Column("cleared_by_role", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "case_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("flag_id", sa.Integer, sa.ForeignKey("flag_definitions.id"), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("set_by", sa.String(120), nullable=False),
        sa.Column("set_at", TZ, nullable=False),
        sa.Column("cleared_by", sa.String(120), nullable=True),
        sa.Column("cleared_role", sa.String(32), nullable=True),
        sa.Column("cleared_at", TZ, nullable=True),
        sa.Column("clear_reasons", sa.Text, nullable=True),
    )
    op.create_index("ix_case_flags_application_id", "case_flags", ["application_id"])
    op.create_index("ix_case_flags_flag_id", "case_flags", ["flag_id"])
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
        sa.Column("actions", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    index = op.create_table(
        "search_index",
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), primary_key=True),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("goods", sa.Text, nullable=False),
        sa.Column("control_entries", sa.Text, nullable=False),
        sa.Column("documents", sa.Text, nullable=False),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, payload FROM applications")).all()
    if rows:
        op.bulk_insert(
            index,
            [{"application_id": id_, **index_values(json.loads(payload))} for id_, payload in rows],
        )


def downgrade() -> None:
    op.drop_table("search_index")
    op.drop_table("routing_rules")
    op.drop_index("ix_case_flags_flag_id", "case_flags")
    op.drop_index("ix_case_flags_application_id", "case_flags")
    op.drop_table("case_flags")
    op.drop_table("flag_definitions")
    op.drop_index("ix_case_work_assigned_to", "case_work")
    op.drop_index("ix_case_work_target_on", "case_work")
    op.drop_table("case_work")
    op.drop_index("ix_case_queues_queue_id", "case_queues")
    op.drop_index("ix_case_queues_application_id", "case_queues")
    op.drop_table("case_queues")
    op.drop_table("queues")

"""The register: users, sessions, applications, assessments, decisions, licences, shipments,
denial notifications, consultations, and the hash-chained event log with its head.

Triggers keep the log append-only: an event cannot be updated, nor deleted before its
retention date (ATT Art. 12(4)).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("company", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("company", sa.String(200), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("exporting_state", sa.String(3), nullable=False),
        sa.Column("importing_state", sa.String(3), nullable=False, index=True),
        sa.Column("end_user", sa.String(300), nullable=False),
        sa.Column("categories", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("consultation", sa.Text, nullable=False),
        sa.Column("consulted", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("retain_until", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("applications.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("assessments.id")),
        sa.Column("reason", sa.Text),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("regimes", sa.String(100), nullable=False),
        sa.Column("recommendation", sa.String(40), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("law_version", sa.String(100), nullable=False),
        sa.Column("engine_version", sa.String(100), nullable=False),
        sa.Column("assessed_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("assessed_at", TZ, nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("applications.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
        sa.Column("against_recommendation", sa.Boolean, nullable=False),
        sa.Column("four_eyes_required", sa.Boolean, nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("countersigned_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("countersigned_at", TZ),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "licences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("applications.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("issued_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "licence_id", sa.Integer, sa.ForeignKey("licences.id"), nullable=False, index=True
        ),
        sa.Column("item", sa.Integer, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("shipped_on", sa.Date, nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("delivery_verified_on", sa.Date),
        sa.Column("verified_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("verification", sa.Text),
    )
    op.create_table(
        "denials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("notifying_state", sa.String(3), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("denied_on", sa.Date, nullable=False),
        sa.Column("destination", sa.String(3), nullable=False, index=True),
        sa.Column("end_user", sa.String(300), nullable=False),
        sa.Column("categories", sa.String(200), nullable=False),
        sa.Column("control_entries", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("criteria", sa.String(300), nullable=False),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id")),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.UniqueConstraint("notifying_state", "reference"),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("applications.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("denial_id", sa.Integer, sa.ForeignKey("denials.id"), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("retain_until", sa.Date, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    _append_only_triggers()


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION openatt_events_append_only() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'UPDATE' THEN
                RAISE EXCEPTION 'events are append-only';
              END IF;
              IF OLD.retain_until > CURRENT_DATE THEN
                RAISE EXCEPTION 'event % is kept until %', OLD.seq, OLD.retain_until;
              END IF;
              RETURN OLD;
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION openatt_events_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER events_retention BEFORE DELETE ON events "
            "WHEN OLD.retain_until > date('now') "
            "BEGIN SELECT RAISE(ABORT, 'event kept until its retention date'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS openatt_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_retention")
    for table in (
        "chain_head",
        "events",
        "consultations",
        "denials",
        "shipments",
        "licences",
        "decisions",
        "assessments",
        "applications",
        "sessions",
        "users",
    ):
        op.drop_table(table)

"""Documents on cases (stored by content hash, on disk or in the database) and the licence
and refusal letters issued as PDF, with the digest the public verification page checks.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("stored_in", sa.String(20), nullable=False),
        sa.Column("content", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("document_blobs.sha256"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("added_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
    )
    op.create_index("ix_case_documents_application_id", "case_documents", ["application_id"])
    op.create_index("ix_case_documents_sha256", "case_documents", ["sha256"])
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("case_documents.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("licence_id", sa.Integer, sa.ForeignKey("licences.id"), nullable=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("issued_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
    )
    op.create_index("ix_letters_application_id", "letters", ["application_id"])
    op.create_index("ix_letters_sha256", "letters", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_letters_sha256", "letters")
    op.drop_index("ix_letters_application_id", "letters")
    op.drop_table("letters")
    op.drop_index("ix_case_documents_sha256", "case_documents")
    op.drop_index("ix_case_documents_application_id", "case_documents")
    op.drop_table("case_documents")
    op.drop_table("document_blobs")

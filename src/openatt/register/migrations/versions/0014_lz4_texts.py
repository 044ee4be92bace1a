"""The register's large JSON texts compressed with lz4 on PostgreSQL (issue 16).

PostgreSQL compresses a text of more than about 2 kB before storing it, with pglz unless
told otherwise. Every reassessment stores the engine's whole output (26-80 kB of JSON for
four regimes): pglz took 0.46 ms of the database's time for each, lz4 0.08 ms, and lz4's
is smaller (7.0 kB against 9.7 kB) and quicker to read (``benchmarks/toast_compression.py``;
docs/register.md, "Writes, eighth round"). Only the columns' compression method changes:
no row is rewritten, texts stored before stay pglz and read as before, new ones are lz4.
Nothing changes on SQLite, or on a PostgreSQL built without lz4 (before 14, or without
``--with-lz4``), where the columns keep the server's default.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (table, column): the texts that grow with a case (its content, the engine's output, the
# log's payloads, the screening hits)
LARGE_TEXTS = (
    ("applications", "payload"),
    ("assessments", "result"),
    ("events", "payload"),
    ("screening_runs", "hits"),
)


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    methods = bind.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()  # None before PostgreSQL 14, else the methods this server was built with
    return methods is not None and "lz4" in list(methods)


def _set(method: str) -> None:
    if not _lz4_available():
        return
    for table, column in LARGE_TEXTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("default")

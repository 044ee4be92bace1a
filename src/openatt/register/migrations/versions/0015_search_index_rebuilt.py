"""The search index written again from every case's content.

Documents an applicant uploaded with a reference (``POST /applications/{id}/documents``) and
documents the authority verified changed the case's content without writing its row of the
search index, so a search for such a reference found nothing. Since the fix every write that
may change the indexed parts writes the row; this migration brings the rows of existing
cases in step (only rows that differ are written; a case without a row gets one).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from openatt.register.search_index import index_values

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = ("parties", "goods", "control_entries", "documents")
BATCH = 500


def upgrade() -> None:
    bind = op.get_bind()
    indexed = {
        row[0]: tuple(row[1:])
        for row in bind.execute(
            sa.text(f"SELECT application_id, {', '.join(COLUMNS)} FROM search_index")
        )
    }
    changed: list[dict[str, object]] = []
    missing: list[dict[str, object]] = []
    cases = bind.execute(
        sa.text("SELECT id, payload FROM applications ORDER BY id").execution_options(
            yield_per=BATCH
        )
    )
    for id_, payload in cases:
        values = index_values(json.loads(payload))
        now = tuple(values[c] for c in COLUMNS)
        if id_ not in indexed:
            missing.append({"application_id": id_, **values})
        elif indexed[id_] != now:
            changed.append({"id": id_, **values})
    if changed:
        bind.execute(
            sa.text(
                "UPDATE search_index SET "
                + ", ".join(f"{c} = :{c}" for c in COLUMNS)
                + " WHERE application_id = :id"
            ),
            changed,
        )
    if missing:
        bind.execute(
            sa.text(
                f"INSERT INTO search_index (application_id, {', '.join(COLUMNS)}) "
                f"VALUES (:application_id, {', '.join(':' + c for c in COLUMNS)})"
            ),
            missing,
        )


def downgrade() -> None:
    """Nothing to undo: the rows hold what the cases' content says."""

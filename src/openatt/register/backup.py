"""Backup and restore the whole register as one JSON document, exactly.

Values are written in the canonical normal form (timestamps as naive UTC ISO strings), so a
register restored into SQLite or PostgreSQL dumps back to the same document, and its
hash chain verifies. Restore refuses a database that already holds a register.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Engine, Table, func, select, text

from openatt.register import canonical
from openatt.register.db import current_revision, head_revision, upgrade
from openatt.register.errors import Conflict, Invalid
from openatt.register.files import private_file
from openatt.register.models import Base, Event, User

FORMAT = "openatt-register-backup"


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def dump(engine: Engine) -> dict[str, Any]:
    """The register as a JSON-ready document."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in _tables():
            order = list(table.primary_key.columns)
            result = connection.execute(select(table).order_by(*order))
            tables[table.name] = [canonical.normalise(dict(row._mapping)) for row in result]
    return {"format": FORMAT, "revision": current_revision(engine), "tables": tables}


def backup(engine: Engine, path: Path) -> int:
    """Write the register to ``path``; returns the number of events."""
    document = dump(engine)
    with private_file(path) as handle:  # password hashes inside: owner only (issue 13)
        handle.write((canonical.dumps(document) + "\n").encode("utf-8"))
    return len(document["tables"]["events"])


def _value(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    kind = table.columns[column].type
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    return value


def _verify_or_roll_back(connection: Connection) -> None:
    """Verify the restored chain inside the restoring transaction: a tampered backup raises,
    and the transaction rolls back, leaving the database empty (issue 13)."""
    from sqlalchemy.orm import Session

    from openatt.register import audit

    with Session(bind=connection) as session:
        result = audit.verify(session)
    if result.broken is not None:
        raise Invalid(
            f"the backup's audit chain is broken ({result.broken}); nothing was restored",
            field=("file",),
        )


def restore(engine: Engine, path: Path) -> int:
    """Load a backup into an empty register; returns the number of events restored."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise Invalid(f"cannot read backup {path}: {error}", field=("file",)) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Invalid(f"{path} is not an openatt register backup", field=("file",))
    upgrade(engine, document.get("revision") or "head")
    with engine.begin() as connection:
        for model in (Event, User):
            count = connection.execute(select(func.count()).select_from(model)).scalar_one()
            if count:
                raise Conflict(
                    "the target database already holds a register; restore into an empty one"
                )
        connection.execute(text("DELETE FROM chain_head"))
        for table in _tables():
            rows = document["tables"].get(table.name, [])
            if rows:
                connection.execute(
                    table.insert(),
                    [{k: _value(table, k, v) for k, v in row.items()} for row in rows],
                )
        if engine.dialect.name == "postgresql":
            for table in _tables():
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].name == "id":
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        if document.get("revision") in (None, head_revision()):
            _verify_or_roll_back(connection)
    upgrade(engine)
    return len(document["tables"].get("events", []))

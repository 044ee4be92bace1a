"""Issue 13, attack 3: whoever could write the database rewrote the audit chain (an event
edited and every later hash and the chain head recomputed, or the last events removed with
the head set back) and ``audit verify`` said "intact"; on PostgreSQL ``TRUNCATE events``
bypassed the row triggers. Now checkpoints signed with a key the database does not hold
report both, and TRUNCATE is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from openatt.cli.main import build_app
from openatt.register import anchor, audit, users
from openatt.register.db import Database
from openatt.register.models import Role

FIELDS = ("seq", "at", "actor", "action", "entity", "entity_id", "payload", "retain_until")


def _filled(url: str) -> Database:
    db = Database(url)
    for name in ("alice", "bob", "carol", "dave"):
        with db.write() as session:
            users.add_user(session, username=name, password="long enough pw 1", role=Role.officer)
    return db


def _drop_guards(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER events_no_update"))
        connection.execute(text("DROP TRIGGER events_retention"))


def _rewrite_from(connection: Connection, seq: int) -> None:
    """Edit event ``seq`` and recompute its hash, every later one and the chain head."""
    connection.execute(text("UPDATE events SET actor = 'nobody' WHERE seq = :seq"), {"seq": seq})
    rows = connection.execute(text("SELECT * FROM events ORDER BY seq")).mappings().all()
    previous = audit.GENESIS
    for row in rows:
        fields: dict[str, Any] = {k: row[k] for k in FIELDS}
        fields["prev_hash"] = previous
        digest = audit.event_hash(fields)
        connection.execute(
            text("UPDATE events SET prev_hash = :p, hash = :h WHERE seq = :s"),
            {"p": previous, "h": digest, "s": row["seq"]},
        )
        previous = digest
    connection.execute(text("UPDATE chain_head SET hash = :h WHERE id = 1"), {"h": previous})


def _signed(db: Database, tmp_path: Path) -> tuple[Path, str]:
    key_file = tmp_path / "keys" / "signing.pem"
    public = anchor.public_hex(anchor.generate_key(key_file))
    key = anchor.signing_key(key_file)
    assert key is not None
    with db.read() as session:
        anchor.checkpoint(session, key, tmp_path / "checkpoints.jsonl")
    return tmp_path / "checkpoints.jsonl", public


def test_a_recomputed_chain_is_reported_against_the_signed_checkpoint(
    database_url: str, tmp_path: Path
) -> None:
    db = _filled(database_url)
    checkpoints, public = _signed(db, tmp_path)
    with db.engine.begin() as connection:
        _drop_guards(connection)
        _rewrite_from(connection, 2)
    with db.read() as session:
        assert audit.verify(session).intact  # the chain alone cannot tell
        check = anchor.verify_checkpoints(session, checkpoints, anchor.public_key(public))
    assert not check.intact and "rewritten" in check.problems[0]
    result = CliRunner().invoke(
        build_app(),
        [
            "audit",
            "verify-anchored",
            "--public-key",
            public,
            "--checkpoints",
            str(checkpoints),
            "--database",
            database_url,
        ],
    )
    assert result.exit_code == 1 and "rewritten" in result.output
    db.dispose()


def test_removed_last_events_with_the_head_set_back_are_reported(
    database_url: str, tmp_path: Path
) -> None:
    db = _filled(database_url)
    checkpoints, public = _signed(db, tmp_path)
    with db.engine.begin() as connection:
        _drop_guards(connection)
        last = int(connection.execute(text("SELECT MAX(seq) FROM events")).scalar_one())
        connection.execute(text("DELETE FROM users WHERE username = 'dave'"))
        connection.execute(text("DELETE FROM events WHERE seq = :s"), {"s": last})
        head = connection.execute(
            text("SELECT hash FROM events WHERE seq = :s"), {"s": last - 1}
        ).scalar_one()
        connection.execute(
            text("UPDATE chain_head SET seq = :s, hash = :h WHERE id = 1"),
            {"s": last - 1, "h": head},
        )
    with db.read() as session:
        assert audit.verify(session).intact
        check = anchor.verify_checkpoints(session, checkpoints, anchor.public_key(public))
    assert check.problems == [
        f"event {last} was checkpointed at {_at(checkpoints)} but is missing (history truncated)"
    ]
    db.dispose()


def _at(checkpoints: Path) -> str:
    import json

    return str(json.loads(checkpoints.read_text().splitlines()[-1])["at"])


def test_a_checkpoint_not_signed_by_the_trusted_key_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    db = _filled(database_url)
    checkpoints, _public = _signed(db, tmp_path / "a")
    stranger = anchor.public_hex(anchor.generate_key(tmp_path / "other.pem"))
    with db.read() as session:
        check = anchor.verify_checkpoints(session, checkpoints, anchor.public_key(stranger))
    assert check.problems == ["checkpoint line 1: not signed by the trusted key"]
    db.dispose()


# TRUNCATE and its triggers are PostgreSQL's (SQLite has no TRUNCATE): PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_truncate_events_is_refused_on_postgresql(database_url: str) -> None:
    db = _filled(database_url)
    for table in ("events", "chain_head"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {table} CASCADE"))
    with db.read() as session:
        assert audit.verify(session).intact
    db.dispose()


def test_checkpoints_and_keys_are_owner_only_and_the_tsq_is_rfc3161(
    database_url: str, tmp_path: Path
) -> None:
    db = _filled(database_url)
    checkpoints, _ = _signed(db, tmp_path)
    assert checkpoints.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys" / "signing.pem").stat().st_mode & 0o777 == 0o600
    [tsq] = tmp_path.glob("*.tsq")
    shown = subprocess.run(
        ["openssl", "ts", "-query", "-in", str(tsq), "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Hash Algorithm: sha256" in shown and "Certificate required: yes" in shown
    db.dispose()

"""Tampering behind the application's back (direct SQL), on SQLite and PostgreSQL:
``audit verify`` finds every kind and names the first broken record."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from register_helpers import Api, to_assessed
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import audit, canonical


def _drop_guards(connection: Connection) -> None:
    """What an administrator with database rights could do first."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER events_no_update"))
        connection.execute(text("DROP TRIGGER events_retention"))


def _last(connection: Connection) -> int:
    return int(connection.execute(text("SELECT MAX(seq) FROM events")).scalar_one())


def edit_payload(c: Connection) -> int:
    c.execute(
        text(
            "UPDATE events SET payload = replace(payload, 'submitted', 'approved') "
            "WHERE action = 'application.submit'"
        )
    )
    return int(
        c.execute(text("SELECT seq FROM events WHERE action = 'application.submit'")).scalar_one()
    )


def edit_and_rehash(c: Connection) -> int:
    """Rewrite an event and its own hash: the next event's prev_hash no longer matches."""
    row = c.execute(text("SELECT * FROM events WHERE seq = 3")).mappings().one()
    fields = {
        k: row[k]
        for k in (
            "seq",
            "at",
            "actor",
            "action",
            "entity",
            "entity_id",
            "payload",
            "retain_until",
            "prev_hash",
        )
    }
    fields["actor"] = "someone else (officer)"
    new_hash = audit.event_hash(fields)
    c.execute(
        text("UPDATE events SET actor = :a, hash = :h WHERE seq = 3"),
        {"a": fields["actor"], "h": new_hash},
    )
    return 4


def delete_middle(c: Connection) -> int:
    c.execute(text("DELETE FROM events WHERE seq = 5"))
    return 6


def delete_last(c: Connection) -> int:
    last = _last(c)
    c.execute(text("DELETE FROM events WHERE seq = :s"), {"s": last})
    return last


def insert_at_end(c: Connection) -> int:
    """A well-formed event appended without the chain head: caught by the head."""
    last = c.execute(text("SELECT * FROM events ORDER BY seq DESC LIMIT 1")).mappings().one()
    fields = {
        "seq": last["seq"] + 1,
        "at": last["at"],
        "actor": "intruder",
        "action": "application.submit",
        "entity": "application",
        "entity_id": 1,
        "payload": canonical.dumps({"digest": "0" * 64}),
        "retain_until": last["retain_until"],
        "prev_hash": last["hash"],
    }
    c.execute(
        text(
            "INSERT INTO events (seq, at, actor, action, entity, entity_id, payload, "
            "retain_until, prev_hash, hash) VALUES (:seq, :at, :actor, :action, "
            ":entity, :entity_id, :payload, :retain_until, :prev_hash, :hash)"
        ),
        {**fields, "hash": audit.event_hash(fields)},
    )
    return int(last["seq"]) + 1


def insert_in_middle(c: Connection) -> int:
    """Shift later events up and slot one in: the hashes no longer chain."""
    if c.dialect.name == "postgresql":
        c.execute(text("UPDATE events SET seq = -seq WHERE seq >= 4"))
        c.execute(text("UPDATE events SET seq = -seq + 1 WHERE seq < 0"))
    else:
        c.execute(text("UPDATE events SET seq = seq + 100000 WHERE seq >= 4"))
        c.execute(text("UPDATE events SET seq = seq - 100000 + 1 WHERE seq >= 100000"))
    c.execute(
        text(
            "INSERT INTO events (seq, at, actor, action, entity, entity_id, payload, "
            "retain_until, prev_hash, hash) SELECT 4, at, 'intruder', action, entity, "
            "entity_id, payload, retain_until, hash, :h FROM events WHERE seq = 3"
        ),
        {"h": "f" * 64},
    )
    return 4


def edit_entity(c: Connection) -> int:
    c.execute(text("UPDATE applications SET state = 'approved'"))
    return int(
        c.execute(text("SELECT MAX(seq) FROM events WHERE entity = 'application'")).scalar_one()
    )


def delete_entity(c: Connection) -> int:
    seq = int(
        c.execute(text("SELECT MAX(seq) FROM events WHERE entity = 'assessment'")).scalar_one()
    )
    c.execute(text("DELETE FROM assessments"))
    return seq


def insert_entity(c: Connection) -> int | None:
    c.execute(
        text(
            "INSERT INTO applications (reference, company, kind, state, exporting_state, "
            "importing_state, end_user, categories, payload, consultation, consulted, created_by, "
            "created_at, updated_at, retain_until, version) SELECT 'OA-FAKE', company, kind, "
            "'approved', exporting_state, importing_state, end_user, categories, payload, "
            "consultation, consulted, created_by, created_at, updated_at, retain_until, 1 "
            "FROM applications"
        )
    )
    return None


TAMPERING: dict[str, Callable[[Connection], int | None]] = {
    "edit an event": edit_payload,
    "edit an event and its hash": edit_and_rehash,
    "delete an event": delete_middle,
    "delete the last event": delete_last,
    "append an event": insert_at_end,
    "insert an event": insert_in_middle,
    "edit a record": edit_entity,
    "delete a record": delete_entity,
    "insert a record": insert_entity,
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_audit_verify_finds_tampering(api: Api, kind: str) -> None:
    to_assessed(api)
    runner = CliRunner()
    cli = build_app()
    clean = runner.invoke(cli, ["audit", "verify", "--database", api.url])
    assert clean.exit_code == 0, clean.output
    assert "intact" in clean.output
    with api.db.engine.begin() as connection:
        _drop_guards(connection)
        expected = TAMPERING[kind](connection)
    with api.db.read() as session:
        broken = audit.verify(session).broken
    assert broken is not None, kind
    assert broken.seq == expected, (kind, str(broken))
    result = runner.invoke(cli, ["audit", "verify", "--database", api.url])
    assert result.exit_code == 1, result.output
    assert "TAMPERED" in result.output
    if expected is not None:
        assert f"event {expected}" in result.output


def test_the_database_refuses_to_rewrite_or_delete_events(api: Api) -> None:
    """Retention (ATT Art. 12(4)): no event can be changed, nor deleted before its date."""
    to_assessed(api)
    for statement in (
        "UPDATE events SET actor = 'x' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError), api.db.engine.begin() as connection:
            connection.execute(text(statement))
    with api.db.read() as session:
        assert audit.verify(session).intact
    with api.db.engine.connect() as connection:
        retain = connection.execute(text("SELECT retain_until, at FROM events WHERE seq = 1")).one()
    assert str(retain[0])[:4] == str(int(retain[1][:4]) + 10)
    assert json.loads(canonical.dumps({"b": 1, "a": [1]})) == {"a": [1], "b": 1}

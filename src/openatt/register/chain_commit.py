"""On PostgreSQL, a write's events linked to the chain and its transaction committed in one
round trip (issue 16, eighth round of writes).

Every write extends the one hash chain, so writers queue on its head row. Under 50 clients
the head was measured busy all the time: writes passed it one at a time, 4-7 ms each, of
which the database's own work was about 1.2 ms (the same writes on an idle machine); the
rest was the holder's Python process getting the interpreter back between its round trips
(lock the head; write the events and move the head; COMMIT) while the process's other
requests ran. Here the head is locked, each event's hash computed, the events written and
the head moved in one statement, sent in one pipeline with the COMMIT: from the moment the
head is locked to the moment it is released, no Python runs.

The database computes each hash over the very bytes :func:`openatt.register.audit.event_hash`
hashes: the canonical text of the event is sent in two pieces, everything before the
previous hash and everything between it and the sequence number, and the statement puts
those two (both ASCII: 64 hex digits, a whole number) in place. Before anything is sent, the
pieces are checked to rebuild the canonical text of the event exactly, with a stand-in hash
and number; an event whose text does not fit that layout makes :func:`link_and_commit`
decline, and the caller links the events the ordinary way (lock, link in Python, commit).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from openatt.register import canonical

# More events than this in one transaction (bulk actions) are linked the ordinary way: the
# statement grows with them, and such writes are rare.
MOST_EVENTS = 16
_STAND_IN_HASH = "0" * 64
_STAND_IN_SEQ = 1
_HASHED = ("at", "actor", "action", "entity", "entity_id", "payload", "retain_until")


def pieces(fields: Mapping[str, Any]) -> tuple[bytes, str] | None:
    """(the canonical text up to the previous hash, as UTF-8; the text between the previous
    hash and the sequence number) of an event whose hashed fields other than those two are
    ``fields``; None if the event's canonical text is not laid out so."""
    if set(fields) != set(_HASHED):
        return None
    rest = {key: fields[key] for key in _HASHED if key != "retain_until"}
    before = canonical.dumps_bytes(rest)
    if not before.endswith(b"}") or before == b"{}":
        return None
    first = before[:-1] + b',"prev_hash":"'
    between = '","retain_until":' + canonical.dumps(fields["retain_until"]) + ',"seq":'
    whole = {**fields, "prev_hash": _STAND_IN_HASH, "seq": _STAND_IN_SEQ}
    rebuilt = first + f"{_STAND_IN_HASH}{between}{_STAND_IN_SEQ}}}".encode()
    if rebuilt != canonical.dumps_bytes(whole):
        return None
    return first, between


@functools.cache
def statement(events: int) -> str:
    """The statement that links ``events`` events: it locks the head, chains the events from
    it (each hash SHA-256 of ``first || prev_hash || between || seq || '}'``), writes them and
    moves the head, returning the new head. A missing head makes the first event's number
    null, which the log's primary key refuses: the statement fails and nothing commits."""
    links = []
    for number in range(events):
        source = (
            "SELECT (SELECT seq FROM old) + 1 AS s, (SELECT hash FROM old) AS p"
            if number == 0
            else f"SELECT seq + 1 AS s, hash AS p FROM l{number - 1}"
        )
        links.append(
            f"l{number} AS (SELECT s AS seq, p AS prev_hash, encode(sha256("
            f"%(first{number})s::bytea || convert_to(p || %(between{number})s::text "
            f"|| s::text || '}}', 'UTF8')), 'hex') AS hash FROM ({source}) AS n)"
        )
    rows = " UNION ALL ".join(
        f"SELECT seq, %(at{n})s::text, %(actor{n})s::text, %(action{n})s::text, "
        f"%(entity{n})s::text, %(entity_id{n})s::integer, %(payload{n})s::text, "
        f"%(retain_until{n})s::date, prev_hash, hash FROM l{n}"
        for n in range(events)
    )
    return (
        "WITH old AS (SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE), "
        + ", ".join(links)
        + ", added AS (INSERT INTO events (seq, at, actor, action, entity, entity_id, payload, "
        f"retain_until, prev_hash, hash) {rows} RETURNING seq) "
        f"UPDATE chain_head SET seq = last.seq, hash = last.hash FROM l{events - 1} AS last "
        "WHERE chain_head.id = 1 RETURNING chain_head.seq, chain_head.hash"
    )


def link_and_commit(
    connection: Connection, events: Sequence[Mapping[str, Any]]
) -> tuple[int, str] | None:
    """Link ``events`` (each its hashed fields but ``seq`` and ``prev_hash``) to the chain and
    commit the transaction of ``connection``, in one round trip; the new head (sequence
    number, hash). None, with nothing sent, where this cannot be done (not psycopg, no
    pipeline in its libpq, autocommit, too many events, an event of another layout): the
    caller links them itself. An error of the statement or of the COMMIT is raised, the
    transaction not committed."""
    raw = connection.connection.driver_connection
    if (
        not isinstance(raw, psycopg.Connection)
        or raw.autocommit
        or not events
        or len(events) > MOST_EVENTS
        or not psycopg.Pipeline.is_supported()
    ):
        return None
    values: dict[str, Any] = {}
    for number, fields in enumerate(events):
        found = pieces(fields)
        if found is None:
            return None
        values[f"first{number}"], values[f"between{number}"] = found
        values.update({f"{key}{number}": fields[key] for key in _HASHED})
    text = statement(len(events))
    cursor = raw.cursor()
    try:
        # Seen by SQLAlchemy's statement hooks as any other statement (tests count them).
        connection.dispatch.before_cursor_execute(connection, cursor, text, values, None, False)
        with raw.pipeline():
            cursor.execute(text, values)
            raw.commit()
        head = cursor.fetchone()
        connection.dispatch.after_cursor_execute(connection, cursor, text, values, None, False)
    except psycopg.Error as error:
        # As SQLAlchemy raises it for its own statements (IntegrityError, DataError...), so
        # that callers and the API's error handlers see what they would see otherwise.
        raise DBAPIError.instance(
            text, values, error, psycopg.Error, dialect=connection.dialect
        ) from error
    finally:
        cursor.close()
    if head is None:  # pragma: no cover - the UPDATE returns the head it moved
        raise RuntimeError("the chain head was not moved")
    return int(head[0]), str(head[1])

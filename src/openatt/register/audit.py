"""The append-only, hash-chained event log, and its verification.

Every change to the register is written with :func:`record` in the same transaction as the
change itself. Each event's ``hash`` is the SHA-256 of the canonical JSON of its other
fields, ``prev_hash`` included, so editing, inserting or removing an event breaks the chain
from that point on. Two further checks catch what a consistent chain cannot show:

* the chain head (a separate row) holds the last sequence number and hash, so deleting the
  last events, which leaves a shorter but valid chain, is noticed;
* each event names the entity it changed and the digest of that row after the change, so a
  row edited, inserted or deleted in an entity table without an event is noticed too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from openatt.register import canonical
from openatt.register.models import ENTITY_TABLES, Base, ChainHead, Event
from openatt.register.retention import retain_until

GENESIS = "0" * 64


def row_digest(row: Base) -> str:
    """The digest of every column of an entity row, as the database holds it."""
    mapper = inspect(type(row))
    values = {column.key: getattr(row, column.key) for column in mapper.column_attrs}
    return canonical.digest(values)


def event_hash(fields: dict[str, Any]) -> str:
    return canonical.digest(fields)


def _hashed_fields(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "payload": event.payload,
        "retain_until": event.retain_until,
        "prev_hash": event.prev_hash,
    }


def entity_name(row: Base) -> str:
    for name, table in ENTITY_TABLES.items():
        if isinstance(row, table):
            return name
    raise TypeError(f"{type(row).__name__} is not a register entity")


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    row: Base,
    payload: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Event:
    """Append one event for ``row`` (flushed, so its id and version are final)."""
    session.flush()
    head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar()
    if head is None:
        head = ChainHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    moment = now or dt.datetime.now(dt.UTC)
    body = dict(payload or {})
    body["digest"] = row_digest(row)
    event = Event(
        seq=head.seq + 1,
        at=moment.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        actor=actor,
        action=action,
        entity=entity_name(row),
        entity_id=int(getattr(row, "id")),  # noqa: B009 (every entity has an integer id)
        payload=canonical.dumps(body),
        retain_until=retain_until(moment.date()),
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event_hash(_hashed_fields(event))
    session.add(event)
    head.seq = event.seq
    head.hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class Break:
    """The first place where the register and its log disagree."""

    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "register"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    events: int
    head_seq: int
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _events(session: Session) -> Iterator[Event]:
    yield from session.execute(select(Event).order_by(Event.seq)).scalars()


def verify(session: Session) -> Verification:
    """Recompute the chain and check it against the head and the entity tables."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    latest: dict[tuple[str, int], tuple[int, str]] = {}
    for event in _events(session):
        count += 1
        if event.seq != expected_seq:
            problem = f"expected sequence {expected_seq}, found {event.seq} (events missing)"
            return Verification(count, event.seq, Break(event.seq, problem))
        if event.prev_hash != expected_prev:
            problem = "prev_hash does not match the previous event (inserted or removed event)"
            return Verification(count, event.seq, Break(event.seq, problem))
        if event_hash(_hashed_fields(event)) != event.hash:
            return Verification(count, event.seq, Break(event.seq, "contents do not match hash"))
        try:
            digest = canonical_payload_digest(event.payload)
        except ValueError as error:
            return Verification(count, event.seq, Break(event.seq, str(error)))
        latest[(event.entity, event.entity_id)] = (event.seq, digest)
        expected_prev = event.hash
        expected_seq += 1
    head = session.get(ChainHead, 1)
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    if head_seq != count or head_hash != expected_prev:
        problem = (
            f"the chain head records {head_seq} events ending in {head_hash[:12]}, the log "
            f"has {count} ending in {expected_prev[:12]} (last events deleted or appended)"
        )
        return Verification(
            count, head_seq, Break(count + 1 if head_seq > count else count, problem)
        )
    broken = _check_entities(session, latest)
    return Verification(count, head_seq, broken)


def canonical_payload_digest(payload: str) -> str:
    import json

    try:
        body = json.loads(payload)
    except json.JSONDecodeError as error:
        raise ValueError(f"payload is not JSON: {error}") from error
    digest = body.get("digest") if isinstance(body, dict) else None
    if not isinstance(digest, str):
        raise ValueError("payload has no row digest")
    return digest


def _check_entities(
    session: Session, latest: dict[tuple[str, int], tuple[int, str]]
) -> Break | None:
    seen: set[tuple[str, int]] = set()
    for name, table in ENTITY_TABLES.items():
        for row in session.execute(select(table)).scalars():
            key = (name, int(getattr(row, "id")))  # noqa: B009
            seen.add(key)
            logged = latest.get(key)
            if logged is None:
                return Break(None, f"{name} {key[1]} has no event (inserted behind the log)")
            if row_digest(row) != logged[1]:
                problem = f"{name} {key[1]} differs from its last logged state (edited)"
                return Break(logged[0], problem)
    for key, (seq, _) in sorted(latest.items(), key=lambda kv: kv[1][0]):
        if key not in seen:
            return Break(seq, f"{key[0]} {key[1]} is logged but missing (deleted)")
    return None

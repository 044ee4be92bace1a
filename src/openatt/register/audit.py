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

import contextlib
import datetime as dt
import functools
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Engine,
    Insert,
    Table,
    bindparam,
    insert,
    inspect,
    select,
    union_all,
    update,
)
from sqlalchemy import event as orm_events
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.session import SessionTransaction
from sqlalchemy.sql.util import find_tables

from openatt.register import canonical, chain_commit
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


# The head is read (and locked) once per transaction, then kept beside the session: every
# later event of the transaction follows from it without another round trip (issue 16). Any
# transaction or savepoint starting or ending forgets it, so a rolled-back savepoint never
# leaves a head that the database no longer holds.
_HEAD = "openatt.chain_head"
# The events recorded in the transaction (issue 16, fourth round): each is complete but for
# its sequence number, its link and its hash, given under the head's lock just before the
# commit. ``_LINKED``: how many of them are in the log already (linked early because a
# statement read the log); ``_MARKS``: both counts when each savepoint began, restored when
# it is rolled back (the database undoes whatever was linked inside it).
_PENDING = "openatt.pending_events"
_LINKED = "openatt.linked_events"
_MARKS = "openatt.savepoint_marks"
_LOG_TABLES = frozenset({"events", "chain_head"})
_LOCK_HEAD = select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1).with_for_update()
_EVENTS = cast(Table, Event.__table__)
_HEAD_TABLE = cast(Table, ChainHead.__table__)
_MOVE_HEAD = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)

_LINKED_COLUMNS = (
    "seq", "at", "actor", "action", "entity", "entity_id", "payload", "retain_until",
    "prev_hash", "hash",
)  # fmt: skip


@functools.lru_cache(maxsize=32)
def _append_and_move(events: int) -> Insert:
    """On PostgreSQL, ``events`` events written and the head moved in ONE statement (the
    UPDATE as a data-modifying CTE, which PostgreSQL runs once, to completion, whether or not
    the INSERT reads it): one round trip fewer while every writer waits for the head (issue
    16, fifth round). Built once per number of events, as INSERT ... SELECT of the rows'
    parameters (a multi-row VALUES has no cache key: SQLAlchemy compiled it every time); the
    values are bound per call as ``<column>_<index>``, ``new_seq`` and ``new_hash``."""
    moved = _MOVE_HEAD.returning(_HEAD_TABLE.c.id).cte("moved_head")
    rows = [
        select(
            *(
                bindparam(f"{name}_{index}", type_=_EVENTS.c[name].type).label(name)
                for name in _LINKED_COLUMNS
            )
        )
        for index in range(events)
    ]
    chosen = rows[0] if events == 1 else union_all(*rows)
    columns = [_EVENTS.c[name] for name in _LINKED_COLUMNS]
    return insert(_EVENTS).from_select(columns, chosen).add_cte(moved)


@dataclass(frozen=True)
class _Unlinked:
    """An event as recorded: everything but its place in the chain. ``moment`` is ``None``
    when the caller gave no time: the event is then stamped when it is linked."""

    moment: dt.datetime | None
    actor: str
    action: str
    entity: str
    entity_id: int
    payload: str


@orm_events.listens_for(Session, "after_transaction_create")
def _begin(session: Session, transaction: SessionTransaction) -> None:
    session.info.pop(_HEAD, None)
    if transaction.nested:
        marks = session.info.setdefault(_MARKS, {})
        marks[transaction] = (len(session.info.get(_PENDING, ())), session.info.get(_LINKED, 0))


@orm_events.listens_for(Session, "after_transaction_end")
def _end(session: Session, transaction: SessionTransaction) -> None:
    session.info.pop(_HEAD, None)
    if not transaction.nested and transaction.parent is None:
        for key in (_PENDING, _LINKED, _MARKS):  # committed (all linked) or rolled back
            session.info.pop(key, None)


@orm_events.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        mark = session.info.get(_MARKS, {}).pop(previous, None)
        pending: list[_Unlinked] | None = session.info.get(_PENDING)
        if mark is not None and pending is not None:
            del pending[mark[0] :]
            session.info[_LINKED] = mark[1]


@orm_events.listens_for(Session, "before_commit")
def _link_before_commit(session: Session) -> None:
    if not session.in_nested_transaction() and not _link_and_commit(session):
        link_pending(session)


def _link_and_commit(session: Session) -> bool:
    """On PostgreSQL, the transaction's events linked and the transaction committed in one
    round trip (:mod:`openatt.register.chain_commit`), when none was linked yet; True if it
    was done (the ORM's own COMMIT that follows then finds nothing to commit)."""
    recorded: list[_Unlinked] = session.info.get(_PENDING, [])
    if not recorded or session.info.get(_LINKED, 0) or _HEAD in session.info:
        return False
    bind = session.get_bind()
    # Only a session on an engine owns its connection's transaction: one bound to a
    # connection whose transaction someone else began must leave the COMMIT to them.
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return False
    session.flush()  # every change before the COMMIT goes with it
    if session.new or session.dirty or session.deleted:  # pragma: no cover - just flushed
        return False
    linked_at = dt.datetime.now(dt.UTC)
    head = chain_commit.link_and_commit(
        session.connection(), [_hashed(unlinked, linked_at) for unlinked in recorded]
    )
    if head is None:
        return False
    session.info[_LINKED] = len(recorded)
    session.info[_HEAD] = head
    return True


def _hashed(unlinked: _Unlinked, linked_at: dt.datetime) -> dict[str, Any]:
    """The hashed fields of an event but its sequence number and previous hash."""
    moment = unlinked.moment or linked_at
    return {
        "at": moment.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": unlinked.actor,
        "action": unlinked.action,
        "entity": unlinked.entity,
        "entity_id": unlinked.entity_id,
        "payload": unlinked.payload,
        "retain_until": retain_until(moment.date()),
    }


@orm_events.listens_for(Session, "do_orm_execute")
def _link_before_reading_the_log(state: ORMExecuteState) -> None:
    """A statement that reads the log or the head in a transaction that recorded events sees
    them: they are linked first (the head is then locked from here to the commit)."""
    info = state.session.info
    if len(info.get(_PENDING, ())) > info.get(_LINKED, 0) and _reads_log(state.statement):
        link_pending(state.session)


# Whether a statement reads the log, by statement (statements are immutable; most are built
# once and executed again and again): walking one's tables cost a write ~0.2 ms (issue 16).
_READS_LOG: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _reads_log(statement: Any) -> bool:
    try:
        return _READS_LOG[statement]
    except (KeyError, TypeError):
        pass
    found = any(
        getattr(table, "name", None) in _LOG_TABLES
        for table in find_tables(statement, include_crud=True, include_joins=True)
    )
    with contextlib.suppress(TypeError):  # a statement that cannot be weakly referenced
        _READS_LOG[statement] = found
    return found


def lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction and return its sequence number and
    hash (created at the genesis when the register has none yet)."""
    cached: tuple[int, str] | None = session.info.get(_HEAD)
    if cached is not None:
        return cached
    found = session.execute(_LOCK_HEAD).first()
    if found is None:
        session.execute(insert(_HEAD_TABLE).values(id=1, seq=0, hash=GENESIS))
        head = (0, GENESIS)
    else:
        head = (int(found.seq), str(found.hash))
    session.info[_HEAD] = head
    return head


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    row: Base,
    payload: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    spliced: dict[str, str] | None = None,
) -> None:
    """Record one event for ``row`` (flushed, so its id and version are final).
    ``spliced``: payload entries that are canonical JSON text already (see
    :func:`canonical.dumps_spliced`), written as they are.

    The event is built here (the row's digest, the payload's canonical text) and linked to
    the chain just before the commit (:func:`link_pending`), with every other event of the
    transaction: the chain head, which every writer queues on, is locked only for the
    transaction's last statements (issue 16, fourth round). The bytes hashed are the same."""
    session.flush()
    body = dict(payload or {})
    body["digest"] = row_digest(row)
    pending: list[_Unlinked] = session.info.setdefault(_PENDING, [])
    pending.append(
        _Unlinked(
            moment=now,
            actor=actor,
            action=action,
            entity=entity_name(row),
            entity_id=int(getattr(row, "id")),  # noqa: B009 (every entity has an integer id)
            payload=canonical.dumps_spliced(body, spliced or {}),
        )
    )


def link_pending(session: Session) -> None:
    """Lock the head, give the events recorded in this transaction their sequence numbers,
    links and hashes, and write them (one INSERT) and the new head (one UPDATE). Called
    before the commit, and before a statement of the transaction reads the log."""
    recorded: list[_Unlinked] = session.info.get(_PENDING, [])
    linked: int = session.info.get(_LINKED, 0)
    pending = recorded[linked:]
    if not pending:
        return
    session.info[_LINKED] = len(recorded)  # first: the statements below read the log
    seq, prev_hash = lock_head(session)
    linked_at = dt.datetime.now(dt.UTC)
    rows = []
    for unlinked in pending:
        seq += 1
        fields = {"seq": seq, **_hashed(unlinked, linked_at), "prev_hash": prev_hash}
        prev_hash = event_hash(fields)
        rows.append({**fields, "hash": prev_hash})
    if session.get_bind().dialect.name == "postgresql" and len(rows) <= 32:
        values = {f"{k}_{i}": v for i, row in enumerate(rows) for k, v in row.items()}
        values.update(new_seq=seq, new_hash=prev_hash)
        session.execute(_append_and_move(len(rows)), values)
    else:
        session.execute(insert(_EVENTS), rows[0] if len(rows) == 1 else rows)
        session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    session.info[_HEAD] = (seq, prev_hash)
    _expire_loaded_head(session)


def _expire_loaded_head(session: Session) -> None:
    """A head the ORM loaded earlier in this session (``verify``, ``anchor``) is stale now."""
    loaded = session.identity_map.get(session.identity_key(ChainHead, 1))
    if loaded is not None:
        session.expire(loaded)


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

"""The events linked and the transaction committed in one round trip on PostgreSQL (issue
16, eighth round of writes): the database hashes the same bytes as Python, the chain stays
linear under concurrent writers, a failure commits nothing, and whatever cannot be sent so
is linked the ordinary way."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from register_helpers import user_row
from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import IntegrityError

from openatt.register import audit, canonical, chain_commit
from openatt.register.db import Database
from openatt.register.models import ChainHead, Event, User

# Payloads an officer's notes and a list's names bring: quotes, backslashes, controls,
# scripts, astral characters, numbers json and orjson write alike or not (1e-05).
AWKWARD: list[Any] = [
    'a "quoted" note \\ with a backslash',
    "line\nbreak\ttab\x00nul\x1f",
    "Муаммар Каддафи / معمر القذافي / 卡扎菲 / 🚀",
    "\u2028\u2029 separators",
    {"nested": {"z": [1, 2.5, -3], "a": None, "é": True}},
    [0.1, 1e-05, 1.5e-07, 123456789012345678901234567890, -0.0],
    "x" * 5000,
]


def _event_fields(payload: Any, moment: dt.datetime) -> dict[str, Any]:
    return {
        "at": moment.isoformat(timespec="microseconds"),
        "actor": "tester",
        "action": "user.note",
        "entity": "user",
        "entity_id": 7,
        "payload": canonical.dumps({"note": payload}),
        "retain_until": dt.date(2036, 12, 4),
    }


def test_the_pieces_rebuild_the_canonical_text_of_every_event() -> None:
    rng = random.Random(20261204)
    moment = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)
    scattered = ("".join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(40)) for _ in range(200))
    samples = [*AWKWARD, *scattered]
    for payload in samples:
        if any(0xD800 <= ord(c) <= 0xDFFF for c in str(payload)):
            continue  # a lone surrogate cannot be stored as text
        fields = _event_fields(payload, moment)
        found = chain_commit.pieces(fields)
        assert found is not None, payload
        first, between = found
        for prev, seq in ((audit.GENESIS, 1), ("f" * 64, 987654321)):
            text = first + f"{prev}{between}{seq}}}".encode()
            whole = {**fields, "prev_hash": prev, "seq": seq}
            assert text == canonical.dumps_bytes(whole)
            assert canonical.digest(whole) == audit.event_hash(whole)


def test_an_event_of_another_layout_is_declined() -> None:
    fields = _event_fields("note", dt.datetime(2026, 12, 4, tzinfo=dt.UTC))
    assert chain_commit.pieces({**fields, "extra": 1}) is None
    assert chain_commit.pieces({k: v for k, v in fields.items() if k != "actor"}) is None


def _note(session: Any, user: User, payload: Any) -> None:
    audit.record(session, actor="tester", action="user.note", row=user, payload={"note": payload})


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _chain(db: Database) -> list[Event]:
    with db.read() as session:
        result = audit.verify(session)
        assert result.intact, result.broken
        return list(session.execute(select(Event).order_by(Event.seq)).scalars())


@pytest.fixture(name="db")
def db_fixture(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


def test_events_of_every_kind_link_as_python_hashes_them(db: Database) -> None:
    """One to five events per transaction, awkward payloads: each stored hash is the SHA-256
    Python computes of the event's canonical text, and on PostgreSQL the head is locked,
    the events written and the head moved by one statement."""
    with db.write() as session:
        user_id = user_row(session, "noter").id
    for count in range(1, 6):
        with _statements(db) as seen, db.write() as session:
            user = session.get(User, user_id)
            assert user is not None
            for number in range(count):
                _note(session, user, AWKWARD[(count + number) % len(AWKWARD)])
        on_head = [s for s in seen if "chain_head" in s]
        if db.is_sqlite:
            assert len(on_head) == 2  # the head read and locked, then moved
        else:
            assert len(on_head) == 1 and "FOR UPDATE" in on_head[0], on_head
            assert "COMMIT" not in " ".join(seen)  # sent in the pipeline, not as a statement
    events = _chain(db)
    assert len(events) == 1 + sum(range(1, 6))
    previous = audit.GENESIS
    for logged in events:
        assert logged.prev_hash == previous
        assert logged.hash == audit.event_hash(audit._hashed_fields(logged))
        previous = logged.hash


def test_concurrent_writers_keep_one_linear_chain(db: Database) -> None:
    with db.write() as session:
        ids = [user_row(session, f"writer{n}").id for n in range(6)]
    barrier = threading.Barrier(len(ids))
    failures: list[BaseException] = []

    def write(user_id: int) -> None:
        try:
            barrier.wait()
            for turn in range(8):
                with db.write() as session:
                    user = session.get(User, user_id)
                    assert user is not None
                    for number in range(1 + turn % 3):
                        _note(session, user, f"{user_id}/{turn}/{number} Ω")
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(user_id,)) for user_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    events = _chain(db)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(events) == len(ids) + len(ids) * sum(1 + turn % 3 for turn in range(8))
    with db.read() as session:
        head = session.get(ChainHead, 1)
        assert head is not None and (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_a_failing_link_commits_nothing(db: Database) -> None:
    """The head gone (as if deleted behind the register's back): the statement cannot number
    the events, fails, and the change written before it in the transaction is not kept."""
    with db.write() as session:
        user_row(session, "first")
    with pytest.raises(IntegrityError), db.write() as session:
        session.execute(delete(ChainHead))
        _note(session, user_row(session, "never"), "lost with its transaction")
    with db.read() as session:
        assert session.execute(select(User.username)).scalars().all() == ["first"]
        assert session.get(ChainHead, 1) is not None
        assert session.execute(select(func.count()).select_from(Event)).scalar() == 1


def test_more_events_than_one_statement_takes_are_linked_the_ordinary_way(db: Database) -> None:
    with db.write() as session:
        user = user_row(session, "bulk")
        for number in range(chain_commit.MOST_EVENTS + 3):
            _note(session, user, number)
    assert len(_chain(db)) == chain_commit.MOST_EVENTS + 4


def test_a_session_writes_again_after_a_commit_in_one_trip(db: Database) -> None:
    """The session's transaction ended by the pipelined COMMIT is ended for the ORM too: the
    next transaction of the same session starts afresh and links after the first."""
    with db.sessions() as session:
        with session.begin():
            user = user_row(session, "twice")
        with session.begin():
            _note(session, user, "second transaction")
        with session.begin():
            _note(session, user, "third transaction")
    events = _chain(db)
    assert [e.action for e in events] == ["user.create", "user.note", "user.note"]


def test_a_session_on_a_borrowed_connection_leaves_the_commit_to_its_owner(db: Database) -> None:
    """A session bound to a connection whose transaction its caller began (a restore's
    check, a test's outer transaction) never commits it: rolled back by the owner, its
    events are gone with the rest."""
    from sqlalchemy.orm import Session

    with db.write() as session:
        user_row(session, "owner")
    with db.engine.connect() as connection:
        outer = connection.begin()
        with (
            Session(bind=connection, join_transaction_mode="create_savepoint") as session,
            session.begin(),
        ):
            user_row(session, "borrowed")
        outer.rollback()
    with db.read() as session:
        assert session.execute(select(User.username)).scalars().all() == ["owner"]
    assert len(_chain(db)) == 1

"""Optimistic locking: two officers deciding at once, one wins, the other gets 409, and
nothing of the loser's decision is written."""

from __future__ import annotations

import threading

import pytest
from register_helpers import Api, to_assessed, version
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from openatt.register import audit, users
from openatt.register.db import Database
from openatt.register.models import ApplicationRow, DecisionRow, Event, Role


def test_two_officers_decide_at_once(api: Api) -> None:
    app_id = to_assessed(api)
    seen = version(api, app_id)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def decide(user: str, outcome: str) -> None:
        barrier.wait()
        response = api.post(
            f"/applications/{app_id}/decide",
            user,
            {"version": seen, "outcome": outcome, "reasons": f"{user} decides {outcome}"},
        )
        results[user] = response.status_code

    threads = [
        threading.Thread(target=decide, args=("officer", "approved")),
        threading.Thread(target=decide, args=("officer2", "denied")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 409], results
    with api.db.read() as session:
        decisions = session.execute(select(DecisionRow)).scalars().all()
        assert len(decisions) == 1
        assert audit.verify(session).intact


def test_a_stale_write_is_rolled_back_whole(api: Api) -> None:
    """Below the API: two sessions read the same version; the second flush fails and its
    transaction (event included) is rolled back."""
    app_id = to_assessed(api)
    with api.db.read() as session:
        events_before = session.execute(select(func.count()).select_from(Event)).scalar_one()
    first = api.db.sessions()
    second = api.db.sessions()
    try:
        row_a = first.get(ApplicationRow, app_id)
        row_b = second.get(ApplicationRow, app_id)
        assert row_a is not None and row_b is not None
        first.commit()  # end both read transactions; the loaded rows stay in the sessions
        second.commit()
        row_a.end_user = "changed by A"
        first.commit()
        row_b.end_user = "changed by B"
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    with api.db.read() as session:
        row = session.get(ApplicationRow, app_id)
        assert row is not None and row.end_user == "changed by A"
        count = session.execute(select(func.count()).select_from(Event)).scalar_one()
        assert count == events_before
        # A changed the row without an event: the audit catches exactly that.
        broken = audit.verify(session).broken
        assert broken is not None and "application" in broken.problem


def test_two_processes_writing_one_register_keep_one_chain(database_url: str) -> None:
    """Two Database objects stand for two processes (the server and a CLI command): their
    writes queue on the database's lock and the chain stays whole."""
    first, second = Database(database_url), Database(database_url)
    failures: list[str] = []

    def work(db: Database, prefix: str) -> None:
        for index in range(4):
            try:
                with db.write() as session:
                    users.add_user(
                        session,
                        username=f"{prefix}{index}",
                        password="a long password",
                        role=Role.officer,
                    )
            except Exception as error:  # collected, so the assertion shows what failed
                failures.append(repr(error))

    threads = [
        threading.Thread(target=work, args=(first, "a")),
        threading.Thread(target=work, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        with first.read() as session:
            result = audit.verify(session)
        assert result.intact and result.events == 8
    finally:
        first.dispose()
        second.dispose()

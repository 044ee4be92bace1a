"""The chain head locked last (issue 16, fourth round): a write builds its events as it goes
and links them to the chain just before its commit, so writers queue on the head only for
their last statements. These check what that must keep, on SQLite and PostgreSQL: one linear
chain that verifies with every event of every write that succeeded, no write lost or
deadlocked under concurrent reassessments, decisions and creates, the log read inside a
transaction showing that transaction's own events, and savepoints rolled back dropping
exactly their events; and that a reassessment given the same inputs again reuses the
engine's output while any new fact runs the engine."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import Any

import pytest
from register_helpers import Api, application, to_assessed, version
from sqlalchemy import select

from openatt.core.engine import Engine
from openatt.core.model import Evidence
from openatt.register import assessing, audit, canonical, engine_ahead, users
from openatt.register.applications import payload_of
from openatt.register.models import ApplicationRow, Event, Role, User

IN_LINE = {"approve": "approved", "approve_with_conditions": "approved_with_conditions"}


def _actions(api: Api) -> Counter[str]:
    with api.db.read() as session:
        return Counter(session.execute(select(Event.action)).scalars())


def _linear_and_intact(api: Api) -> None:
    with api.db.read() as session:
        result = audit.verify(session)
        assert result.intact, result.broken
        seqs = list(session.execute(select(Event.seq).order_by(Event.seq)).scalars())
    assert seqs == list(range(1, len(seqs) + 1))


def _decision(api: Api, case: int) -> dict[str, Any]:
    latest = api.get(f"/applications/{case}/assessments", "officer").json()[-1]
    outcome = IN_LINE.get(latest["recommendation"], "approved")  # refer: four-eyes
    body: dict[str, Any] = {"version": version(api, case), "outcome": outcome, "reasons": "ok"}
    if outcome == "approved_with_conditions":
        body["conditions"] = ["delivery verification"]
    return body


def test_concurrent_reassessments_decisions_and_creates_keep_one_chain(api: Api) -> None:
    cases = [to_assessed(api) for _ in range(3)]
    before = _actions(api)
    statuses: Counter[tuple[str, int]] = Counter()
    barrier = threading.Barrier(6)

    def write(index: int) -> None:
        barrier.wait()
        for turn in range(3):
            case = cases[(index + turn) % len(cases)]
            if index % 3 == 0:
                response = api.post("/applications", "applicant", application())
                statuses["create", response.status_code] += 1
            elif index % 3 == 1:
                reason = {"reason": f"writer {index} turn {turn}: new information"}
                response = api.post(f"/applications/{case}/reassess", "officer", reason)
                statuses["reassess", response.status_code] += 1
            else:
                body = _decision(api, case)  # may be stale by the time it arrives: 409
                response = api.post(f"/applications/{case}/decide", "officer", body)
                statuses["decide", response.status_code] += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kinds = {(kind, status) for kind, status in statuses}
    assert kinds <= {("create", 201), ("reassess", 200), ("reassess", 409)} | {
        ("decide", status) for status in (200, 409)
    }, statuses
    added = _actions(api) - before
    assert added["application.create"] == statuses["create", 201] == 6
    assert added["application.reassess"] == statuses["reassess", 200] > 0
    assert added["application.decide"] == statuses["decide", 200]
    assert added["decision.create"] == statuses["decide", 200]
    _linear_and_intact(api)


def test_on_postgresql_a_write_in_progress_does_not_hold_the_chain_head(
    api: Api, engine: Engine
) -> None:
    """A write that has recorded its events but not committed leaves the head free: another
    write on another case commits meanwhile, and both end in one chain."""
    if api.db.is_sqlite:
        pytest.skip("SQLite has one writer at a time (BEGIN IMMEDIATE) by design")
    first, second = to_assessed(api), to_assessed(api)
    with api.db.read() as session:
        officer = users.actor_of(
            session.execute(select(User).where(User.username == "officer")).scalar_one()
        )
    done = threading.Event()
    failures: list[BaseException] = []

    def other_write() -> None:
        try:
            response = api.post(f"/applications/{second}/reassess", "officer", {"reason": "b"})
            assert response.status_code == 200, response.text
            done.set()
        except BaseException as error:  # reported below
            failures.append(error)

    with api.db.write() as session:
        assessing.reassess(session, officer, first, engine, reason="a")
        thread = threading.Thread(target=other_write)
        thread.start()
        finished = done.wait(timeout=30)  # before this transaction commits
    thread.join()
    assert failures == [] and finished
    _linear_and_intact(api)


def test_the_log_read_in_a_transaction_shows_its_own_events(api: Api) -> None:
    with api.db.read() as session:
        before = session.execute(select(Event.seq).order_by(Event.seq.desc())).scalars().first()
    with api.db.write() as session:
        users.add_user(session, username="seen", password="a long password", role=Role.officer)
        last = session.execute(select(Event).order_by(Event.seq.desc())).scalars().first()
        assert last is not None and last.action == "user.add" and last.seq == before + 1
        users.add_user(session, username="seen2", password="a long password", role=Role.officer)
    with api.db.read() as session:
        actions = list(
            session.execute(select(Event.action).where(Event.seq > before).order_by(Event.seq))
        )
    assert [a for (a,) in actions] == ["user.add", "user.add"]
    _linear_and_intact(api)


def test_a_savepoint_rolled_back_after_the_log_was_read_keeps_the_events_before_it(
    api: Api,
) -> None:
    """Events recorded before a savepoint and linked inside it (a read of the log) are undone
    by the database with the savepoint: they are linked again at the commit."""
    with api.db.write() as session:
        users.add_user(session, username="before", password="a long password", role=Role.officer)
        savepoint = session.begin_nested()
        session.execute(select(Event.seq)).all()  # links "before" inside the savepoint
        users.add_user(session, username="lost", password="a long password", role=Role.officer)
        savepoint.rollback()
        users.add_user(session, username="after", password="a long password", role=Role.officer)
    with api.db.read() as session:
        names = set(session.execute(select(User.username)).scalars())
    assert {"before", "after"} <= names and "lost" not in names
    _linear_and_intact(api)


def test_the_same_inputs_reuse_the_engines_output_and_a_new_fact_runs_it(
    api: Api, engine: Engine
) -> None:
    case = to_assessed(api)
    with api.db.read() as session:
        officer = users.actor_of(
            session.execute(select(User).where(User.username == "officer")).scalar_one()
        )
    runs = []

    class Counted:
        law_version = engine.law_version

        def assess(self, *args: Any) -> Any:
            runs.append(args)
            return engine.assess(*args)

    counted = Counted()
    report = {
        "criterion": "human_rights",
        "likelihood": "likely",
        "severity": "grave",
        "source": "a new report",
        "date": "2024-01-01",
    }
    stored = []
    asks: list[dict[str, Any]] = [{}, {}, {"evidence": 1}, {"as_of": 1}, {"regimes": ["att"]}]
    for body in asks:
        with api.db.read() as session:
            prepared = engine_ahead.prepare(
                session,
                officer,
                case,
                counted,
                regimes=body.get("regimes", ()),
                as_of=dt.date(2024, 6, 1) if "as_of" in body else None,
                evidence=[Evidence.model_validate(report)] if "evidence" in body else (),
            )
        assert prepared is not None
        stored.append(prepared)
    assert len(runs) == 4  # the second request had the first one's inputs: no run
    assert stored[1].output == stored[0].output
    assert len({p.output.text for p in stored[1:]}) == 4  # evidence, date and regimes each count
    with api.db.write() as session:  # a hit is stored as the engine gives it afresh
        row = assessing.reassess(session, officer, case, counted, reason="x", prepared=stored[1])
        text = row.result
        fresh = payload_of(session.get(ApplicationRow, case))
    expected = engine.assess(fresh, stored[1].regimes, None)
    assert text == canonical.dumps([a.model_dump(mode="json") for a in expected])


def test_a_decisions_default_criteria_are_the_adverse_findings_of_the_stored_output(
    api: Api,
) -> None:
    embargoed = application(
        importing_state="PRK",
        consignee={"name": "Korea Trading Corp", "country": "PRK"},
        end_user={"name": "Korean People's Army", "country": "PRK", "kind": "armed_forces"},
    )
    case = to_assessed(api, embargoed)
    with api.db.read() as session:
        stored = assessing.latest_assessment(session, case)
        assert stored is not None
        expected = sorted(
            {
                finding.criterion
                for assessment in assessing.assessments_of(stored)
                for finding in assessment.findings
                if finding.outcome.value in assessing.ADVERSE
            }
        )
        assert expected and assessing.adverse_criteria(stored) == expected

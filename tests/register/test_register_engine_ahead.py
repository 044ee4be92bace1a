"""The engine runs before the write lock (issue 16): an assessment's output computed on a
read snapshot is stored only when the application under the lock is the one the engine saw;
otherwise the engine runs again inside the write. Counted with the real engine."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Sequence

from register_helpers import Api, application, to_assessed
from sqlalchemy import select

from openatt.core.engine import Engine
from openatt.core.findings import Assessment
from openatt.core.model import Application
from openatt.register import assessing, assessor, canonical, engine_ahead, users
from openatt.register.applications import payload_of
from openatt.register.models import ApplicationRow, AssessmentRow, User


class Counted:
    """The real engine, counting its runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runs = 0

    def assess(
        self, application: Application, regimes: Sequence[str] = (), as_of: dt.date | None = None
    ) -> list[Assessment]:
        self.runs += 1
        return self.engine.assess(application, regimes, as_of)


def _officer(api: Api) -> users.Actor:
    with api.db.read() as session:
        row = session.execute(select(User).where(User.username == "officer")).scalar_one()
        return users.actor_of(row)


def test_an_output_prepared_ahead_is_stored_without_running_the_engine_again(
    api: Api, engine: Engine
) -> None:
    case = to_assessed(api)
    officer, counted = _officer(api), Counted(engine)
    with api.db.read() as session:
        prepared = engine_ahead.prepare(session, officer, case, counted)
    assert prepared is not None and counted.runs == 1
    with api.db.write() as session:
        stored = assessing.reassess(
            session, officer, case, counted, reason="new report", prepared=prepared
        )
        text = stored.result
    assert counted.runs == 1  # the write took the output computed ahead
    with api.db.read() as session:
        fresh = payload_of(session.get(ApplicationRow, case))
    expected = engine.assess(fresh, prepared.regimes, None)
    assert text == canonical.dumps([a.model_dump(mode="json") for a in expected])


def test_an_output_for_another_application_is_not_used(api: Api, engine: Engine) -> None:
    first = to_assessed(api)
    second = to_assessed(api, application(importing_state="RUS"))
    officer, counted = _officer(api), Counted(engine)
    with api.db.read() as session:
        prepared = engine_ahead.prepare(session, officer, first, counted)
    with api.db.write() as session:
        stored = assessing.reassess(
            session, officer, second, counted, reason="new report", prepared=prepared
        )
        recommendation = stored.recommendation
    assert counted.runs == 2  # the engine ran again, on the case as stored
    with api.db.read() as session:
        rows = session.execute(
            select(AssessmentRow)
            .where(AssessmentRow.application_id == second)
            .order_by(AssessmentRow.id)
        ).scalars()
        earlier = list(rows)[-2]
    assert recommendation == earlier.recommendation  # the second case's, not the first's


def test_the_api_reassessment_still_records_new_evidence_by_its_author(api: Api) -> None:
    case = to_assessed(api)
    evidence = {
        "criterion": "diversion",
        "likelihood": "likely",
        "severity": "serious",
        "source": "Embassy report of re-export",
        "date": dt.date.today().isoformat(),
        "author": "someone else",
    }
    body = {"reason": "embassy report", "evidence": [evidence]}
    answered = api.post(f"/applications/{case}/reassess", "officer", body)
    assert answered.status_code == 200, answered.text
    stored = api.get(f"/applications/{case}", "officer").json()["application"]["evidence"]
    assert stored[-1]["source"] == "Embassy report of re-export"
    assert stored[-1]["author"] != "someone else"


def test_the_api_stores_the_engines_output_for_the_case_as_written(
    api: Api, engine: Engine
) -> None:
    # on SQLite the output is computed ahead of the write, on PostgreSQL inside it (issue 16,
    # fifth round): either way the stored text is the engine's for the case with the new fact
    case = to_assessed(api)
    evidence = {
        "criterion": "human_rights",
        "likelihood": "likely",
        "severity": "grave",
        "source": "A new report",
        "date": dt.date.today().isoformat(),
    }
    body = {"reason": "a new report", "evidence": [evidence], "regimes": ["att", "eu"]}
    answered = api.post(f"/applications/{case}/reassess", "officer", body)
    assert answered.status_code == 200, answered.text
    with api.db.read() as session:
        stored = assessing.latest_assessment(session, case)
        assert stored is not None
        fresh = payload_of(session.get(ApplicationRow, case))
    assert fresh.evidence[-1].source == "A new report"
    expected = engine.assess(fresh, ("att", "eu"), None)
    assert stored.result == canonical.dumps([a.model_dump(mode="json") for a in expected])
    assert stored.regimes == "att,eu"


def _tracked_below(root: object, old: set[int]) -> int:
    """How many objects the cyclic collector tracks, reachable from ``root`` without passing
    through the objects in ``old`` (those that were there before: the engine, its law, the
    classes and enum members)."""
    seen: set[int] = set(old)
    todo, count = [root], 0
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if gc.is_tracked(item):
            count += 1
            todo.extend(gc.get_referents(item))
    return count


def test_the_kept_outputs_hold_no_engine_objects_for_the_collector_to_walk(
    engine: Engine,
) -> None:
    """Found in the seventeenth round of issue 16: the cache kept each output's result
    objects, some 250 objects the collector tracks; 512 of them, replaced one by one by
    reassessments with new facts, made the worker's rare young collections walk 100,000
    objects or more (80-130 ms, every request of the worker waiting). It now keeps the
    text and what the row records besides, the same for the write."""
    outputs = engine_ahead.Outputs(size=8)
    base = Application.model_validate(application())
    regimes = ("att", "eu", "us", "uk")
    engine.assess(base, regimes, None)  # the engine's lazily loaded parts, before the count
    old = {id(item) for item in gc.get_objects()}
    kept_results = []
    for number in range(8):
        varied = base.model_copy(update={"end_use": f"{base.end_use} ({number})"})
        results = engine.assess(varied, regimes, None)
        output = engine_ahead.Output.of(results)
        assert output.text == canonical.dumps([a.model_dump(mode="json") for a in results])
        assert output.regimes_assessed == 4
        assert output.recommendation == assessor.overall_recommendation(results)
        assert output.law_version == ",".join(sorted({a.law_version for a in results}))
        outputs.put(engine_ahead.Outputs.key(engine, varied, regimes, None), engine, output)
        kept_results.append(results)
    engine_objects = _tracked_below(kept_results, old)
    kept = _tracked_below(outputs._found, old)
    assert engine_objects > 100 * 8, engine_objects  # what the engine returned
    assert kept <= 4 * 8, kept  # the dictionary, its entries and each Output

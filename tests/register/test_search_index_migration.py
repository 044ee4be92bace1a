"""Migration 0015 writes the search index again from every case's content: a register whose
uploaded documents were never indexed (before the fix) finds them after the upgrade."""

from __future__ import annotations

from register_helpers import Api, application
from sqlalchemy import text

from openatt.register.db import current_revision, downgrade, head_revision, upgrade


def test_the_upgrade_indexes_what_the_cases_hold(api: Api) -> None:
    body = application(documents=[{"kind": "end_user_certificate", "reference": "EUC-OLD-1"}])
    stale = api.post("/applications", "applicant", body).json()["id"]
    body = application(documents=[{"kind": "end_user_certificate", "reference": "EUC-OLD-2"}])
    missing = api.post("/applications", "applicant", body).json()["id"]
    untouched = api.post("/applications", "applicant", application()).json()["id"]
    engine = api.db.engine
    downgrade(engine, "0014")
    with engine.begin() as connection:  # as the code before the fix left such cases
        connection.execute(
            text("UPDATE search_index SET documents = 'euc-1' WHERE application_id = :id"),
            {"id": stale},
        )
        connection.execute(
            text("DELETE FROM search_index WHERE application_id = :id"), {"id": missing}
        )
        before = connection.execute(
            text("SELECT * FROM search_index WHERE application_id = :id"), {"id": untouched}
        ).one()
    upgrade(engine)
    assert current_revision(engine) == head_revision() == "0015"
    for reference, case in (("euc-old-1", stale), ("euc-old-2", missing)):
        found = api.get(f"/applications?document={reference}", "officer").json()
        assert [i["id"] for i in found["items"]] == [case], reference
    with engine.connect() as connection:
        after = connection.execute(
            text("SELECT * FROM search_index WHERE application_id = :id"), {"id": untouched}
        ).one()
        count = connection.execute(text("SELECT count(*) FROM search_index")).scalar_one()
        cases = connection.execute(text("SELECT count(*) FROM applications")).scalar_one()
    assert after == before and count == cases

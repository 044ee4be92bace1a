"""A refusal overturned on appeal withdraws our denial notification (EU CP Art. 4(1)): it is
shown as withdrawn, no longer calls for consultation, and the withdrawal is in the chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from register_helpers import Api, application, before_denial_withdrawals, to_assessed, version
from sqlalchemy import func, inspect, select

from openatt.register import audit, denials
from openatt.register.models import ApplicationRow, DenialRevocationRow, DenialRow, Event


def militia() -> dict[str, Any]:
    """Dated when posted: a run that crosses midnight must not post yesterday's date."""
    return application(
        importing_state="SSD",
        consignee={"name": "Ministry of Interior", "country": "SSD"},
        end_user={"name": "Unity State Militia", "country": "SSD", "kind": "non_state"},
    )


def _own_notification(api: Api, app_id: int) -> dict[str, object]:
    listed = api.get("/denials?destination=SSD", "officer").json()
    (own,) = [d for d in listed if d["application_id"] == app_id]
    return own


def test_an_upheld_appeal_withdraws_the_denial_notification(api: Api) -> None:
    refused = to_assessed(api, militia())
    decided = api.post(
        f"/applications/{refused}/decide",
        "officer",
        {"version": version(api, refused), "outcome": "denied", "reasons": "UN arms embargo."},
    )
    assert decided.status_code == 200, decided.text
    assert _own_notification(api, refused)["withdrawn_on"] is None

    # While the notification stands, the same transaction asks for consultation.
    again = to_assessed(api, militia())
    with api.db.read() as session:
        row = session.get(ApplicationRow, again)
        assert row is not None
        assert [d.application_id for d in denials.matching_denials(session, row)] == [refused]

    lodged = api.post(f"/applications/{refused}/appeal", "applicant", {"grounds": "Exempted."})
    assert lodged.status_code == 201, lodged.text
    upheld = api.post(
        f"/applications/{refused}/appeal/decide",
        "officer2",
        {"outcome": "upheld", "reasons": "The committee's exemption was notified."},
    )
    assert upheld.status_code == 200, upheld.text
    # against the recommendation: withdrawn once a second person signs the approval off
    assert _own_notification(api, refused)["withdrawn_on"] is None
    signed = api.post(
        f"/applications/{refused}/countersign",
        "senior",
        {"version": version(api, refused), "agree": True},
    )
    assert signed.status_code == 200, signed.text

    assert _own_notification(api, refused)["withdrawn_on"] == dt.date.today().isoformat()
    with api.db.read() as session:
        row = session.get(ApplicationRow, again)
        assert row is not None
        assert denials.matching_denials(session, row) == []
        assert row.consultation != "[]"  # flagged while the notification stood
    # No denial in force names the destination now, but the case was flagged: reassessed, it
    # is matched again (issue 16, seventh round: only an unflagged case skips the matching)
    # and its flag is cleared.
    reassessed = api.post(f"/applications/{again}/reassess", "officer", {"reason": "Withdrawn."})
    assert reassessed.status_code == 200, reassessed.text
    assert api.get(f"/applications/{again}", "officer").json()["consultation"] == []
    with api.db.read() as session:
        actions = list(session.execute(select(Event.action).order_by(Event.seq)).scalars())
        assert actions.count("denial.withdraw") == 1
        assert audit.verify(session).intact


def test_a_dismissed_appeal_keeps_the_notification(api: Api) -> None:
    refused = to_assessed(api, militia())
    api.post(
        f"/applications/{refused}/decide",
        "officer",
        {"version": version(api, refused), "outcome": "denied", "reasons": "UN arms embargo."},
    )
    api.post(f"/applications/{refused}/appeal", "applicant", {"grounds": "Exempted."})
    dismissed = api.post(
        f"/applications/{refused}/appeal/decide",
        "officer2",
        {"outcome": "dismissed", "reasons": "No exemption was notified."},
    )
    assert dismissed.status_code == 200, dismissed.text
    assert _own_notification(api, refused)["withdrawn_on"] is None


def test_migration_0013_upgrades_a_register_in_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo register written at 0010 (before withdrawals) upgrades: cases, events and the
    chain are kept, the new table is empty, and going back to 0010 removes only it."""
    from openatt.core.engine import Engine
    from openatt.register import demo
    from openatt.register.db import Database, downgrade, upgrade

    db = Database(database_url, migrate=False)
    try:
        upgrade(db.engine, "0010")
        before_denial_withdrawals(monkeypatch)
        demo.fill(db, Engine.default())
        monkeypatch.undo()
        assert "denial_revocations" not in inspect(db.engine).get_table_names()
        with db.read() as session:
            events = session.execute(select(func.count()).select_from(Event)).scalar_one()
            notified = session.execute(select(func.count()).select_from(DenialRow)).scalar_one()
        upgrade(db.engine)
        with db.read() as session:
            assert session.execute(select(func.count()).select_from(Event)).scalar_one() == events
            assert (
                session.execute(select(func.count()).select_from(DenialRow)).scalar_one()
                == notified
            )
            assert (
                session.execute(select(func.count()).select_from(DenialRevocationRow)).scalar_one()
                == 0
            )
            assert audit.verify(session).intact
        downgrade(db.engine, "0010")
        names = set(inspect(db.engine).get_table_names())
        assert "denial_revocations" not in names and "denials" in names
    finally:
        db.dispose()

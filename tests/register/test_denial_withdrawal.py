"""A refusal overturned on appeal withdraws our denial notification (EU CP Art. 4(1)): it is
shown as withdrawn, no longer calls for consultation, and the withdrawal is in the chain."""

from __future__ import annotations

import datetime as dt

from register_fixtures import api_fixture, database_url_fixture, templates_fixture  # noqa: F401
from register_helpers import Api, application, to_assessed, version
from sqlalchemy import select

from openatt.register import audit, denials
from openatt.register.models import ApplicationRow, Event

MILITIA = application(
    importing_state="SSD",
    consignee={"name": "Ministry of Interior", "country": "SSD"},
    end_user={"name": "Unity State Militia", "country": "SSD", "kind": "non_state"},
)


def _own_notification(api: Api, app_id: int) -> dict[str, object]:
    listed = api.get("/denials?destination=SSD", "officer").json()
    (own,) = [d for d in listed if d["application_id"] == app_id]
    return own


def test_an_upheld_appeal_withdraws_the_denial_notification(api: Api) -> None:
    refused = to_assessed(api, MILITIA)
    decided = api.post(
        f"/applications/{refused}/decide",
        "officer",
        {"version": version(api, refused), "outcome": "denied", "reasons": "UN arms embargo."},
    )
    assert decided.status_code == 200, decided.text
    assert _own_notification(api, refused)["withdrawn_on"] is None

    # While the notification stands, the same transaction asks for consultation.
    again = to_assessed(api, MILITIA)
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

    assert _own_notification(api, refused)["withdrawn_on"] == dt.date.today().isoformat()
    with api.db.read() as session:
        row = session.get(ApplicationRow, again)
        assert row is not None
        assert denials.matching_denials(session, row) == []
        actions = list(session.execute(select(Event.action).order_by(Event.seq)).scalars())
        assert actions.count("denial.withdraw") == 1
        assert audit.verify(session).intact


def test_a_dismissed_appeal_keeps_the_notification(api: Api) -> None:
    refused = to_assessed(api, MILITIA)
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

"""Issue 13, attack 7: officers passed ``today`` to expire a licence early, issued a licence
valid in 1999, recorded a shipment in 1999 and a delivery verified in 1900, and the web
decide form worked without the case's version. The server owns these dates now; a decision
date before the case was created needs a second person."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import NO_MATCHES, Api, application, to_assessed, version

from openatt.cli.main import build_app
from openatt.register import licensing, users


def _approved(api: Api, body: dict[str, object] | None = None, user: str = "applicant") -> int:
    app_id = to_assessed(api, body, user)
    decision = {"version": version(api, app_id), "outcome": "approved", "reasons": "fine"}
    decided = api.post(f"/applications/{app_id}/decide", "officer", decision).json()
    if decided["status"] == "pending":
        assert api.post(
            f"/applications/{app_id}/countersign",
            "senior",
            {"version": version(api, app_id), "agree": True},
        )
    return app_id


def _licensed(api: Api) -> int:
    app_id = _approved(api)
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    assert api.post(f"/applications/{app_id}/issue", "officer", {"valid_until": until}).is_success
    return app_id


def test_a_licence_cannot_be_issued_valid_in_1999(api: Api) -> None:
    app_id = _approved(api)
    body = {"issued_on": "1999-01-01", "valid_until": "1999-12-31"}
    response = api.post(f"/applications/{app_id}/issue", "officer", body)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "issued_on"


def test_an_officer_cannot_expire_a_licence_early_by_passing_today(api: Api) -> None:
    app_id = _licensed(api)
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    response = api.post(f"/applications/{app_id}/expire", "officer", {"today": future})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "today"
    assert api.post(f"/applications/{app_id}/expire", "officer", {}).status_code == 409
    assert api.get(f"/applications/{app_id}/licence", "officer").json()["state"] == "active"


def test_a_shipment_in_1999_or_tomorrow_is_refused(api: Api) -> None:
    app_id = _licensed(api)
    url = f"/applications/{app_id}/shipments"
    for day, status in (
        ("1999-06-01", 409),
        ((dt.date.today() + dt.timedelta(days=1)).isoformat(), 422),
    ):
        body = {"item": 0, "quantity": 1, "shipped_on": day}
        assert api.post(url, "officer", body).status_code == status, day
    assert api.post(
        url, "officer", {"item": 0, "quantity": 1, "shipped_on": str(dt.date.today())}
    ).is_success


def test_a_delivery_cannot_be_verified_in_1900_or_before_its_shipment(api: Api) -> None:
    app_id = _licensed(api)
    body = {"item": 0, "quantity": 1, "shipped_on": str(dt.date.today())}
    shipment = api.post(f"/applications/{app_id}/shipments", "officer", body).json()["id"]
    url = f"/applications/{app_id}/verify-delivery"
    for day in ("1900-01-01", (dt.date.today() - dt.timedelta(days=1)).isoformat()):
        verify = {"shipment_id": shipment, "verified_on": day, "verification": "certificate"}
        response = api.post(url, "officer", verify)
        assert response.status_code == 422 and "verified_on" in response.text


def test_a_backdated_decision_date_needs_a_second_person(api: Api) -> None:
    body = application(date="2013-06-01", exporting_state="DEU", importing_state="RUS")
    body["exporter"] = {"name": "Meridian Ordnance Ltd", "country": "DEU"}
    created = api.post("/applications", "officer", body)  # a paper application, entered
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    api.post(f"/applications/{app_id}/submit", "officer", {})
    api.post(f"/applications/{app_id}/screen", "officer", NO_MATCHES)
    api.post(f"/applications/{app_id}/assess", "officer", {})
    decision = {"version": version(api, app_id), "outcome": "approved", "reasons": "as in 2013"}
    decided = api.post(f"/applications/{app_id}/decide", "officer", decision)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "pending"
    events = api.get(f"/applications/{app_id}/events", "officer").json()
    reasons = next(e for e in events if e["action"] == "decision.create")["payload"]["four_eyes"]
    assert any("decision date 2013-06-01 is before the case was created" in r for r in reasons)


def test_the_web_decide_form_needs_the_version(api: Api) -> None:
    from openatt.web.security import SESSION_COOKIE, csrf_for

    app_id = to_assessed(api)
    token = api.tokens["officer"]
    api.client.cookies.set(SESSION_COOKIE, token, path="/ui")
    fields = {"csrf": csrf_for(token), "outcome": "approved", "reasons": "ok", "step": "confirm"}
    response = api.client.post(f"/ui/applications/{app_id}/decide", data=fields)
    assert response.status_code == 422 and "version" in response.text
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "assessed"


def test_licences_expire_by_the_server_clock(api: Api) -> None:
    app_id = _approved(api)
    with api.db.write() as session:  # a licence entered from the paper register, run out
        officer = next(u for u in users.list_users(session) if u.username == "officer")
        licensing.issue(
            session,
            users.actor_of(officer),
            app_id,
            issued_on=dt.date.today() - dt.timedelta(days=400),
            valid_until=dt.date.today() - dt.timedelta(days=35),
        )
    assert api.get(f"/applications/{app_id}/licence", "officer").json()["state"] == "expired"
    result = CliRunner().invoke(build_app(), ["licences", "expire", "--database", api.url])
    assert result.exit_code == 0 and "expired 1 licences" in result.output
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "expired"


@pytest.mark.parametrize("path", ["/ui/applications/9223372036854775808", "/ui/applications/-1"])
def test_web_ids_out_of_range_are_a_not_found_page(api: Api, path: str) -> None:
    from openatt.web.security import SESSION_COOKIE

    api.client.cookies.set(SESSION_COOKIE, api.tokens["officer"], path="/ui")
    response = api.client.get(path)
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_web_query_errors_are_pages_not_json(api: Api) -> None:
    from openatt.web.security import SESSION_COOKIE

    api.client.cookies.set(SESSION_COOKIE, api.tokens["officer"], path="/ui")
    response = api.client.get("/ui/applications/not-a-number")
    assert response.status_code == 422 and "text/html" in response.headers["content-type"]


def test_att_report_as_of_before_1980_is_not_a_server_error(api: Api) -> None:
    body = {"year": 2020, "format": "xlsx", "as_of": "1979-06-01T00:00:00Z"}
    response = api.post("/reports/att-annual", "officer", body)
    assert response.status_code < 500, response.text

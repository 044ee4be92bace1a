"""Classification in the casework (issue 15), through the API on SQLite and PostgreSQL:
the applicant's proposed entry is checked against the lists (422 naming the field); the
officer confirms it, changes it with reasons, or rules an item not controlled with reasons,
each an event in the chain; the engine and the denial matching read the confirmed entry;
precedents find earlier classifications of similar goods; a technical adviser asked about
the case may classify; the applicant sees its proposal and the confirmed entry only."""

from __future__ import annotations

from typing import Any

from register_helpers import Api, application, to_assessed
from sqlalchemy import select

from openatt.register import audit, classification
from openatt.register.assessing import assessments_of, latest_assessment
from openatt.register.models import ApplicationRow, Event

MQ9 = {
    "description": "MQ-9B remotely piloted aircraft",
    "category": "IV",
    "control_entry": "ML10.a",
    "quantity": 2,
}
MORTAR = {
    "description": "81 mm mortars",
    "category": "VIII",
    "control_entry": "ML2.a",
    "quantity": 6,
}


def _events(api: Api, action: str) -> list[Event]:
    with api.db.read() as session:
        return list(session.execute(select(Event).where(Event.action == action)).scalars())


def test_a_proposed_entry_no_list_holds_is_refused_naming_the_field(api: Api) -> None:
    body = application()
    body["items"][1]["control_entry"] = "ML23"
    refused = api.post("/applications", "applicant", body)
    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"] == ["body", "items", 1, "control_entry"]
    assert "ML23" in detail["msg"]
    body["items"][1]["control_entry"] = "ML10.a:tank"
    assert api.post("/applications", "applicant", body).status_code == 422
    body["items"][1]["control_entry"] = "USML III(a)"
    assert api.post("/applications", "applicant", body).status_code == 201


def test_confirm_change_and_not_controlled_are_events_and_the_engine_reads_them(api: Api) -> None:
    body = application(items=[*application()["items"], MQ9, MORTAR])
    app_id = to_assessed(api, body)
    url = f"/applications/{app_id}/items/{{}}/classification"

    panel = api.get(f"/applications/{app_id}/classification", "officer").json()
    assert [i["status"] for i in panel] == ["proposed"] * 4
    assert panel[2]["suggestions"][0]["reference"] == "ML10.c:uav-combat"
    assert panel[3]["suggestions"][0]["reference"] == "ML2.a:mortar-75mm-plus"

    # confirm the rifles, adding the item kind the entry needs
    ok = api.post(url.format(0), "officer", {"action": "confirm", "entry": "ML1.a:assault-rifle"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["placement"]["att_subcategory"] == "VIII.SA.4"
    # ML1 needs its kind: a confirmation without one cannot place the item
    no_kind = api.post(url.format(2), "officer", {"action": "confirm"})
    assert no_kind.status_code == 422 and no_kind.json()["detail"][0]["loc"] == ["body", "entry"]
    # a change needs reasons
    bare = api.post(url.format(2), "officer", {"action": "change", "entry": "ML10.c:uav-combat"})
    assert bare.status_code == 422 and bare.json()["detail"][0]["loc"] == ["body", "reasons"]
    changed = api.post(
        url.format(2),
        "officer",
        {
            "action": "change",
            "entry": "ML10.c:uav-combat",
            "reasons": "unmanned: ML10.c, not ML10.a",
        },
    )
    assert changed.status_code == 201, changed.text
    assert changed.json()["placement"]["unroca_subcategory"] == "IV.b"
    # the mortar: changed to its 75 mm+ kind (category III, not a light weapon)
    api.post(
        url.format(3),
        "officer",
        {
            "action": "change",
            "entry": "ML2.a:mortar-75mm-plus",
            "reasons": "81 mm is 75 mm or more",
        },
    )
    ruled = api.post(
        url.format(1), "officer", {"action": "not_controlled", "reasons": "drill rounds"}
    )
    assert ruled.status_code == 201 and ruled.json()["confirmed"] == "not-controlled"
    # a confirmation of something else than the proposal is a change
    wrong = api.post(url.format(3), "officer", {"action": "confirm", "entry": "ML4.a:munition"})
    assert wrong.status_code == 422

    for action in (
        "classification.confirm",
        "classification.change",
        "classification.not_controlled",
    ):
        assert _events(api, action), action
    with api.db.read() as session:
        assert audit.verify(session).intact
        row = session.get(ApplicationRow, app_id)
        assert row is not None
        seen = classification.classified(session, row)
        assert [i.category.value for i in seen.items] == ["VIII", "other", "IV", "III"]
        assert seen.items[2].control_entry == "ML10.c:uav-combat"
        where = classification.confirmed_placement(session, app_id, 3)
        assert where is not None and where.att_subcategory == "III"
        assert classification.confirmed_placement(session, app_id, 0) is not None

    # the engine re-runs on the confirmed entries and categories
    again = api.post(f"/applications/{app_id}/reassess", "officer", {"reason": "goods classified"})
    assert again.status_code == 200, again.text
    with api.db.read() as session:
        stored = latest_assessment(session, app_id)
        assert stored is not None
        dumped = str([a.model_dump(mode="json") for a in assessments_of(stored)])
    assert "ML10.c:uav-combat" in dumped


def test_precedents_find_earlier_classifications_of_similar_goods(api: Api) -> None:
    first = to_assessed(api, application(items=[MQ9]))
    api.post(
        f"/applications/{first}/items/0/classification",
        "officer",
        {"action": "change", "entry": "ML10.c:uav-combat", "reasons": "an armed RPA"},
    )
    second = to_assessed(
        api, application(items=[{**MQ9, "description": "MQ-9B SkyGuardian aircraft"}])
    )
    panel = api.get(f"/applications/{second}/classification", "officer").json()
    precedent = panel[0]["precedents"][0]
    assert precedent["entry"] == "ML10.c:uav-combat" and precedent["reasons"] == "an armed RPA"
    found = api.get("/classification/precedents", "officer", params={"q": "MQ-9B"}).json()
    assert [p["entry"] for p in found] == ["ML10.c:uav-combat"]
    assert (
        api.get("/classification/precedents", "applicant", params={"q": "MQ-9B"}).status_code == 403
    )


def test_who_may_classify_and_what_the_applicant_sees(api: Api) -> None:
    app_id = to_assessed(api, application(items=[MQ9]))
    url = f"/applications/{app_id}/items/0/classification"
    body: dict[str, Any] = {"action": "change", "entry": "ML10.c:uav-combat", "reasons": "REASONX"}
    assert api.post(url, "applicant", body).status_code == 403
    assert api.get(f"/applications/{app_id}/classification", "applicant").status_code == 403
    # an adviser only on a case its team was asked about
    assert api.post(url, "adviser", body).status_code == 404
    for code, user in (("defence", "adviser"),):
        assert (
            api.post(
                "/advice/teams", "admin", {"code": code, "name": "MoD", "topics": []}
            ).status_code
            == 201
        )
        assert (
            api.post(f"/advice/teams/{code}/members", "admin", {"username": user}).status_code
            == 201
        )
    asked = api.post(
        f"/applications/{app_id}/advice/requests",
        "officer",
        {"teams": ["defence"], "working_days": 5, "question": "Classify the aircraft."},
    )
    assert asked.status_code == 201, asked.text
    done = api.post(url, "adviser", body)
    assert done.status_code == 201, done.text
    assert done.json()["current"]["decided_by"] == "adviser (adviser)"

    seen = api.get(f"/applications/{app_id}", "applicant").json()
    assert seen["classification"] == [
        {
            "item": 0,
            "description": MQ9["description"],
            "proposed": "ML10.a",
            "status": "changed",
            "confirmed": "ML10.c:uav-combat",
        }
    ]
    assert "REASONX" not in str(seen) and "adviser" not in str(seen)


def test_a_draft_is_not_classified(api: Api) -> None:
    created = api.post("/applications", "applicant", application()).json()["id"]
    early = api.post(
        f"/applications/{created}/items/0/classification", "officer", {"action": "confirm"}
    )
    assert early.status_code == 422


def test_suggest_endpoint(api: Api) -> None:
    found = api.get("/control-lists/suggest", "officer", params={"q": "81 mm mortar", "limit": 2})
    assert found.status_code == 200
    assert found.json()[0]["reference"] == "ML2.a:mortar-75mm-plus"
    assert found.json()[0]["placement"]["citation"].startswith("Common Military List")
    bad = api.get("/control-lists/suggest", "officer", params={"q": "x", "list": "nope"})
    assert bad.status_code == 422


def test_reports_read_the_classification_as_it_stood_at_their_moment(api: Api) -> None:
    """A licence's items reach the reports with the officer's entry, not the applicant's
    proposal; a report as of a moment before the change still reads the proposal."""
    import datetime as dt

    from register_helpers import version

    from openatt.reports.loading import snapshot

    app_id = to_assessed(api, application(items=[MQ9]))
    before = dt.datetime.now(dt.UTC).isoformat()
    changed = api.post(
        f"/applications/{app_id}/items/0/classification",
        "officer",
        {"action": "change", "entry": "ML10.c:uav-combat", "reasons": "unmanned: ML10.c"},
    )
    assert changed.status_code == 201, changed.text
    api.post(f"/applications/{app_id}/reassess", "officer", {"reason": "goods classified"})
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {"version": version(api, app_id), "outcome": "approved", "reasons": "No risk found."},
    )
    assert decided.status_code == 200, decided.text
    if decided.json()["status"] == "pending":
        signed = api.post(
            f"/applications/{app_id}/countersign",
            "officer2",
            {"version": version(api, app_id), "agree": True},
        )
        assert signed.status_code == 200, signed.text
    issued = api.post(
        f"/applications/{app_id}/issue",
        "officer",
        {"valid_until": (dt.date.today() + dt.timedelta(days=365)).isoformat()},
    )
    assert issued.status_code == 201, issued.text
    with api.db.read() as session:
        now = snapshot(session, dt.datetime.now(dt.UTC).isoformat())
        entries = [item.control_entry for lic in now.licences for item in lic.items]
        assert "ML10.c:uav-combat" in entries and "ML10.a" not in entries
        # the classification acts as of a moment before the change are not applied
        acts = classification.current_for(session, {app_id}, dt.datetime.fromisoformat(before))
        assert acts == {}

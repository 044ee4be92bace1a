"""The classification card on the case page, without a browser: the demo's case shows the
applicant's proposed entries against the confirmed and changed ones with the suggestion
ranking; a change without reasons is shown again with the field named and nothing written;
a confirmation is recorded; the applicant sees its proposal and the confirmed entry only."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from openatt.register.classification_tables import ClassificationRow
from openatt.register.demo_classification import DRONES
from openatt.register.models import ApplicationRow

Browser = Any
Register = Any


def _case(register: Register) -> tuple[int, int]:
    db = register.database()
    try:
        with db.read() as s:
            rows = s.execute(select(ApplicationRow)).scalars().all()
            case = next(r for r in rows if DRONES in r.payload)
            acts = len(s.execute(select(ClassificationRow)).scalars().all())
            return case.id, acts
    finally:
        db.dispose()


def test_officer_sees_proposed_against_confirmed_and_records(
    web: Browser, register: Register
) -> None:
    app_id, acts = _case(register)
    web.login("officer")
    page = web.get(f"/ui/applications/{app_id}")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "Classification of the goods" in text
    assert "ML10.a" in text and "changed</span> ML10.c:uav-combat" in text
    assert "UN Register IV.b" in text and "ML2.a:mortar-75mm-plus" in text
    assert "Suggested" in text and "ML10.c:uav-combat" in text

    url = f"/ui/applications/{app_id}/items/0/classification"
    refused = web.post(
        url, {"action": "change", "entry": "ML10.a:combat-aircraft-manned", "reasons": ""}
    )
    assert refused.status_code == 422
    assert "give the reasons for the change" in refused.text
    assert _case(register)[1] == acts

    done = web.post(
        url, {"action": "change", "entry": "ML10.c:uav-unarmed", "reasons": "delivered unarmed"}
    )
    assert done.status_code == 303, done.text
    assert _case(register)[1] == acts + 1
    again = re.sub(r"\s+", " ", web.get(f"/ui/applications/{app_id}").text)
    assert "ML10.c:uav-unarmed" in again and "delivered unarmed" in again


def test_applicant_sees_its_proposal_and_the_confirmed_entry(
    web: Browser, register: Register
) -> None:
    app_id, _ = _case(register)
    web.login("nordarms")
    page = web.get(f"/ui/applications/{app_id}")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "Entry confirmed by the authority" in text
    assert "ML10.c:uav-combat" in text and "(changed)" in text
    assert "Remotely piloted and armed" not in text  # the officer's reasons stay internal
    assert "Suggested" not in text
    refused = web.post(
        f"/ui/applications/{app_id}/items/0/classification",
        {"action": "confirm", "entry": "", "reasons": ""},
    )
    assert refused.status_code in (403, 404)


def test_a_proposed_entry_no_list_holds_is_shown_on_its_item_field(web: Browser) -> None:
    web.login("meridian")
    form = web.get("/ui/applications/new").text
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.update(
        {
            "kind": "export",
            "exporting_state": "GBR",
            "importing_state": "NZL",
            "exporter_name": "Meridian Ordnance Ltd",
            "exporter_country": "GBR",
            "consignee_name": "NZDF Logistics",
            "consignee_country": "NZL",
            "end_user_name": "New Zealand Defence Force",
            "end_user_country": "NZL",
            "end_user_kind": "armed_forces",
            "end_use": "Training",
            "item-0-description": "Rifles",
            "item-0-category": "VIII",
            "item-0-control_entry": "ML99",
            "item-0-quantity": "10",
        }
    )
    fields.pop("csrf", None)
    refused = web.post("/ui/applications/new", fields)
    assert refused.status_code == 422, refused.text[:500]
    assert "item 1: entry: &#39;ML99&#39; is not an entry of eu-cml" in refused.text

"""The case page's screening: hits from the screening adapter with their explanation, the
record that screening was not possible, screening from the page, and the false-positive form,
on the real UN list (2026) imported into a temporary store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openatt.core.model import Application
from openatt.register import applications, users
from openatt.screening import ListStore

from .conftest import Browser, Register


@pytest.fixture(scope="module")
def un_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> ListStore:
    store = ListStore(tmp_path_factory.mktemp("lists"))
    store.import_file(shared_data / "lists" / "un-sc-consolidated" / "consolidated.xml")
    return store


def _listed_case(register: Register, store: ListStore) -> int:
    case = Application.model_validate(
        {
            "kind": "export",
            "date": dt.date.today().isoformat(),
            "exporting_state": "GBR",
            "importing_state": "TTO",
            "exporter": {"name": "Meridian Ordnance Ltd", "country": "GBR"},
            "consignee": {"name": "Port of Spain Traders", "country": "TTO"},
            "end_user": {"name": "Emraan ALI", "country": "TTO", "kind": "private"},
            "end_use": "Hunting",
            "items": [{"description": "rifles", "category": "VIII", "quantity": 2}],
        }
    )
    db = register.database()
    try:
        with db.read() as s:
            meridian = next(
                users.actor_of(u) for u in users.list_users(s) if u.username == "meridian"
            )
        with db.write() as s:
            app_id = applications.create(s, meridian, case).id
        with db.write() as s:
            applications.submit(s, meridian, app_id, None, store)
        return int(app_id)
    finally:
        db.dispose()


def test_hits_explained_and_a_false_positive_marked(
    register: Register,
    web: Browser,
    app_client: TestClient,
    un_store: ListStore,
    new_browser: Any,
) -> None:
    app_client.app.state.lists = un_store  # type: ignore[attr-defined]
    case = _listed_case(register, un_store)
    web.login("officer")
    page = web.get(f"/ui/applications/{case}").text
    assert "EMRAAN ALI" in page and "entry QDi.430" in page
    assert "Why this matched" in page and "token alignment" in page
    assert "openatt-match-v3" in page and "un-sc-consolidated" in page
    assert "Mark as a false positive" in page

    refused = web.post(f"/ui/applications/{case}/false-positive", {"hit": "0", "reasons-0": ""})
    assert refused.status_code == 422 and "Say why this hit is not the party" in refused.text
    done = web.post(
        f"/ui/applications/{case}/false-positive",
        {"hit": "0", "reasons-0": "Our end user was born in 1990 in Chaguanas"},
    )
    assert done.status_code == 303
    page = web.get(done.headers["location"]).text
    assert "false positive" in page and "remembered for this party" in page
    assert "Mark as a false positive" not in page  # the only hit is judged

    applicant = new_browser(TestClient(app_client.app))
    applicant.login("meridian")
    own = applicant.get(f"/ui/applications/{case}")
    assert own.status_code == 200 and "Why this matched" not in own.text
    assert (
        applicant.post(
            f"/ui/applications/{case}/false-positive", {"hit": "0", "reasons-0": "x"}
        ).status_code
        == 403
    )


def test_unavailable_screening_is_shown_and_the_officer_screens_from_the_page(
    register: Register,
    web: Browser,
    app_client: TestClient,
    un_store: ListStore,
    tmp_path: Path,
) -> None:
    app_client.app.state.lists = ListStore(tmp_path / "no-lists")  # type: ignore[attr-defined]
    submitted = register.case_id("submitted")
    web.login("officer")
    web.post(f"/ui/applications/{submitted}/screen", {"mode": "lists"})
    page = web.get(f"/ui/applications/{submitted}").text
    assert "Screening was not possible" in page and "no sanctions" in page
    assert ">Submitted</span>" in page

    app_client.app.state.lists = un_store  # type: ignore[attr-defined]
    moved = web.post(f"/ui/applications/{submitted}/screen", {"mode": "lists"})
    assert moved.status_code == 303
    page = web.get(f"/ui/applications/{submitted}").text
    assert "Screening was not possible" not in page and ">Screened</span>" in page
    assert "openatt-match-v3" in page

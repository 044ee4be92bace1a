"""Screening in the register, through the API, on the real UN lists (2024 and 2026):
screening on submission (or the record that it was not possible), the single and batch
screening endpoints, re-screening after a new list version, and the false-positive memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from register_helpers import Api, application

from openatt.screening import ListStore
from openatt.screening.diff import diff_lists
from openatt.screening.model import NameKind, Schema

UN = Path("lists") / "un-sc-consolidated"


@pytest.fixture
def un_dir(shared_data: Path) -> Path:
    return shared_data / UN


def _store(tmp_path: Path, *files: Path) -> ListStore:
    store = ListStore(tmp_path / "lists")
    for file in files:
        store.import_file(file)
    return store


def _with(api: Api, store: ListStore) -> Api:
    api.client.app.state.lists = store  # type: ignore[attr-defined]
    return api


def _submitted(api: Api, end_user: str, country: str = "TTO") -> dict[str, Any]:
    body = application(
        end_user={"name": end_user, "country": country, "kind": "private"},
    )
    created = api.post("/applications", "applicant", body)
    assert created.status_code == 201, created.text
    submitted = api.post(f"/applications/{created.json()['id']}/submit", "applicant", {})
    assert submitted.status_code == 200, submitted.text
    # The applicant sees only the public status; the officer reads the screened case.
    result: dict[str, Any] = api.get(f"/applications/{created.json()['id']}", "officer").json()
    return result


def _case(api: Api, application_id: int) -> dict[str, Any]:
    response = api.get(f"/applications/{application_id}/screening", "officer")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_submission_screens_and_a_un_listed_end_user_is_blocked(
    api: Api, tmp_path: Path, un_dir: Path
) -> None:
    store = _store(tmp_path, un_dir / "consolidated.xml")
    _with(api, store)
    case = _submitted(api, "Emraan ALI")
    assert case["state"] == "screened"
    screening = _case(api, case["id"])
    [hit] = [h for h in screening["hits"] if h["entity_id"] == "QDi.430"]
    assert hit["party_role"] == "end_user" and hit["list_id"] == "un-sc-consolidated"
    assert hit["algorithm"] and hit["list_version"] == store.current_version("un-sc-consolidated")
    assert hit["explanation"]
    [run] = screening["runs"]
    assert run["status"] == "done" and run["trigger"] == "submission"
    assert run["lists"] == {"un-sc-consolidated": store.current_version("un-sc-consolidated")}
    assert run["algorithm"] == hit["algorithm"]

    assessed = api.post(f"/applications/{case['id']}/assess", "officer", {"regimes": ["att"]})
    assert assessed.status_code == 200, assessed.text
    findings = [f for a in assessed.json()["assessments"] for f in a["findings"]]
    assert any(f["criterion"] == "att.6.1" and f["outcome"] == "prohibited" for f in findings)

    events = api.get("/audit/events?limit=500", "auditor").json()
    actions = [e["action"] for e in events]
    assert "screening.run" in actions
    assert api.get("/audit/verify", "auditor").json()["intact"] is True


def test_without_lists_the_case_records_it_was_not_screened(api: Api, tmp_path: Path) -> None:
    _with(api, ListStore(tmp_path / "empty"))
    case = _submitted(api, "Emraan ALI")
    assert case["state"] == "submitted"
    [run] = _case(api, case["id"])["runs"]
    assert run["status"] == "unavailable" and "no sanctions" in run["reason"]
    assert api.post("/screening", "officer", {"name": "Emraan Ali"}).status_code == 409


def test_single_and_batch_screening_in_input_order(api: Api, tmp_path: Path, un_dir: Path) -> None:
    _with(api, _store(tmp_path, un_dir / "consolidated.xml"))
    single = api.post("/screening", "officer", {"name": "Emraan Ali", "country": "TT"})
    assert single.status_code == 200, single.text
    [result] = single.json()["results"]
    top = result["hits"][0]
    assert top["list"] == "un-sc-consolidated" and top["entity_id"] == "QDi.430"
    assert set(top) == {"list", "entity_id", "matched_name", "score", "explanation"}
    assert top["score"] >= 0.84 and top["explanation"]

    names = ["Wilhelmina Quartermaine-Oduya", "EMRAAN ALI", "Meridian Ordnance Ltd"]
    batch = api.post("/screening/batch", "senior", {"queries": [{"name": n} for n in names]})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [r["query"]["name"] for r in results] == names
    assert [bool(r["hits"]) for r in results] == [False, True, False]
    assert "un-sc-consolidated" in batch.json()["lists"]

    partial = {"name": "OTHMAN AHMED"}
    numbered = api.post("/screening", "officer", {**partial, "identifiers": ["1089516791"]})
    assert numbered.status_code == 200, numbered.text
    assert "QDi.292" in {h["entity_id"] for h in numbered.json()["results"][0]["hits"]}
    plain = api.post("/screening", "officer", partial).json()["results"][0]["hits"]
    assert "QDi.292" not in {h["entity_id"] for h in plain}
    for bad in (["1"] * 21, ["9" * 101], [""]):
        refused = api.post("/screening", "officer", {**partial, "identifiers": bad})
        assert refused.status_code == 422, bad

    assert api.post("/screening", "applicant", {"name": "x"}).status_code == 403
    assert api.post("/screening", "auditor", {"name": "x"}).status_code == 403
    refused = api.post("/screening", "officer", {"name": "x", "lists": ["nope"]})
    assert refused.status_code == 422


def _un_versions(un_dir: Path, tmp_path: Path) -> tuple[ListStore, ListStore]:
    old = _store(tmp_path / "old", un_dir / "history" / "consolidated-2024-09-26.xml")
    new = _store(tmp_path / "new", un_dir / "consolidated.xml")
    return old, new


def _primary(entity: Any) -> str:
    return str(next(n.value for n in entity.names if n.kind is NameKind.primary))


def test_rescreening_after_a_new_version_flags_cases_that_now_hit(
    api: Api, tmp_path: Path, un_dir: Path
) -> None:
    old, new = _un_versions(un_dir, tmp_path)
    change = diff_lists(old.load("un-sc-consolidated"), new.load("un-sc-consolidated"))
    added = next(
        e for e in change.added if e.schema is Schema.person and len(_primary(e).split()) >= 3
    )
    store = _store(tmp_path, un_dir / "history" / "consolidated-2024-09-26.xml")
    _with(api, store)
    case = _submitted(api, _primary(added))
    quiet = _submitted(api, "Wilhelmina Quartermaine-Oduya")
    assert not [h for h in _case(api, case["id"])["hits"] if h["entity_id"] == added.entity_id]

    store.import_file(un_dir / "consolidated.xml")
    rescreened = api.post("/screening/rescreen", "officer", {})
    assert rescreened.status_code == 200, rescreened.text
    assert rescreened.json()["flagged"] == [case["reference"]]
    assert rescreened.json()["screened"] >= 2
    screening = _case(api, case["id"])
    assert any(h["entity_id"] == added.entity_id for h in screening["hits"])
    assert screening["runs"][0]["flagged"] and screening["runs"][0]["trigger"] == "rescreen"
    assert not _case(api, quiet["id"])["runs"][0]["flagged"]
    assert api.post("/screening/rescreen", "applicant", {}).status_code == 403
    assert api.get("/audit/verify", "auditor").json()["intact"] is True


def test_a_false_positive_is_remembered_until_the_entry_changes(
    api: Api, tmp_path: Path, un_dir: Path
) -> None:
    old, new = _un_versions(un_dir, tmp_path)
    change = diff_lists(old.load("un-sc-consolidated"), new.load("un-sc-consolidated"))
    changed_ids = {c.entity_id for c in change.changed if "names" not in c.fields}
    removed = {e.entity_id for e in change.removed}
    people = [e for e in old.load("un-sc-consolidated").entities if e.schema is Schema.person]
    moved = next(e for e in people if e.entity_id in changed_ids)
    steady = next(
        e
        for e in people
        if e.entity_id not in changed_ids
        and e.entity_id not in removed
        and e.entity_id not in {c.entity_id for c in change.changed}
        and len(_primary(e).split()) >= 3
    )
    store = _store(tmp_path, un_dir / "history" / "consolidated-2024-09-26.xml")
    _with(api, store)

    def hit_index(case: dict[str, Any], entity_id: str) -> int:
        hits = _case(api, case["id"])["hits"]
        return next(i for i, h in enumerate(hits) if h["entity_id"] == entity_id)

    first = _submitted(api, _primary(steady))
    index = hit_index(first, steady.entity_id)
    url = f"/applications/{first['id']}/screening/false-positives"
    assert api.post(url, "officer", {"hit": index, "reasons": ""}).status_code == 422
    assert api.post(url, "applicant", {"hit": index, "reasons": "x"}).status_code == 403
    marked = api.post(url, "officer", {"hit": index, "reasons": "born 1990, listed one 1955"})
    assert marked.status_code == 201, marked.text
    assert _case(api, first["id"])["hits"][index]["false_positive"] is True
    assert _case(api, first["id"])["false_positives"][0]["reasons"].startswith("born 1990")

    # The same party, another case: the judgement holds.
    second = _submitted(api, _primary(steady).upper())
    assert _case(api, second["id"])["hits"][hit_index(second, steady.entity_id)]["false_positive"]

    # An entry that changes in the new version: judged on the old one, no longer after.
    third = _submitted(api, _primary(moved))
    index = hit_index(third, moved.entity_id)
    url = f"/applications/{third['id']}/screening/false-positives"
    assert api.post(url, "senior", {"hit": index, "reasons": "other person"}).status_code == 201
    store.import_file(un_dir / "consolidated.xml")
    assert api.post("/screening/rescreen", "officer", {}).status_code == 200
    hits = _case(api, third["id"])["hits"]
    assert not hits[hit_index(third, moved.entity_id)]["false_positive"]
    hits = _case(api, first["id"])["hits"]
    assert hits[hit_index(first, steady.entity_id)]["false_positive"]
    assert api.get("/audit/verify", "auditor").json()["intact"] is True

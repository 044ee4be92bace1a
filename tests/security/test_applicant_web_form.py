"""Issue 13, attack 2, through the web form instead of the API: an applicant dates its
application in 2013 (to be assessed under the law of 2013) or ticks a document as verified.
The form goes through the same input schema per audience as the API (``register/supply.py``):
the date is refused with the field named and nothing is stored; the form has no way to
verify a document (a posted ``verified`` field is not read)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application

from openatt.core.model import Application
from openatt.web import forms
from openatt.web.security import SESSION_COOKIE, csrf_for


def _form(api: Api, user: str, **changes: str) -> dict[str, str]:
    token = api.tokens[user]
    api.client.cookies.set(SESSION_COOKIE, token, path="/ui")
    values = dict(forms.from_application(Application.model_validate(application())).values)
    values.update(changes)
    values["csrf"] = csrf_for(token)
    return values


def _cases(api: Api) -> list[dict[str, object]]:
    listed = api.get("/applications", "applicant")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    return list(body["items"] if isinstance(body, dict) else body)


def test_an_applicant_cannot_backdate_through_the_web_form(api: Api) -> None:
    fields = _form(api, "applicant", date="2013-06-01")
    response = api.client.post("/ui/applications/new", data=fields, follow_redirects=False)
    assert response.status_code == 422, response.text
    assert "text/html" in response.headers["content-type"]
    assert "the decision date cannot be before today" in response.text
    assert _cases(api) == []


def test_an_applicant_cannot_backdate_a_draft_through_the_web_edit_form(api: Api) -> None:
    created = api.post("/applications", "applicant", application())
    assert created.status_code == 201, created.text
    app_id, version = created.json()["id"], created.json()["version"]
    fields = _form(api, "applicant", date="2013-06-01", version=str(version))
    response = api.client.post(
        f"/ui/applications/{app_id}/edit", data=fields, follow_redirects=False
    )
    assert response.status_code in (409, 422), response.text
    assert "the decision date cannot be before today" in response.text
    stored = api.get(f"/applications/{app_id}", "officer").json()
    assert stored["application"]["date"] != "2013-06-01"


def test_the_web_form_cannot_verify_a_document(api: Api) -> None:
    fields = _form(
        api,
        "applicant",
        doc_end_user_certificate_verified="on",
        **{"documents-0-verified": "true", "verified": "true"},
    )
    response = api.client.post("/ui/applications/new", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    (case,) = _cases(api)
    stored = api.get(f"/applications/{case['id']}", "officer").json()["application"]
    assert stored["documents"] and not any(d["verified"] for d in stored["documents"])

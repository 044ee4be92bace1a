"""Licence and refusal letters (WeasyPrint PDFs) and their public verification, through the
REST API on SQLite and PostgreSQL. The PDFs are read back with pypdf: the reference, the
licence number and the conditions must be on an A4 page, nothing cut off."""

from __future__ import annotations

import datetime as dt
import io
import sys
from typing import Any

import pytest
from pypdf import PdfReader
from register_helpers import Api, to_assessed, version

from openatt.register import audit, letters

A4 = (595.0, 842.0)
LONG_CONDITION = (
    "The consignee shall permit an on-site end-use inspection by the exporting state's "
    "embassy within twelve months of delivery, and shall report any loss or theft of the "
    "items within forty-eight hours to the licensing authority and the local police"
)
INTERNAL = "Internal: embassy cable 14/3 names the unit's commander"


def _effective(api: Api, app_id: int, outcome: str, **extra: Any) -> dict[str, Any]:
    body = {"version": version(api, app_id), "outcome": outcome, "reasons": INTERNAL, **extra}
    decided = api.post(f"/applications/{app_id}/decide", "officer", body)
    assert decided.status_code == 200, decided.text
    if decided.json()["status"] == "pending":
        signed = api.post(
            f"/applications/{app_id}/countersign",
            "officer2",
            {"version": version(api, app_id), "agree": True},
        )
        assert signed.status_code == 200, signed.text
        return dict(signed.json())
    return dict(decided.json())


def _licensed(api: Api, conditions: list[str] | None = None) -> tuple[int, dict[str, Any]]:
    app_id = to_assessed(api)
    if conditions:
        _effective(api, app_id, "approved_with_conditions", conditions=conditions)
    else:
        _effective(api, app_id, "approved")
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    issued = api.post(f"/applications/{app_id}/issue", "officer", {"valid_until": until})
    assert issued.status_code == 201, issued.text
    return app_id, dict(issued.json())


def _letters(api: Api, app_id: int, user: str = "applicant") -> list[dict[str, Any]]:
    listed = api.get(f"/applications/{app_id}/documents", user)
    assert listed.status_code == 200, listed.text
    return [d for d in listed.json() if d["origin"] == "letter"]


def _pdf(api: Api, app_id: int, document: dict[str, Any]) -> bytes:
    got = api.get(f"/applications/{app_id}/documents/{document['id']}/content", "applicant")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    return bytes(got.content)


def _overflow(html: str) -> float:
    """How far (CSS px) the widest box of the letter's layout reaches beyond the right edge
    of the page's content area (WeasyPrint's own layout; 0 when everything fits)."""
    from weasyprint import HTML

    worst = 0.0
    for page in HTML(string=html).render().pages:
        box = page._page_box
        right = box.content_box_x() + box.width
        for child in box.children:
            if type(child).__name__ == "MarginBox":  # the footer lives in the margin
                continue
            for inner in child.descendants():
                if getattr(inner, "width", None) is not None:
                    worst = max(worst, inner.position_x + inner.margin_width() - right)
    return worst


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def test_licence_letter_is_a_pdf_with_its_reference_on_an_a4_page(api: Api) -> None:
    app_id, licence = _licensed(api, [LONG_CONDITION, "No re-export without consent"])
    (letter,) = _letters(api, app_id)
    assert letter["kind"] == "licence_letter"
    reference = letter["letter_reference"]
    assert reference.startswith("OAL-") and len(reference.replace("-", "")) == 27
    pdf = _pdf(api, app_id, letter)
    text, reader = _text(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (round(A4[0]), round(A4[1]))
    assert reference in text
    assert licence["number"] in text
    assert "Meridian Ordnance Ltd" in text and "New Zealand (NZL)" in text
    # The long condition wraps inside the page: every word of it is there, in order.
    assert " ".join(LONG_CONDITION.split()) in text
    assert INTERNAL not in text  # the officers' reasons stay internal
    # Nothing reaches past the right margin: tables, long conditions, the reference.
    with api.db.read() as session:
        from openatt.register.models import ApplicationRow, LicenceRow

        row = session.get(ApplicationRow, app_id)
        stored = session.get(LicenceRow, licence["id"])
        assert row is not None and stored is not None
        html = letters.licence_html(row, stored, reference, dt.date.today())
    assert _overflow(html) < 0.5
    # The letter is an event of the chain; the chain verifies.
    history = api.get(f"/applications/{app_id}/events", "officer").json()
    issued = [e for e in history if e["action"] == "letter.issue"]
    assert [e["payload"]["reference"] for e in issued] == [reference]
    with api.db.read() as session:
        assert audit.verify(session).intact


def test_verification_by_reference_digest_and_file(api: Api) -> None:
    app_id, licence = _licensed(api)
    (letter,) = _letters(api, app_id)
    reference, sha = letter["letter_reference"], letter["sha256"]
    pdf = _pdf(api, app_id, letter)

    # No login needed. The reference as typed (lower case, spaces) is found.
    typed = reference.lower().replace("-", " ")
    by_ref = api.client.get("/verify", params={"reference": typed}).json()
    assert by_ref["genuine"] is True and by_ref["file_matches"] is None
    assert by_ref["kind"] == "licence" and by_ref["status"] == "active"
    assert by_ref["licence_number"] == licence["number"]
    assert by_ref["holder"] == "Meridian Ordnance Ltd" and by_ref["destination"] == "NZL"
    assert by_ref["sha256"] == sha
    assert set(by_ref) == {
        "genuine",
        "message",
        "file_matches",
        "kind",
        "reference",
        "issued_on",
        "status",
        "licence_number",
        "valid_from",
        "valid_until",
        "holder",
        "destination",
        "sha256",
    }

    by_digest = api.client.get("/verify", params={"digest": sha.upper()}).json()
    assert by_digest["genuine"] is True and by_digest["reference"] == reference

    by_file = api.client.post(
        "/verify", data={"reference": reference}, files={"file": ("l.pdf", pdf, "application/pdf")}
    ).json()
    assert by_file["genuine"] is True and by_file["file_matches"] is True

    middle = len(pdf) // 2
    altered = pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]  # one bit changed
    forged = api.client.post("/verify", files={"file": ("l.pdf", altered, "application/pdf")})
    assert forged.json()["genuine"] is False and forged.json()["reference"] is None
    mismatch = api.client.post(
        "/verify", data={"reference": reference}, files={"file": ("l.pdf", altered, "x/y")}
    ).json()
    assert mismatch["genuine"] is False and mismatch["file_matches"] is False
    assert mismatch["status"] == "active"  # the facts of the genuine letter, to compare

    unknown = api.client.get("/verify", params={"reference": "OAL-AAAA-BBBB-CCCC"}).json()
    assert unknown["genuine"] is False and unknown["holder"] is None

    # Bad input names the field.
    for params, field in (({}, "reference"), ({"digest": "abc"}, "digest")):
        refused = api.client.get("/verify", params=params)
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"][-1] == field
    empty = api.client.post("/verify", files={"file": ("l.pdf", b"", "application/pdf")})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "file"

    # The status follows the licence.
    revoked = api.post(f"/applications/{app_id}/revoke", "senior", {"reason": "End user changed"})
    assert revoked.status_code == 200, revoked.text
    assert api.client.get("/verify", params={"reference": reference}).json()["status"] == (
        "revoked"
    )


def test_refusal_letter_cites_the_criteria_not_the_internal_reasons(api: Api) -> None:
    app_id = to_assessed(api)
    decision = _effective(api, app_id, "denied", criteria=["eu.2", "att.7.1.b.ii"])
    assert decision["status"] == "effective"
    (letter,) = _letters(api, app_id)
    assert letter["kind"] == "refusal_letter"
    text, _reader = _text(_pdf(api, app_id, letter))
    assert letter["letter_reference"] in text
    assert "Criterion 2 - human rights and international humanitarian law (eu.2)" in text
    assert "Council Common Position 2008/944/CFSP" in text
    assert "att.7.1.b.ii" in text
    assert INTERNAL not in text and "officer" not in text.lower()
    with api.db.read() as session:
        from openatt.register.models import ApplicationRow, DecisionRow

        row = session.get(ApplicationRow, app_id)
        stored = session.get(DecisionRow, decision["id"])
        assert row is not None and stored is not None
        html = letters.refusal_html(session, row, stored, "OAL-TEST", dt.date.today())
    assert _overflow(html) < 0.5
    verdict = api.client.get("/verify", params={"reference": letter["letter_reference"]}).json()
    assert verdict["kind"] == "refusal" and verdict["status"] == "refused"
    assert verdict["licence_number"] is None
    # Other companies see neither the case nor its letter.
    assert api.get(f"/applications/{app_id}/documents", "other_applicant").status_code == 404


def test_without_weasyprint_the_licence_is_issued_and_the_letter_made_later(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails, as when not installed
    app_id, _licence = _licensed(api)
    assert _letters(api, app_id) == []
    history = api.get(f"/applications/{app_id}/events", "officer").json()
    missing = [e for e in history if e["action"] == "application.letter_unavailable"]
    assert len(missing) == 1 and "WeasyPrint" in missing[0]["payload"]["reason"]
    refused = api.post(f"/applications/{app_id}/letters", "officer", {})
    assert refused.status_code == 409 and "WeasyPrint" in refused.json()["detail"]
    assert api.post(f"/applications/{app_id}/letters", "applicant", {}).status_code == 403

    monkeypatch.delitem(sys.modules, "weasyprint")
    made = api.post(f"/applications/{app_id}/letters", "officer", {})
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "licence"
    assert [d["letter_reference"] for d in _letters(api, app_id)] == [made.json()["reference"]]
    again = api.post(f"/applications/{app_id}/letters", "officer", {})
    assert again.status_code == 409 and "every letter" in again.json()["detail"]
    with api.db.read() as session:
        assert audit.verify(session).intact

"""Documents and letters in the web UI without a browser: the upload form on the case page
(applicant and staff), what each audience sees, download, bad input shown again with the
field named and nothing written, and the public verification page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openatt.register.demo_documents import certificate_pdf
from openatt.register.models import ApplicationRow, CaseDocumentRow, LetterRow

Browser = Any
Register = Any


def _upload(web: Browser, app_id: int, content: bytes, **fields: str) -> Any:
    data = {"csrf": web.csrf(), "kind": "end_user_certificate", **fields}
    return web.client.post(
        f"/ui/applications/{app_id}/documents",
        data=data,
        files={"file": (fields.pop("filename", "euc.pdf"), content, "application/pdf")},
        follow_redirects=False,
    )


def _documents(register: Register) -> int:
    db = register.database()
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(CaseDocumentRow)).scalar_one())
    finally:
        db.dispose()


def _letter(register: Register, state: str) -> LetterRow:
    db = register.database()
    try:
        with db.read() as s:
            app_id = s.execute(
                select(ApplicationRow.id).where(ApplicationRow.state == state)
            ).scalar_one()
            return s.execute(
                select(LetterRow).where(LetterRow.application_id == app_id)
            ).scalar_one()
    finally:
        db.dispose()


def test_the_demo_shows_a_certificate_and_letters(register: Register, web: Browser) -> None:
    web.login("nordarms")
    submitted = register.case_id("submitted")
    page = web.get(f"/ui/applications/{submitted}").text
    assert "Documents and letters" in page
    assert "EUC-BRA-2026-0117.pdf" in page
    link = re.search(rf'href="(/ui/applications/{submitted}/documents/\d+)"', page)
    assert link
    got = web.get(link.group(1))
    assert got.status_code == 200 and got.content.startswith(b"%PDF-")
    licensed = register.case_id("licensed")
    letter = _letter(register, "licensed")
    page = web.get(f"/ui/applications/{licensed}").text
    assert "Licence letter" in page and letter.reference in page
    assert "the licensing authority" in page  # not the officer's name
    web.login("meridian")
    denied = register.case_id("denied")
    assert _letter(register, "denied").reference in web.get(f"/ui/applications/{denied}").text


def test_applicant_uploads_and_staff_documents_stay_internal(
    register: Register, web: Browser, new_browser: Any, app_client: TestClient
) -> None:
    draft = register.case_id("draft")  # nordarms's draft
    web.login("nordarms")
    done = _upload(
        web,
        draft,
        certificate_pdf("EUC-NOR-1", "Norwegian Armed Forces", "MoD"),
        reference="EUC-NOR-1",
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("?done=document-added#documents-heading")
    page = web.get(f"/ui/applications/{draft}").text
    assert "The document is added to the case." not in page  # the note needs ?done
    page = web.get(done.headers["location"].split("#")[0]).text
    assert "The document is added to the case." in page and "EUC-NOR-1" in page

    officer = new_browser(TestClient(app_client.app))
    officer.login("officer")
    internal = _upload(
        officer,
        draft,
        b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
        kind="other",
        reference="Embassy photo of the depot",
    )
    assert internal.status_code == 303
    staff_page = officer.get(f"/ui/applications/{draft}").text
    assert "Embassy photo of the depot" in staff_page and "nordarms" in staff_page
    own_page = web.get(f"/ui/applications/{draft}").text
    assert "Embassy photo of the depot" not in own_page
    hidden = re.findall(rf"/ui/applications/{draft}/documents/(\d+)", staff_page)
    shown = re.findall(rf"/ui/applications/{draft}/documents/(\d+)", own_page)
    (internal_id,) = set(hidden) - set(shown)
    assert web.get(f"/ui/applications/{draft}/documents/{internal_id}").status_code == 404


def test_the_upload_form_refuses_bad_input_and_writes_nothing(
    register: Register, web: Browser
) -> None:
    draft = register.case_id("draft")
    web.login("nordarms")
    before = _documents(register)
    cases = [
        (b"plain text pretending to be a PDF", {}, "file", "not a type openatt accepts"),
        (b"", {}, "file", "the file is empty"),
        (certificate_pdf("X", "Y", "Z"), {"kind": ""}, "kind", "Choose the kind of document."),
        (certificate_pdf("X", "Y", "Z"), {"kind": "passport"}, "kind", "unknown document kind"),
    ]
    for content, fields, field, words in cases:
        refused = _upload(web, draft, content, reference="EUC-typed", **fields)
        assert refused.status_code == 422, (fields, refused.status_code)
        assert f'id="{field}-error"' in refused.text, fields
        assert words in refused.text
        assert 'value="EUC-typed"' in refused.text  # what was typed is kept
    missing = web.client.post(
        f"/ui/applications/{draft}/documents",
        data={"csrf": web.csrf(), "kind": "other"},
        follow_redirects=False,
    )
    assert missing.status_code == 422 and "Choose the file to upload." in missing.text
    forged = web.client.post(
        f"/ui/applications/{draft}/documents",
        data={"csrf": "made-up", "kind": "other"},
        files={"file": ("a.pdf", certificate_pdf("X", "Y", "Z"), "application/pdf")},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert _documents(register) == before
    other = register.case_id("screened")  # meridian's case
    assert _upload(web, other, certificate_pdf("X", "Y", "Z")).status_code == 404
    assert _documents(register) == before


def test_public_verification_page(register: Register, app_client: TestClient) -> None:
    letter = _letter(register, "licensed")
    public = TestClient(app_client.app)  # no login
    form = public.get("/ui/verify")
    assert form.status_code == 200 and "Verify a licence or refusal letter" in form.text
    found = public.post("/ui/verify", data={"reference": letter.reference.lower()})
    assert found.status_code == 200
    assert "Genuine letter" in found.text and "active" in found.text
    assert "Nordic Defence Systems AB" in found.text and "Australia (AUS)" in found.text
    assert "officer" not in found.text.lower()

    officer = public.get("/ui/verify", params={"reference": letter.reference})
    assert "Genuine letter" in officer.text  # a link can carry the reference
    db = register.database()
    try:
        from openatt.register.blobs import BlobStore

        with db.read() as s:
            pdf = BlobStore.from_environment().get(s, letter.sha256)
    finally:
        db.dispose()
    by_file = public.post(
        "/ui/verify",
        data={"reference": letter.reference},
        files={"file": ("letter.pdf", pdf, "application/pdf")},
    )
    assert "matches the letter as issued" in by_file.text
    changed = public.post("/ui/verify", files={"file": ("letter.pdf", pdf + b"\n", "x/y")})
    assert "Not verified" in changed.text and letter.reference not in changed.text
    bad = public.post("/ui/verify", data={"digest": "12345"})
    assert bad.status_code == 422 and 'id="digest-error"' in bad.text
    nothing = public.post("/ui/verify", data={})
    assert nothing.status_code == 422 and 'id="reference-error"' in nothing.text

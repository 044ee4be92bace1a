"""Documents in a real browser (Debian's chromium via Playwright): the applicant uploads its
end-user certificate through the case page's form, and a customs officer, not logged in,
checks a licence letter by uploading its PDF on the public verification page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from openatt.register.blobs import BlobStore
from openatt.register.demo_documents import certificate_pdf
from openatt.register.models import ApplicationRow, LetterRow

pytestmark = pytest.mark.browser


def test_upload_through_the_form_and_verify_a_letter(
    pages: Any, server: Any, tmp_path: Path
) -> None:
    draft = server.register.case_id("draft")
    certificate = tmp_path / "EUC-NOR-2026-9.pdf"
    certificate.write_bytes(certificate_pdf("EUC-NOR-2026-9", "Norwegian Armed Forces", "MoD"))
    wrong = tmp_path / "notes.pdf"
    wrong.write_bytes(b"these are notes, not a PDF")

    applicant = pages.as_user("nordarms")
    applicant.goto(f"{server.base}/ui/applications/{draft}")
    form = applicant.locator("form[action$='/documents']")
    form.get_by_label("Kind of document").select_option("end_user_certificate")
    form.get_by_label("Reference on the document").fill("EUC-NOR-2026-9")
    form.locator("input[type=file]").set_input_files(str(wrong))
    form.get_by_role("button", name="Upload").click()
    # Refused by content, the message next to the file field, the reference kept.
    assert "not a type openatt accepts" in applicant.locator("#file-error").inner_text()
    assert applicant.get_by_label("Reference on the document").input_value() == "EUC-NOR-2026-9"

    form = applicant.locator("form[action$='/documents']")
    form.locator("input[type=file]").set_input_files(str(certificate))
    form.get_by_role("button", name="Upload").click()
    assert "The document is added to the case." in applicant.locator("#documents").inner_text()
    link = applicant.locator("#documents a", has_text="EUC-NOR-2026-9.pdf")
    assert link.count() == 1
    with applicant.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == certificate.read_bytes()

    db = server.register.database()
    try:
        with db.read() as s:
            licensed = s.execute(
                select(ApplicationRow.id).where(ApplicationRow.state == "licensed")
            ).scalar_one()
            letter = s.execute(
                select(LetterRow).where(LetterRow.application_id == licensed)
            ).scalar_one()
            pdf = BlobStore.from_environment().get(s, letter.sha256)
    finally:
        db.dispose()
    letter_file = tmp_path / "licence-letter.pdf"
    letter_file.write_bytes(pdf)

    context = pages.chromium.new_context()
    customs = context.new_page()
    pages.opened.append(("customs", customs))
    customs.goto(f"{server.base}/ui/login")
    customs.get_by_role("link", name="Verify a letter").click()
    customs.locator("input[type=file]").set_input_files(str(letter_file))
    customs.get_by_role("button", name="Verify").click()
    verdict = customs.locator("[role=status]").inner_text()
    assert "Genuine letter" in verdict and letter.reference in verdict
    assert "matches the letter as issued" in verdict and "active" in verdict

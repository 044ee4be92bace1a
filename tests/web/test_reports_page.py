"""The reports page: downloads through the reports service, the list of generated reports,
who may see it, and a refused report's problems on the page."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from openatt.reports.writers import att

Browser = Any
Register = Any


def _generate(web: Browser, **fields: str) -> Any:
    return web.post("/ui/reports/generate", fields)


def test_officer_downloads_an_att_xlsx_and_it_is_listed(web: Browser) -> None:
    web.login("officer")
    page = web.get("/ui/reports")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1 and page.text.count("<main") == 1
    assert 'href="/ui/reports" aria-current="page"' in page.text
    assert "No report has been generated yet." in page.text

    year = str(dt.date.today().year)
    response = _generate(web, kind="att-annual", year=year, basis="authorised", format="xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="att-annual-{year}-authorised-v1.xlsx"'
    # the same provenance headers as the API's download (the web lacked the as-of moment)
    for header in ("x-report-id", "x-report-version", "x-figures-sha256", "x-report-as-of"):
        assert response.headers[header], header
    workbook = load_workbook(io.BytesIO(response.content))
    assert tuple(workbook.sheetnames) == att.SHEETS
    header = [c.value for c in workbook["Exports"][5]]
    assert tuple(header) == att.TABLE_HEADERS[att.Direction.exports]

    listed = web.get("/ui/reports").text
    assert "Reports generated (1)" in listed
    assert response.headers["x-figures-sha256"] in listed
    assert "Not submitted" in listed


def test_unroca_json_and_format_checked_per_report(web: Browser) -> None:
    web.login("senior")
    year = str(dt.date.today().year)
    wrong = _generate(web, kind="unroca", year=year, basis="actual", format="csv")
    assert wrong.status_code == 422
    assert "written as xlsx or json" in wrong.text
    assert 'value="unroca" selected' in wrong.text  # what was chosen is kept
    bad_year = _generate(web, kind="att-annual", year="twenty", basis="actual", format="json")
    assert bad_year.status_code == 422 and "Give a calendar year" in bad_year.text
    ok = _generate(web, kind="unroca", year=year, basis="actual", format="json")
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/json"
    assert ok.json()


def test_auditor_sees_the_list_and_applicant_is_refused(
    web: Browser, new_browser: Any, app_client: Any
) -> None:
    web.login("officer")
    year = str(dt.date.today().year)
    done = _generate(web, kind="att-annual", year=year, basis="actual", format="csv")
    assert done.status_code == 200

    from fastapi.testclient import TestClient

    auditor = new_browser(TestClient(app_client.app))
    auditor.login("auditor")
    page = auditor.get("/ui/reports")
    assert page.status_code == 200
    assert "Reports generated (1)" in page.text
    assert done.headers["x-figures-sha256"] in page.text
    assert 'href="/ui/reports"' in auditor.get("/ui/applications").text

    applicant = new_browser(TestClient(app_client.app))
    applicant.login("nordarms")
    assert applicant.get("/ui/reports").status_code == 403
    assert 'href="/ui/reports"' not in applicant.get("/ui/applications").text
    refused = applicant.post(
        "/ui/reports/generate",
        {"kind": "att-annual", "year": year, "basis": "actual", "format": "csv"},
    )
    assert refused.status_code == 403


def test_generating_needs_the_csrf_token(web: Browser) -> None:
    web.login("officer")
    year = str(dt.date.today().year)
    forged = web.post(
        "/ui/reports/generate",
        {"kind": "att-annual", "year": year, "basis": "actual", "format": "csv"},
        token=False,
    )
    assert forged.status_code == 403
    assert "Reports generated (0)" in web.get("/ui/reports").text


def test_a_refused_report_shows_its_problems(register: Register, web: Browser) -> None:
    db = register.database()
    try:
        with db.engine.begin() as connection:
            shipment_id = (
                connection.execute(text("SELECT id FROM shipments ORDER BY id")).scalars().first()
            )
            assert shipment_id is not None, "the demo register has shipments"
            # Behind the register's back: more shipped than any licence allows.
            connection.execute(
                text("UPDATE shipments SET quantity = 1000000 WHERE id = :s"), {"s": shipment_id}
            )
    finally:
        db.dispose()
    web.login("officer")
    year = str(dt.date.today().year)
    response = _generate(web, kind="att-annual", year=year, basis="actual", format="xlsx")
    assert response.status_code == 409
    assert "does not reconcile with the register" in response.text
    assert re.search(rf"shipment {shipment_id} exceeds licence \S+", response.text)
    assert "shipped 1000000" in response.text
    assert "No report has been generated yet." in response.text


def test_national_report_as_html(web: Browser) -> None:
    web.login("officer")
    year = str(dt.date.today().year)
    response = _generate(web, kind="national", year=year, basis="", format="html")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f"national-{year}-both-v1.html" in response.headers["content-disposition"]
    assert "<html" in response.text.lower()

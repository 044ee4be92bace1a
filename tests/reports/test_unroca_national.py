"""The UN Register return and the national report against the demo register."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import load_workbook
from report_fixtures import OFFICER, Register
from report_helpers import actual_exports, table_rows
from sqlalchemy import select, text

from openatt.reports import service
from openatt.reports.figures import Basis, Figures
from openatt.reports.national import NationalFigures
from openatt.reports.reconcile import ReportRefused
from openatt.reports.writers import unroca
from openatt.reports.writers.national import CHARTS, pdf_available


def test_unroca_return_has_its_forms_and_the_registers_totals(register: Register) -> None:
    generated = service.generate_treaty_report(
        register.db, OFFICER, kind="unroca", year=register.year, basis=Basis.actual, fmt="xlsx"
    )
    workbook = load_workbook(io.BytesIO(generated.content))
    assert tuple(workbook.sheetnames) == unroca.SHEETS
    assert [c.value for c in workbook["Exports I-VII"][4]][:5] == [
        "A. Category (I-VII)",
        "B. Final importer State(s)",
        "C. Number of items",
        "D. State of origin (if not exporter)",
        "E. Intermediate location (if any)",
    ]
    assert [c.value for c in workbook["Imports I-VII"][4]][1] == "B. Exporter State(s)"
    heavy = [r for r in table_rows(generated.content, "Exports I-VII", first=5) if r[2]]
    salw = [r for r in table_rows(generated.content, "SALW exports", first=5) if r[2]]
    assert heavy == []
    assert [(r[0], r[1], r[2]) for r in salw] == [
        ("Light weapons - 4. Recoilless rifles", "Canada (CAN)", 60)
    ]
    with register.db.read() as session:
        assert sum(int(r[2]) for r in salw) == sum(actual_exports(session, register.year).values())
    nil = [r[0] for r in workbook["Nil report"].iter_rows(values_only=True) if r[0]]
    assert "Nil: no exports of arms in categories I-VII" in " ".join(str(n) for n in nil)
    as_json = service.generate_treaty_report(
        register.db, OFFICER, kind="unroca", year=register.year, basis=Basis.actual, fmt="json"
    )
    figures = Figures.model_validate_json(as_json.content)
    assert figures.form == "unroca" and figures.checksum() == generated.figures_sha256
    assert [e.code for e in figures.exports.entries] == ["LW.4"]


def test_national_report_bundle(register: Register) -> None:
    generated = service.generate_national_report(
        register.db, OFFICER, year=register.year, fmt="zip"
    )
    archive = zipfile.ZipFile(io.BytesIO(generated.content))
    names = set(archive.namelist())
    for name, _ in CHARTS:
        assert {f"charts/{name}.png", f"charts/{name}.svg"} <= names
        assert archive.read(f"charts/{name}.png").startswith(b"\x89PNG")
        assert b"<svg" in archive.read(f"charts/{name}.svg")
    figures = NationalFigures.model_validate_json(archive.read("figures.json"))
    assert figures.checksum() == generated.figures_sha256
    rows = {(r.destination, r.ml_category): r for r in figures.rows}
    assert rows[("CAN", "ML2")].licences == 1 and rows[("CAN", "ML2")].actual_items == 60
    assert rows[("CAN", "ML2")].licensed_value == 1_800_000.0
    # Ammunition and parts are in the national report (not in the ATT tables).
    assert ("AUS", "ML5") in rows and ("AUS", "ML3") in rows
    # The demo's denials (non-state militias in South Sudan; two of them appealed) with the
    # criteria invoked.
    assert figures.denials and {d.destination for d in figures.denials} == {"SSD"}
    assert all(d.criteria for d in figures.denials), "a denial names its assessment's criteria"
    assert sum(figures.denials_by_criterion.values()) == sum(
        len(d.criteria) for d in figures.denials
    )
    assert figures.by_region.licensed_value["Americas"] == pytest.approx(
        sum(r.licensed_value for r in figures.rows if r.region == "Americas")
    )
    html = archive.read("report.html").decode()
    assert "Canada (CAN)" in html and "South Sudan" in html
    assert html.count("data:image/png;base64,") == len(CHARTS)
    if pdf_available():
        assert archive.read("report.pdf").startswith(b"%PDF")


def test_national_report_formats(register: Register) -> None:
    html = service.generate_national_report(register.db, OFFICER, year=register.year, fmt="html")
    assert html.content.startswith(b"<!DOCTYPE html>")
    data = json.loads(
        service.generate_national_report(
            register.db, OFFICER, year=register.year, fmt="json"
        ).content
    )
    assert data["kind"] == "national" and data["year"] == register.year
    if pdf_available():
        pdf = service.generate_national_report(register.db, OFFICER, year=register.year, fmt="pdf")
        assert pdf.content.startswith(b"%PDF")
        assert pdf.figures_sha256 == html.figures_sha256


def test_national_report_refused_when_a_shipment_exceeds_its_licence(
    register: Register,
) -> None:
    from openatt.register.models import ApplicationRow, LicenceRow

    with register.db.read() as session:
        licence = session.execute(
            select(LicenceRow)
            .join(ApplicationRow, ApplicationRow.id == LicenceRow.application_id)
            .where(ApplicationRow.importing_state == "AUS")
        ).scalar_one()
    with register.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE shipments SET quantity = 11 WHERE licence_id = :l"), {"l": licence.id}
        )
    with pytest.raises(ReportRefused, match=f"exceeds licence {licence.number}"):
        service.generate_national_report(register.db, OFFICER, year=register.year, fmt="json")


def test_national_report_reproduces_as_of_its_moment(register: Register) -> None:
    from openatt.reports import records

    first = service.generate_national_report(
        register.db, OFFICER, year=register.year, fmt="json", years=3
    )
    assert list(json.loads(first.content)["over_years"]["licensed_value"]) == [
        str(register.year - 2),
        str(register.year - 1),
        str(register.year),
    ]
    with register.db.read() as session:
        row = records.get(session, OFFICER, first.report_id)
        assert service.recompute(session, row).checksum() == first.figures_sha256

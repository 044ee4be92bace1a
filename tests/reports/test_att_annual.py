"""The ATT annual report against the demo register: layout, totals, JSON and CSV, nil
reports, withheld entries, reproducibility, refusal, and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import defaultdict

import pytest
from openpyxl import load_workbook
from report_fixtures import OFFICER, Register, actor, demo_user
from report_helpers import actual_exports, authorised_exports, table_rows
from sqlalchemy import select, text

from openatt.register import audit, licensing
from openatt.register.models import ApplicationRow, Event, LicenceRow, ReportRow, Role, State
from openatt.reports import forms, records, service
from openatt.reports.figures import Basis, Figures
from openatt.reports.reconcile import ReportRefused
from openatt.reports.writers import att

LABEL_TO_CATEGORY = {row.label: row.category for row in forms.form("att").rows}


def _generate(register: Register, basis: Basis, fmt: str, **kwargs: object) -> service.Generated:
    return service.generate_treaty_report(
        register.db,
        OFFICER,
        kind="att-annual",
        year=kwargs.pop("year", register.year),  # type: ignore[arg-type]
        basis=basis,
        fmt=fmt,
        **kwargs,  # type: ignore[arg-type]
    )


def _xlsx_totals(content: bytes, sheet: str) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in table_rows(content, sheet):
        if row[2] is not None:
            totals[LABEL_TO_CATEGORY[str(row[0])]] += int(row[2])  # type: ignore[call-overload]
    return dict(totals)


@pytest.mark.parametrize("basis", list(Basis))
def test_xlsx_has_the_template_layout_and_the_registers_totals(
    register: Register, basis: Basis
) -> None:
    generated = _generate(register, basis, "xlsx")
    workbook = load_workbook(io.BytesIO(generated.content))
    assert tuple(workbook.sheetnames) == att.SHEETS
    for sheet, direction in (("Exports", "exports"), ("Imports", "imports")):
        header = [c.value for c in workbook[sheet][5]]
        assert tuple(header) == att.TABLE_HEADERS[att.Direction(direction)]
    # Every category and sub-category of the form, in the form's order.
    labels = [r[0] for r in table_rows(generated.content, "Exports")]
    expected = [row.label for row in forms.form("att").rows]
    assert list(dict.fromkeys(labels)) == expected
    # The totals equal the register's, read straight from its tables.
    with register.db.read() as session:
        register_totals = (
            authorised_exports(session, register.year)
            if basis is Basis.authorised
            else actual_exports(session, register.year)
        )
    assert register_totals, "the demo register has exports in its year"
    assert _xlsx_totals(generated.content, "Exports") == register_totals
    title = {r[0]: r[1] for r in workbook["Title page"].iter_rows(values_only=True) if r[0]}
    assert title["Basis of the figures: exports"].startswith(  # type: ignore[union-attr]
        "[X] authorised" if basis is Basis.authorised else "[ ] authorised"
    )
    assert title["Checksum of the figures (SHA-256)"] == generated.figures_sha256


def test_demo_figures_place_the_cases(register: Register) -> None:
    """The demo's licensed small arms: 80 light machine guns to Thailand, 60 recoilless
    rifles to Canada; ammunition and parts are not in the ATT tables."""
    rows = table_rows(_generate(register, Basis.authorised, "xlsx").content, "Exports")
    itemised = {(r[0], r[1], r[2]) for r in rows if r[2] is not None}
    assert itemised == {
        ("VIII. Small arms - 5. Light machine guns", "Thailand (THA)", 80),
        ("VIII. Light weapons - 4. Recoilless rifles", "Canada (CAN)", 60),
    }
    shipped = table_rows(_generate(register, Basis.actual, "xlsx").content, "Exports")
    assert {(r[1], r[2]) for r in shipped if r[2] is not None} == {("Canada (CAN)", 60)}


def test_json_and_csv_carry_the_same_figures(register: Register) -> None:
    xlsx = _generate(register, Basis.authorised, "xlsx")
    as_json = _generate(register, Basis.authorised, "json")
    as_csv = _generate(register, Basis.authorised, "csv")
    figures = Figures.model_validate_json(as_json.content)
    assert figures.checksum() == xlsx.figures_sha256 == as_csv.figures_sha256
    assert json.loads(figures.model_dump_json()) == json.loads(as_json.content)
    lines = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert [line["code"] for line in lines] == [e.code for e in figures.exports.entries]
    csv_totals: dict[str, int] = defaultdict(int)
    for line in lines:
        csv_totals[line["category"]] += int(line["number"])
    assert (
        dict(csv_totals) == figures.exports.category_totals == _xlsx_totals(xlsx.content, "Exports")
    )
    # The same figures, generated again: the same version, not a new one.
    assert xlsx.version == as_json.version == as_csv.version == 1


def test_nil_report(register: Register) -> None:
    """No licences in the year: both tables are nil reports, and Annex 3 says so."""
    generated = _generate(register, Basis.authorised, "xlsx", year=register.year - 10)
    workbook = load_workbook(io.BytesIO(generated.content))
    assert all(r[2] is None for r in table_rows(generated.content, "Exports"))
    assert str(workbook["Exports"]["A4"].value).startswith("Nil report")
    nil = [r[0] for r in workbook["Annex 3 Nil report"].iter_rows(values_only=True) if r[0]]
    assert any("Nil report on exports" in str(line) for line in nil)
    assert any("Nil report on imports" in str(line) for line in nil)
    title = {r[0]: r[1] for r in workbook["Title page"].iter_rows(values_only=True) if r[0]}
    assert title["Nil report: exports"] == "[X]" and title["Exports table"] == "[ ]"
    figures = Figures.model_validate_json(
        _generate(register, Basis.authorised, "json", year=register.year - 10).content
    )
    assert figures.exports.nil and figures.imports.nil


def test_imports_are_nil_when_only_exports_were_licensed(register: Register) -> None:
    generated = _generate(register, Basis.authorised, "xlsx")
    workbook = load_workbook(io.BytesIO(generated.content))
    assert str(workbook["Imports"]["A4"].value).startswith("Nil report")
    assert workbook["Exports"]["A4"].value is None


def _licence_to(register: Register, state: str) -> LicenceRow:
    with register.db.read() as session:
        return session.execute(
            select(LicenceRow)
            .join(ApplicationRow, ApplicationRow.id == LicenceRow.application_id)
            .where(ApplicationRow.importing_state == state)
        ).scalar_one()


def test_withheld_entry_is_counted_but_not_itemised(register: Register) -> None:
    licence = _licence_to(register, "THA")
    with register.db.write() as session:
        records.withhold(
            session,
            OFFICER,
            licence.number,
            grounds="national_security",
            reason="Special forces procurement",
        )
    generated = _generate(register, Basis.authorised, "xlsx")
    rows = [r for r in table_rows(generated.content, "Exports") if r[2] is not None]
    assert not any("THA" in str(r[1]) for r in rows)
    withheld = [r for r in rows if r[1] == "withheld (Art. 13(3))"]
    assert len(withheld) == 1
    label, _, number, value, currency, description, comments = withheld[0]
    assert (label, number, value, currency, description) == (
        "VIII. Small arms - 5. Light machine guns",
        80,
        None,
        None,
        None,
    )
    assert "national-security" in str(comments)
    with register.db.read() as session:
        assert _xlsx_totals(generated.content, "Exports") == authorised_exports(
            session, register.year
        )
        assert audit.verify(session).intact
    workbook = load_workbook(io.BytesIO(generated.content))
    title = {r[0]: r[1] for r in workbook["Title page"].iter_rows(values_only=True) if r[0]}
    assert title["Licences withheld from the itemised tables"] == "1"
    assert (
        str(
            title[
                "Commercially sensitive and/or national-security information withheld "
                "in accordance with Article 13(3)?"
            ]
        )
        == "Yes"
    )


def test_withholding_needs_staff_and_known_grounds(register: Register) -> None:
    from openatt.register.errors import Forbidden, Invalid

    licence = _licence_to(register, "THA")
    with register.db.write() as session, pytest.raises(Forbidden):
        records.withhold(
            session, actor(Role.auditor), licence.number, grounds="national_security", reason="x"
        )
    with register.db.write() as session, pytest.raises(Invalid):
        records.withhold(session, OFFICER, licence.number, grounds="secret", reason="x")


def test_past_year_report_unchanged_after_later_amendments(register: Register) -> None:
    first = _generate(register, Basis.authorised, "json")
    first_xlsx = _generate(register, Basis.authorised, "xlsx", as_of=first.as_of)
    with register.db.write() as session:
        records.submit(session, OFFICER, first.report_id, note="sent to the ATT Secretariat")
    # Later amendments: a licence dated in the year but issued after the report, and a
    # licence flagged as withheld.
    with register.db.read() as session:
        nzl = session.execute(
            select(ApplicationRow).where(
                ApplicationRow.importing_state == "NZL",
                ApplicationRow.state == State.approved.value,
            )
        ).scalar_one()
    day = dt.date(register.year, 1, 15)
    with register.db.write() as session:
        licensing.issue(
            session,
            demo_user(register, "officer2"),
            nzl.id,
            issued_on=day,
            valid_until=day + dt.timedelta(days=730),
        )
    with register.db.write() as session:
        records.withhold(
            session,
            OFFICER,
            _licence_to(register, "CAN").number,
            grounds="commercially_sensitive",
            reason="contract terms",
        )
    again = _generate(register, Basis.authorised, "json", as_of=first.as_of)
    assert again.figures_sha256 == first.figures_sha256
    assert again.content == first.content
    assert again.version == first.version == 1
    again_xlsx = _generate(register, Basis.authorised, "xlsx", as_of=first.as_of)
    assert again_xlsx.content == first_xlsx.content
    with register.db.read() as session:
        assert (
            service.recompute(session, records.get(session, OFFICER, first.report_id)).checksum()
            == first.figures_sha256
        )
    # Written now, the report sees the amendments: a correction, a new linked version.
    now = _generate(register, Basis.authorised, "json")
    assert now.figures_sha256 != first.figures_sha256
    figures = Figures.model_validate_json(now.content)
    assert figures.exports.category_totals["VIII"] == 80 + 60 + 400
    with register.db.read() as session:
        row = session.get(ReportRow, now.report_id)
        assert row is not None and row.version == 2 and row.supersedes_id == first.report_id
        submitted = session.get(ReportRow, first.report_id)
        assert submitted is not None and submitted.status == "submitted"
        assert submitted.figures_sha256 == first.figures_sha256
        event = session.execute(
            select(Event).where(Event.entity == "report", Event.entity_id == now.report_id)
        ).scalar_one()
        assert json.loads(event.payload)["correction"] is True
    corrected = load_workbook(io.BytesIO(_generate(register, Basis.authorised, "xlsx").content))
    title = {r[0]: r[1] for r in corrected["Title page"].iter_rows(values_only=True) if r[0]}
    assert title["Version"] == "2 (replaces version 1)"


def test_report_blocked_by_a_shipment_that_exceeds_its_licence(register: Register) -> None:
    licence = _licence_to(register, "CAN")
    with register.db.read() as session:
        count = len(session.execute(select(ReportRow)).all())
    # Behind the application's back (the service would refuse it).
    with register.db.engine.begin() as connection:
        shipment_id = connection.execute(
            text("SELECT id FROM shipments WHERE licence_id = :l"), {"l": licence.id}
        ).scalar_one()
        connection.execute(
            text("UPDATE shipments SET quantity = 75 WHERE id = :s"), {"s": shipment_id}
        )
    with pytest.raises(ReportRefused) as refused:
        _generate(register, Basis.actual, "xlsx")
    message = str(refused.value)
    assert f"shipment {shipment_id} exceeds licence {licence.number}" in message
    assert "licensed 60, shipped 75" in message
    with register.db.read() as session:
        assert len(session.execute(select(ReportRow)).all()) == count


def test_every_report_is_in_the_audit_log_with_its_checksums(register: Register) -> None:
    generated = _generate(register, Basis.actual, "xlsx")
    assert generated.file_sha256 == hashlib.sha256(generated.content).hexdigest()
    with register.db.read() as session:
        event = session.execute(
            select(Event).where(Event.entity == "report", Event.entity_id == generated.report_id)
        ).scalar_one()
        payload = json.loads(event.payload)
        assert event.action == "report.generate"
        assert payload["figures_sha256"] == generated.figures_sha256
        assert payload["file_sha256"] == generated.file_sha256
        assert payload["as_of"] == generated.as_of
        assert audit.verify(session).intact


def test_only_officers_and_auditors_generate(register: Register) -> None:
    from openatt.register.errors import Forbidden

    for role in (Role.officer, Role.senior_reviewer, Role.auditor):
        service.generate_treaty_report(
            register.db,
            actor(role),
            kind="att-annual",
            year=register.year,
            basis=Basis.actual,
            fmt="csv",
        )
    for role in (Role.applicant, Role.admin):
        with pytest.raises(Forbidden):
            service.generate_treaty_report(
                register.db,
                actor(role),
                kind="att-annual",
                year=register.year,
                basis=Basis.actual,
                fmt="csv",
            )


def test_reporting_state_limits_the_report_to_its_own_licences(register: Register) -> None:
    """The demo has two exporting states (Sweden and the United Kingdom)."""
    both = Figures.model_validate_json(_generate(register, Basis.authorised, "json").content)
    assert both.states_covered == ("GBR", "SWE")
    sweden = Figures.model_validate_json(
        _generate(register, Basis.authorised, "json", reporting_state="SWE").content
    )
    britain = Figures.model_validate_json(
        _generate(register, Basis.authorised, "json", reporting_state="GBR").content
    )
    assert [e.partner for e in sweden.exports.entries] == ["CAN"]
    assert [e.partner for e in britain.exports.entries] == ["THA"]
    assert sweden.states_covered == ("SWE",)
    assert (
        sweden.exports.category_totals["VIII"] + britain.exports.category_totals["VIII"]
        == both.exports.category_totals["VIII"]
    )


def test_numbers_only_report_is_a_series_of_its_own(register: Register) -> None:
    with_values = _generate(register, Basis.authorised, "xlsx")
    numbers = _generate(register, Basis.authorised, "xlsx", values=False)
    rows = [r for r in table_rows(numbers.content, "Exports") if r[2] is not None]
    assert rows and all(r[3] is None and r[4] is None for r in rows)
    assert _xlsx_totals(numbers.content, "Exports") == _xlsx_totals(with_values.content, "Exports")
    assert numbers.version == with_values.version == 1, "not a correction of the other"
    with register.db.read() as session:
        row = records.get(session, OFFICER, numbers.report_id)
        assert row.basis == "authorised-numbers"
        assert service.recompute(session, row).checksum() == numbers.figures_sha256

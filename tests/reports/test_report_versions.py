"""Report versions follow the as-of moment: a report of an earlier moment never supersedes
one of a later moment; the same figures keep their version; and a national report whose
PDF cannot be written (WeasyPrint missing) is refused whole, zip and folder too."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from report_fixtures import OFFICER, Register
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.reports import loading, records, service
from openatt.reports.figures import Basis
from openatt.reports.writers.national import PdfUnavailable


def _att(register: Register, as_of: str | None = None) -> service.Generated:
    return service.generate_treaty_report(
        register.db,
        OFFICER,
        kind="att-annual",
        year=register.year,
        basis=Basis.authorised,
        fmt="json",
        as_of=as_of,
    )


def test_versions_go_by_the_as_of_moment(register: Register) -> None:
    now = _att(register)
    assert now.version == 1
    # The register as it was before any licence: other figures, of an earlier moment.
    past = _att(register, as_of=loading.moment(dt.datetime(2000, 1, 1)))
    assert past.version == 2
    with register.db.read() as session:
        rows = {r.id: r for r in records.list_reports(session, OFFICER)}
    assert rows[past.report_id].supersedes_id is None, "an earlier moment supersedes nothing"
    label = records.version_label
    with register.db.read() as session:
        text = label(
            session,
            "att-annual",
            register.year,
            "authorised",
            None,
            past.figures_sha256,
            past.as_of,
        )
    assert "earlier moment than version 1" in text
    again = _att(register)
    assert again.version == 1, "the same figures keep their version"


def test_a_future_as_of_moment_is_refused(register: Register) -> None:
    from openatt.register.errors import Invalid

    with pytest.raises(Invalid) as refused:
        _att(register, as_of="2999-01-01T00:00:00.000000+00:00")
    assert refused.value.field == ("as_of",)


def test_without_weasyprint_the_zip_and_the_folder_are_refused(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    with pytest.raises(PdfUnavailable, match="WeasyPrint"):
        service.generate_national_report(register.db, OFFICER, year=register.year, fmt="zip")
    with register.db.read() as session:
        assert records.list_reports(session, OFFICER) == [], "nothing recorded"
    result = CliRunner().invoke(
        build_app(),
        [
            "report",
            "national",
            "--year",
            str(register.year),
            "--out",
            str(tmp_path / "out"),
            "--database",
            register.url,
        ],
    )
    assert result.exit_code == 2 and "WeasyPrint" in result.output
    assert not (tmp_path / "out").exists()

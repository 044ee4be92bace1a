"""Generate a report: read the register as of a moment, compute, reconcile, render, record.

What the CLI, the REST API and the web UI call. Everything happens in one transaction, so a
report that is written is also recorded (with its checksums, in the audit log), and a report
that does not reconcile is neither.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from openatt.register.db import Database
from openatt.register.models import ReportRow
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor
from openatt.reports import loading, national, reconcile, records
from openatt.reports.figures import (
    Basis,
    Figures,
    compute,
    parse_series_basis,
    series_basis,
)
from openatt.reports.national import NationalFigures
from openatt.reports.snapshot import Snapshot

Kind = Literal["att-annual", "unroca", "national"]
FORMATS: dict[str, tuple[str, ...]] = {
    "att-annual": ("xlsx", "csv", "json"),
    "unroca": ("xlsx", "json"),
    "national": ("html", "pdf", "json", "zip"),
}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "zip": "application/zip",
}


YEARS_NOTE = "years in the series: "
"""How a national report's record notes the span of its chart over years."""


@dataclass(frozen=True)
class Generated:
    kind: str
    fmt: str
    content: bytes
    figures_sha256: str
    file_sha256: str
    report_id: int
    version: int
    as_of: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]

    def filename(self, year: int, basis: str) -> str:
        return f"{self.kind}-{year}-{basis}-v{self.version}.{self.fmt}"

    def download_headers(self, year: int, basis: str) -> dict[str, str]:
        """What a download of the report says about it, in the API and the web UI alike."""
        return {
            "Content-Disposition": f'attachment; filename="{self.filename(year, basis)}"',
            "X-Report-Id": str(self.report_id),
            "X-Report-Version": str(self.version),
            "X-Figures-SHA256": self.figures_sha256,
            "X-File-SHA256": self.file_sha256,
            "X-Report-As-Of": self.as_of,
        }


def register_totals(
    session: Session, snapshot: Snapshot, year: int, basis: Basis, reporting_state: str | None
) -> reconcile.Totals:
    """The register's own totals for the report, computed apart from the report's figures."""
    if basis is Basis.authorised:
        return reconcile.authorised_totals(snapshot, year, reporting_state)
    shipped = loading.shipped_by_licence_item(session, {s.id for s in snapshot.shipments}, year)
    return reconcile.actual_totals(snapshot, shipped, reporting_state)


def treaty_figures(
    session: Session,
    *,
    kind: str,
    year: int,
    basis: Basis,
    reporting_state: str | None,
    as_of: str,
    values: bool = True,
) -> tuple[Figures, reconcile.Totals]:
    """The reconciled figures of an ATT annual report or UN Register return (or
    :class:`~openatt.reports.reconcile.ReportRefused`)."""
    snap = loading.snapshot(session, as_of)
    figures = compute(
        snap, year=year, basis=basis, reporting_state=reporting_state, kind=kind, values=values
    )
    totals = register_totals(session, snap, year, basis, reporting_state)
    reconcile.check(figures, snap, totals)
    return figures, totals


def _check_format(kind: str, fmt: str) -> None:
    from openatt.register.errors import Invalid

    if fmt not in FORMATS[kind]:
        allowed = ", ".join(FORMATS[kind])
        raise Invalid(f"format must be one of: {allowed}", field=("format",))


def _record(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    year: int,
    basis: str,
    reporting_state: str | None,
    as_of: str,
    fmt: str,
    figures_sha256: str,
    content: bytes,
    note: str = "",
) -> Generated:
    file_sha = hashlib.sha256(content).hexdigest()
    row: ReportRow = records.record(
        session,
        actor,
        kind=kind,
        year=year,
        basis=basis,
        reporting_state=reporting_state,
        as_of=as_of,
        fmt=fmt,
        figures_sha256=figures_sha256,
        file_sha256=file_sha,
        note=note,
    )
    return Generated(kind, fmt, content, figures_sha256, file_sha, row.id, row.version, as_of)


def generate_treaty_report(
    db: Database,
    actor: Actor,
    *,
    kind: Literal["att-annual", "unroca"],
    year: int,
    basis: Basis,
    fmt: str,
    reporting_state: str | None = None,
    as_of: str | None = None,
    values: bool = True,
) -> Generated:
    """An ATT annual report or a UN Register return, written and recorded; ``values=False``
    gives the number of items without values."""
    from openatt.reports.writers import att, unroca

    require(actor, Permission.report_read)
    _check_format(kind, fmt)
    moment = as_of or loading.moment()
    with db.write() as session:
        figures, totals = treaty_figures(
            session,
            kind=kind,
            year=year,
            basis=basis,
            reporting_state=reporting_state,
            as_of=moment,
            values=values,
        )
        checksum = figures.checksum()
        recorded_basis = series_basis(basis, values)
        version = records.version_label(
            session, kind, year, recorded_basis, reporting_state, checksum
        )
        if kind == "att-annual":
            content = {
                "xlsx": lambda: att.to_xlsx(figures, totals, version=version),
                "csv": lambda: att.to_csv(figures),
                "json": lambda: att.to_json(figures),
            }[fmt]()
        else:
            content = {
                "xlsx": lambda: unroca.to_xlsx(figures, version=version),
                "json": lambda: unroca.to_json(figures),
            }[fmt]()
        return _record(
            session,
            actor,
            kind=kind,
            year=year,
            basis=recorded_basis,
            reporting_state=reporting_state,
            as_of=moment,
            fmt=fmt,
            figures_sha256=checksum,
            content=content,
        )


def national_figures(
    session: Session, *, year: int, reporting_state: str | None, as_of: str, years: int = 5
) -> NationalFigures:
    """The reconciled figures of the national report (or ``ReportRefused``)."""
    snap = loading.snapshot(session, as_of)
    try:
        figures = national.compute(snap, year=year, reporting_state=reporting_state, years=years)
    except national.MixedCurrencies as error:
        raise reconcile.ReportRefused([str(error)]) from error
    shipped = loading.shipped_by_licence_item(session, {s.id for s in snap.shipments}, year)
    reconcile.check_national(figures, snap, shipped)
    return figures


def generate_national_report(
    db: Database,
    actor: Actor,
    *,
    year: int,
    fmt: str,
    reporting_state: str | None = None,
    as_of: str | None = None,
    years: int = 5,
) -> Generated:
    """The national transparency report as HTML, PDF, JSON, or a zip of all with the charts."""
    from openatt.reports.writers import national as writer

    require(actor, Permission.report_read)
    _check_format("national", fmt)
    moment = as_of or loading.moment()
    with db.write() as session:
        figures = national_figures(
            session, year=year, reporting_state=reporting_state, as_of=moment, years=years
        )
        checksum = figures.checksum()
        version = records.version_label(
            session, "national", year, "both", reporting_state, checksum
        )
        if fmt == "json":
            content = writer.to_json(figures)
        elif fmt == "zip":
            content = writer.to_zip(figures, version=version, with_pdf=writer.pdf_available())
        else:
            html = writer.to_html(figures, writer.charts(figures), version=version)
            content = html if fmt == "html" else writer.to_pdf(html)
        return _record(
            session,
            actor,
            kind="national",
            year=year,
            basis="both",
            reporting_state=reporting_state,
            as_of=moment,
            fmt=fmt,
            figures_sha256=checksum,
            content=content,
            note=f"{YEARS_NOTE}{years}",
        )


def recompute(session: Session, row: ReportRow) -> Figures | NationalFigures:
    """The figures of a recorded report, computed again as of its recorded moment."""
    state = row.reporting_state or None
    if row.kind == "national":
        years = int(row.note.removeprefix(YEARS_NOTE)) if row.note.startswith(YEARS_NOTE) else 5
        return national_figures(
            session, year=row.year, reporting_state=state, as_of=row.as_of, years=years
        )
    basis, values = parse_series_basis(row.basis)
    figures, _ = treaty_figures(
        session,
        kind=row.kind,
        year=row.year,
        basis=basis,
        reporting_state=state,
        as_of=row.as_of,
        values=values,
    )
    return figures

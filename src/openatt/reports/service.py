"""Generate a report: read the register as of a moment, compute, reconcile, render, record.

What the CLI, the REST API and the web UI call. Everything happens in one transaction, so a
report that is written is also recorded (with its checksums, in the audit log), and a report
that does not reconcile is neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from openatt.register.db import Database
from openatt.register.errors import Invalid
from openatt.register.models import ReportRow
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor
from openatt.reports import kinds, loading, national, reconcile, records
from openatt.reports.figures import (
    Basis,
    Direction,
    Figures,
    as_of_day,
    compute,
)
from openatt.reports.national import NationalFigures
from openatt.reports.snapshot import Snapshot

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "zip": "application/zip",
}


def formats() -> dict[str, tuple[str, ...]]:
    """The formats of each report kind, from the registry."""
    return {kind.name: kind.formats for kind in kinds.all_kinds()}


@dataclass(frozen=True)
class Generated:
    kind: str
    fmt: str
    content: bytes
    basis: str
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
    session: Session, snapshot: Snapshot, year: int, figures: Figures
) -> reconcile.Totals:
    """The register's own totals for the report, computed apart from the report's figures:
    each table's on its own basis."""
    totals: reconcile.Totals = {}
    for direction in Direction:
        basis = figures.basis_of(direction)
        if basis is Basis.authorised:
            found = reconcile.authorised_totals(
                snapshot, year, figures.reporting_state, figures.form
            )
        else:
            shipped = loading.shipped_by_licence_item(
                session, {s.id for s in snapshot.shipments}, year, as_of_day(snapshot)
            )
            found = reconcile.actual_totals(
                snapshot, shipped, figures.reporting_state, figures.form
            )
        totals.update({key: n for key, n in found.items() if key[0] == direction.value})
    return totals


@dataclass(frozen=True)
class TreatyResult:
    """The figures of an ATT or UNROCA report with the register's totals they reconcile to."""

    figures: Figures
    totals: reconcile.Totals

    def checksum(self) -> str:
        return self.figures.checksum()


def treaty_figures(
    session: Session,
    *,
    kind: str,
    year: int,
    basis: Basis,
    reporting_state: str | None,
    as_of: str,
    values: bool = True,
    imports_basis: Basis | None = None,
) -> tuple[Figures, reconcile.Totals]:
    """The reconciled figures of an ATT annual report or UN Register return (or
    :class:`~openatt.reports.reconcile.ReportRefused`)."""
    snap = loading.snapshot(session, as_of)
    figures = compute(
        snap,
        year=year,
        basis=basis,
        imports_basis=imports_basis,
        reporting_state=reporting_state,
        kind=kind,
        values=values,
    )
    totals = register_totals(session, snap, year, figures)
    reconcile.check(figures, snap, totals)
    return figures, totals


def treaty_result(session: Session, **arguments: Any) -> TreatyResult:
    figures, totals = treaty_figures(session, **arguments)
    return TreatyResult(figures, totals)


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
    return Generated(
        kind, fmt, content, basis, figures_sha256, file_sha, row.id, row.version, as_of
    )


def _moment(as_of: str | None) -> str:
    now = loading.moment()
    if as_of is None:
        return now
    if as_of > now:
        raise Invalid(
            f"as_of {as_of} is in the future: a report describes what has happened",
            field=("as_of",),
        )
    return as_of


def generate(
    db: Database,
    actor: Actor,
    kind_name: str,
    *,
    year: int,
    fmt: str | None = None,
    basis: str | None = None,
    reporting_state: str | None = None,
    as_of: str | None = None,
    options: Mapping[str, object] | None = None,
) -> Generated:
    """Any registered report kind, checked against what it accepts (``Invalid`` naming the
    field), computed, reconciled, written and recorded in one transaction."""
    require(actor, Permission.report_read)
    try:
        kind = kinds.get_kind(kind_name)
    except kinds.UnknownKind:
        names = ", ".join(k.name for k in kinds.all_kinds())
        raise Invalid(f"kind must be one of: {names}", field=("kind",)) from None
    chosen_basis = basis or kind.bases[0]
    chosen_fmt = fmt or kind.formats[0]
    given = dict(options or {})
    problems = kind.problems(year=year, basis=chosen_basis, fmt=chosen_fmt, options=given)
    if problems:
        name, why = next(iter(problems.items()))
        raise Invalid(f"{name} {why}", field=(name,))
    request = kinds.ReportRequest(
        year=year,
        basis=chosen_basis,
        reporting_state=reporting_state,
        as_of=_moment(as_of),
        options={**kind.defaults(), **given},  # type: ignore[dict-item]
    )
    recorded_basis, note = kind.series(request)
    with db.write() as session:
        figures = kind.figures(session, request)
        checksum = figures.checksum()
        version = records.version_label(
            session, kind.name, year, recorded_basis, reporting_state, checksum, request.as_of
        )
        content = kind.writers[chosen_fmt](figures, kinds.Written(version))
        return _record(
            session,
            actor,
            kind=kind.name,
            year=year,
            basis=recorded_basis,
            reporting_state=reporting_state,
            as_of=request.as_of,
            fmt=chosen_fmt,
            figures_sha256=checksum,
            content=content,
            note=note,
        )


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
    imports_basis: Basis | None = None,
) -> Generated:
    """An ATT annual report or a UN Register return (:func:`generate` with its options)."""
    options: dict[str, object] = {}
    if imports_basis is not None:
        options["imports_basis"] = imports_basis.value
    if not values:
        options["values"] = False
    return generate(
        db,
        actor,
        kind,
        year=year,
        fmt=fmt,
        basis=basis.value,
        reporting_state=reporting_state,
        as_of=as_of,
        options=options,
    )


def own_regimes(reporting_state: str | None, day: dt.date) -> tuple[str, ...] | None:
    """The ids of the regimes whose criteria are the reporting state's own: the national or
    regional ones that bind it (not treaties); ``None`` when no state is named."""
    if reporting_state is None:
        return None
    from openatt.law.loader import default_law
    from openatt.reference.loader import default_reference

    reference = default_reference()
    own = []
    for regime in default_law().regimes.values():
        bind = regime.binding
        if (bind.kind == "states" and reporting_state in bind.states) or (
            bind.kind == "group"
            and bind.group
            and reference.in_group(bind.group, reporting_state, day)
        ):
            own.append(regime.id)
    return tuple(own)


def national_figures(
    session: Session,
    *,
    year: int,
    reporting_state: str | None,
    as_of: str,
    years: int = 5,
    currency: str | None = None,
    rates: Mapping[str, float] | None = None,
) -> NationalFigures:
    """The reconciled figures of the national report (or ``ReportRefused``)."""
    snap = loading.snapshot(session, as_of)
    try:
        figures = national.compute(
            snap,
            year=year,
            reporting_state=reporting_state,
            years=years,
            currency=currency,
            rates=rates,
            own_regimes=own_regimes(reporting_state, dt.date(year, 12, 31)),
        )
    except national.MixedCurrencies as error:
        raise reconcile.ReportRefused([str(error)]) from error
    shipped = loading.shipped_by_licence_item(
        session, {s.id for s in snap.shipments}, year, as_of_day(snap)
    )
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
    currency: str | None = None,
    rates: str = "",
) -> Generated:
    """The national transparency report as HTML, PDF, JSON, or a zip of all with the charts."""
    options: dict[str, object] = {"years": years, "currency": currency or "", "rates": rates}
    return generate(
        db,
        actor,
        "national",
        year=year,
        fmt=fmt,
        reporting_state=reporting_state,
        as_of=as_of,
        options=options,
    )


def recompute(session: Session, row: ReportRow) -> Any:
    """The figures of a recorded report, computed again as of its recorded moment."""
    kind = kinds.get_kind(row.kind)
    basis, options = kind.parse(row.basis, row.note)
    request = kinds.ReportRequest(
        year=row.year,
        basis=basis,
        reporting_state=row.reporting_state or None,
        as_of=row.as_of,
        options={**kind.defaults(), **options},
    )
    return kind.figures(session, request)

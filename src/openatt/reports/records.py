"""Generated reports as versioned records in the register, each logged with its checksums.

A report is identified by its kind, year, basis and reporting state. Generating it again with
the same figures (for instance, as of the same moment) gives the same version number; figures
that differ make a new version that ``supersedes`` the latest earlier one, so a correction
after submission is a new, linked version and the submitted one stays as it was.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.models import LicenceRow, ReportRow
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor
from openatt.reports.figures import WITHHELD_GROUNDS
from openatt.reports.loading import WITHHOLD_ACTION


def _series(
    session: Session, kind: str, year: int, basis: str, reporting_state: str
) -> list[ReportRow]:
    return list(
        session.execute(
            select(ReportRow)
            .where(
                ReportRow.kind == kind,
                ReportRow.year == year,
                ReportRow.basis == basis,
                ReportRow.reporting_state == reporting_state,
            )
            .order_by(ReportRow.id)
        ).scalars()
    )


def _version(earlier: list[ReportRow], figures_sha256: str, as_of: str) -> tuple[int, int | None]:
    """The version of new figures and the report they supersede. Versions follow the as-of
    moment: a report supersedes the latest one whose moment is before its own (the submitted
    one of that version, if any), never one that describes a later moment. Figures for an
    earlier moment than every recorded version (a report written again as of the past) are
    recorded with the next free number and supersede nothing."""
    same = next((r for r in earlier if r.figures_sha256 == figures_sha256), None)
    if same is not None:
        return same.version, same.supersedes_id
    if not earlier:
        return 1, None
    top = max(r.version for r in earlier)
    before = [r for r in earlier if r.as_of <= as_of]
    if not before:
        return top + 1, None
    latest = max(before, key=lambda r: (r.as_of, r.version))
    peers = [r for r in before if r.version == latest.version]
    linked = next((r for r in peers if r.status == "submitted"), min(peers, key=lambda r: r.id))
    return top + 1, linked.id


def version_label(
    session: Session,
    kind: str,
    year: int,
    basis: str,
    reporting_state: str | None,
    figures_sha256: str,
    as_of: str | None = None,
) -> str:
    """What the report prints as its version, e.g. ``2 (replaces version 1)``, or
    ``3 (the register as of ..., before version 2)`` for a report of an earlier moment."""
    earlier = _series(session, kind, year, basis, reporting_state or "")
    moment = as_of or "9999"
    version, supersedes = _version(earlier, figures_sha256, moment)
    replaced = next((r for r in earlier if r.id == supersedes), None)
    later = sorted({r.version for r in earlier if r.as_of > moment and r.version != version})
    text = str(version)
    if replaced is not None:
        text += f" (replaces version {replaced.version})"
    if later:
        text += " (describes an earlier moment than version " + ", ".join(map(str, later))
        text += ", which it does not replace)"
    return text


def record(
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
    file_sha256: str,
    note: str = "",
) -> ReportRow:
    """Record one generated report and log it (action ``report.generate``)."""
    require(actor, Permission.report_read)
    state = reporting_state or ""
    earlier = _series(session, kind, year, basis, state)
    version, supersedes = _version(earlier, figures_sha256, as_of)
    correction = any(r.id == supersedes and r.status == "submitted" for r in earlier)
    row = ReportRow(
        kind=kind,
        year=year,
        basis=basis,
        reporting_state=state,
        as_of=as_of,
        version=version,
        supersedes_id=supersedes,
        status="generated",
        format=fmt,
        figures_sha256=figures_sha256,
        file_sha256=file_sha256,
        note=note,
        created_by=actor.label,
        created_at=dt.datetime.now(dt.UTC),
        submitted_at=None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="report.generate",
        row=row,
        payload={
            "kind": kind,
            "year": year,
            "basis": basis,
            "reporting_state": state,
            "as_of": as_of,
            "version": version,
            "supersedes": supersedes,
            "correction": correction,
            "format": fmt,
            "figures_sha256": figures_sha256,
            "file_sha256": file_sha256,
        },
    )
    return row


def submit(session: Session, actor: Actor, report_id: int, *, note: str = "") -> ReportRow:
    """Mark a report version as submitted (to the ATT Secretariat, the UN, parliament)."""
    require(actor, Permission.report_submit)
    row = session.get(ReportRow, report_id)
    if row is None:
        raise NotFound(f"report {report_id} not found")
    if row.status == "submitted":
        raise Conflict(f"report {report_id} was already submitted on {row.submitted_at}")
    row.status = "submitted"
    row.submitted_at = dt.datetime.now(dt.UTC)
    audit.record(
        session,
        actor=actor.label,
        action="report.submit",
        row=row,
        payload={"version": row.version, "figures_sha256": row.figures_sha256, "note": note},
    )
    return row


def get(session: Session, actor: Actor, report_id: int) -> ReportRow:
    require(actor, Permission.report_read)
    row = session.get(ReportRow, report_id)
    if row is None:
        raise NotFound(f"report {report_id} not found")
    return row


def list_reports(
    session: Session, actor: Actor, *, kind: str | None = None, year: int | None = None
) -> list[ReportRow]:
    require(actor, Permission.report_read)
    query = select(ReportRow).order_by(ReportRow.id)
    if kind is not None:
        query = query.where(ReportRow.kind == kind)
    if year is not None:
        query = query.where(ReportRow.year == year)
    return list(session.execute(query).scalars())


def withhold(
    session: Session,
    actor: Actor,
    licence_number: str,
    *,
    grounds: str | None,
    reason: str,
) -> LicenceRow:
    """Flag a licence as withheld from the itemised ATT report (ATT Art. 13(3)), or clear the
    flag with ``grounds=None``. Logged as an event on the licence; the row is not changed."""
    require(actor, Permission.report_submit)
    if grounds is not None and grounds not in WITHHELD_GROUNDS:
        allowed = ", ".join(sorted(WITHHELD_GROUNDS))
        raise Invalid(f"grounds must be one of: {allowed}", field=("grounds",))
    if not reason.strip():
        raise Invalid("give the reason", field=("reason",))
    licence = session.execute(
        select(LicenceRow).where(LicenceRow.number == licence_number)
    ).scalar()
    if licence is None:
        raise NotFound(f"licence {licence_number} not found")
    audit.record(
        session,
        actor=actor.label,
        action=WITHHOLD_ACTION,
        row=licence,
        payload={"licence": licence.number, "withheld": grounds, "reason": reason},
    )
    return licence

"""Everything one case's pages show, read through the register's permission checks.

The web UI reads a case through these functions rather than the tables, so a page can show
no more than the user's role and company allow (the same rules as the API).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.findings import Assessment
from openatt.core.model import Application, Category, Item
from openatt.register.applications import get, payload_of
from openatt.register.assessing import (
    REOPENABLE,
    assessments_of,
    confirmed_categories,
    four_eyes_reasons,
    pending_decision,
)
from openatt.register.case_routing import CasePanel, panel
from openatt.register.denials import consultations_of
from openatt.register.licensing import licence_of, shipments_of, shipped
from openatt.register.models import (
    ApplicationRow,
    AssessmentRow,
    DecisionRow,
    DenialRow,
    Event,
    LicenceRow,
    Outcome,
    ScreeningRunRow,
    ShipmentRow,
    User,
)
from openatt.register.permissions import Permission, allowed, require
from openatt.register.screening import runs_of
from openatt.register.users import Actor


@dataclass(frozen=True)
class LicenceLine:
    index: int
    item: Item
    shipped: int

    @property
    def remaining(self) -> int:
        return self.item.quantity - self.shipped


@dataclass(frozen=True)
class LicenceView:
    licence: LicenceRow
    conditions: list[str]
    lines: list[LicenceLine]
    shipments: list[ShipmentRow]


@dataclass(frozen=True)
class CaseFile:
    row: ApplicationRow
    application: Application
    assessments: list[AssessmentRow]
    decisions: list[DecisionRow]
    licence: LicenceView | None
    flagged_denials: list[DenialRow]
    consulted: set[int]
    names: dict[int, str]
    screening_runs: list[ScreeningRunRow] = field(default_factory=list)
    casework: CasePanel | None = None  # queues, assignment, target date, flags (staff only)
    confirmed: frozenset[Category] = frozenset()  # the classified items' ATT categories

    @property
    def last_screening(self) -> ScreeningRunRow | None:
        """The latest screening run (``status`` unavailable: no list was loaded)."""
        return self.screening_runs[0] if self.screening_runs else None

    @property
    def screening_lists(self) -> dict[str, str]:
        run = self.last_screening
        return dict(json.loads(run.lists)) if run is not None else {}

    @property
    def latest(self) -> AssessmentRow | None:
        return self.assessments[-1] if self.assessments else None

    @property
    def regimes(self) -> list[Assessment]:
        return assessments_of(self.latest) if self.latest else []

    @property
    def pending(self) -> DecisionRow | None:
        return next((d for d in self.decisions if d.status == "pending"), None)

    def name(self, user_id: int | None) -> str:
        return self.names.get(user_id, f"user {user_id}") if user_id is not None else ""

    @property
    def reopenable(self) -> bool:
        """Whether new information may re-open the case (ATT 7.7)."""
        return self.row.state in {s.value for s in REOPENABLE}

    def four_eyes(self, outcome: str) -> list[str]:
        """Why a decision with this outcome would need a second officer (none: it would not)."""
        if self.latest is None:
            return []
        latest = self.latest
        return four_eyes_reasons(
            self.row,
            Outcome(outcome),
            latest.recommendation,
            latest.as_of,
            regimes=latest.regimes,
            confirmed=self.confirmed,
        )


def licence_view(session: Session, row: ApplicationRow) -> LicenceView | None:
    licence = licence_of(session, row.id)
    if licence is None:
        return None
    items = payload_of(row).items
    totals = shipped(session, licence.id)
    return LicenceView(
        licence=licence,
        conditions=list(json.loads(licence.conditions)),
        lines=[LicenceLine(i, item, totals.get(i, 0)) for i, item in enumerate(items)],
        shipments=shipments_of(session, licence.id),
    )


def case_file(session: Session, actor: Actor, application_id: int) -> CaseFile:
    """The case as this user may see it (:class:`NotFound` for another company's case)."""
    row = get(session, actor, application_id)
    assessments = list(
        session.execute(
            select(AssessmentRow)
            .where(AssessmentRow.application_id == row.id)
            .order_by(AssessmentRow.id)
        ).scalars()
    )
    decisions = list(
        session.execute(
            select(DecisionRow).where(DecisionRow.application_id == row.id).order_by(DecisionRow.id)
        ).scalars()
    )
    flagged: list[DenialRow] = []
    consulted: set[int] = set()
    ids = json.loads(row.consultation)
    if ids and allowed(actor.role, Permission.denial_read):
        flagged = list(session.execute(select(DenialRow).where(DenialRow.id.in_(ids))).scalars())
        consulted = {c.denial_id for c in consultations_of(session, row.id)}
    people: set[int] = {row.created_by}
    people.update(a.assessed_by for a in assessments)
    for d in decisions:
        people.add(d.decided_by)
        if d.countersigned_by is not None:
            people.add(d.countersigned_by)
    names = user_names(session, people)
    return CaseFile(
        row=row,
        application=payload_of(row),
        assessments=assessments,
        decisions=decisions,
        licence=licence_view(session, row),
        flagged_denials=flagged,
        consulted=consulted,
        names=names,
        screening_runs=runs_of(session, row.id),
        casework=panel(session, actor, row),
        confirmed=frozenset(confirmed_categories(session, row)),
    )


def history(
    session: Session, actor: Actor, application_id: int
) -> tuple[ApplicationRow, list[Event]]:
    """The audit trail of one case: every event that names its reference, oldest first."""
    require(actor, Permission.case_history)
    row = get(session, actor, application_id)
    events = list(
        session.execute(
            select(Event).where(Event.payload.contains(f'"{row.reference}"')).order_by(Event.seq)
        ).scalars()
    )
    return row, events


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {int(i): str(n) for i, n in rows}


__all__ = ["CaseFile", "LicenceView", "case_file", "history", "licence_view", "pending_decision"]

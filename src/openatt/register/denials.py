"""Denial notifications and consultation on essentially identical transactions.

EU Common Position 2008/944/CFSP Art. 4 (and Wassenaar practice): a state notifies its
denials; before licensing an essentially identical transaction another state denied, it
consults that state. Here "essentially identical" means the same destination, the same end
user (names compared without case, punctuation or legal-form suffixes) and items that share
an ATT category or a control-list entry.

A notification of ours is withdrawn when the refusal it notified no longer stands (an
appeal upheld): Art. 4(1) asks states to circulate applications that *have been denied*, and
one granted on appeal was not, in the end. openatt's reading; the withdrawal is recorded
beside the notification (``denial_revocations``), an event in the chain, and a withdrawn
notification no longer calls for consultation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from openatt.core.model import Application, Category, StateCode, TransferKind
from openatt.register import audit, canonical
from openatt.register.applications import for_change, get, log
from openatt.register.errors import Conflict, NotFound
from openatt.register.models import (
    ApplicationRow,
    ConsultationRow,
    DecisionRow,
    DenialRevocationRow,
    DenialRow,
    State,
)
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

_Rows = TypeVar("_Rows")

_LEGAL_FORMS = {
    "ltd",
    "llc",
    "inc",
    "co",
    "corp",
    "sa",
    "sarl",
    "gmbh",
    "ag",
    "plc",
    "bv",
    "nv",
    "spa",
    "srl",
    "jsc",
    "ojsc",
    "pjsc",
    "pte",
    "the",
    "of",
}


def normalise_name(name: str) -> str:
    words = re.sub(r"[^\w\s]", " ", name.casefold()).split()
    return " ".join(word for word in words if word not in _LEGAL_FORMS)


class DenialNotice(BaseModel):
    """A denial notification as another state sends it (or as we record our own)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    notifying_state: StateCode
    reference: str = Field(min_length=1, max_length=100)
    denied_on: dt.date
    destination: StateCode
    end_user: str = Field(min_length=1, max_length=300)
    categories: tuple[Category, ...] = Field(min_length=1)
    control_entries: tuple[str, ...] = ()
    description: str = Field(min_length=1)
    criteria: tuple[str, ...] = Field(default=(), description="e.g. eu.2, att.7.1")


def _row(notice: DenialNotice, actor: Actor, application_id: int | None) -> DenialRow:
    return DenialRow(
        notifying_state=notice.notifying_state,
        reference=notice.reference,
        denied_on=notice.denied_on,
        destination=notice.destination,
        end_user=notice.end_user,
        categories=",".join(sorted(c.value for c in notice.categories)),
        control_entries=",".join(notice.control_entries),
        description=notice.description,
        criteria=",".join(notice.criteria),
        application_id=application_id,
        recorded_by=actor.id,
        recorded_at=dt.datetime.now(dt.UTC),
    )


def record(
    session: Session, actor: Actor, notice: DenialNotice, application_id: int | None = None
) -> DenialRow:
    require(actor, Permission.denial_record)
    exists = session.execute(
        select(DenialRow.id).where(
            DenialRow.notifying_state == notice.notifying_state,
            DenialRow.reference == notice.reference,
        )
    ).first()
    if exists:
        raise Conflict(
            f"denial {notice.notifying_state}/{notice.reference} is already recorded",
            field=("reference",),
        )
    row = _row(notice, actor, application_id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="denial.record",
        row=row,
        payload={
            "notifying_state": row.notifying_state,
            "reference": row.reference,
            "imported": application_id is None,
        },
    )
    return row


def import_notices(session: Session, actor: Actor, notices: Sequence[DenialNotice]) -> int:
    """Import other states' notifications; those already recorded are skipped."""
    require(actor, Permission.denial_record)
    added = 0
    for notice in notices:
        try:
            with session.begin_nested():
                record(session, actor, notice)
            added += 1
        except Conflict:
            continue
    return added


# EU Common Position 2008/944/CFSP, Art. 1(2): the "export licence applications" whose denials
# Art. 4(1) has notified are those for physical exports, brokering, transit or trans-shipment
# (and intangible transfers); a refused import licence is none of them.
NOTIFIED_KINDS = frozenset(
    {TransferKind.export, TransferKind.brokering, TransferKind.transit, TransferKind.trans_shipment}
)


def notify_own_denial(
    session: Session, actor: Actor, row: ApplicationRow, decision: DecisionRow
) -> DenialRow | None:
    """A denial of ours becomes a notification to share (EU CP Art. 4(1)), from the state
    that decided it (for a transit licence the transit state, not the exporter), dated the
    day the refusal took effect (the countersignature, where one was needed). A refusal of
    the same case again (after a reassessment) is a new notification: the earlier one still
    in force is withdrawn, and the new one's reference is numbered. None for a refused
    import licence, which the Common Position does not notify."""
    from openatt.register.classification import classified

    application = classified(session, row)
    if application.kind not in NOTIFIED_KINDS:
        return None
    withdraw_own(session, actor, row, reason=f"superseded by the refusal of decision {decision.id}")
    earlier = session.execute(
        select(func.count()).select_from(DenialRow).where(DenialRow.application_id == row.id)
    ).scalar_one()
    took_effect = decision.countersigned_at or decision.decided_at
    notice = DenialNotice(
        notifying_state=application.deciding_state,
        reference=row.reference if not earlier else f"{row.reference}/{earlier + 1}",
        denied_on=took_effect.date(),
        destination=application.importing_state,
        end_user=application.end_user.name,
        categories=tuple(sorted({item.category for item in application.items})),
        control_entries=tuple(
            sorted({i.control_entry for i in application.items if i.control_entry})
        ),
        description="; ".join(item.description for item in application.items),
        criteria=tuple(json.loads(decision.criteria)),
    )
    row_ = _row(notice, actor, row.id)
    session.add(row_)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="denial.notify",
        row=row_,
        payload={"application": row.reference, "decision": decision.id},
    )
    return row_


def in_force(query: Select[_Rows]) -> Select[_Rows]:
    """Only notifications not withdrawn."""
    withdrawn = select(DenialRevocationRow.denial_id)
    return query.where(DenialRow.id.not_in(withdrawn))


# The candidates for one destination: built once, the destination bound per call (issue 16:
# building the statement and its cache key cost more than running it). Only the columns the
# comparison reads, not whole mapped rows. Kept per ``in_force`` (the migration tests put
# the code before 0013 in its place).
_CANDIDATES: dict[object, Select[Any]] = {}


def _candidates() -> Select[Any]:
    built = _CANDIDATES.get(in_force)
    if built is None:
        built = _CANDIDATES[in_force] = in_force(
            select(DenialRow.id, DenialRow.application_id, DenialRow.end_user)
            .add_columns(DenialRow.categories, DenialRow.control_entries)
            .where(DenialRow.destination == bindparam("destination"))
            .order_by(DenialRow.id)
        )
    return built


def in_force_column() -> ColumnElement[bool]:
    """Whether any notified denial in force names the destination bound as ``destination``,
    as a column: without one (and none flagged on the case before), the denial matching of
    a decision finds nothing and is not run (issue 16, sixth round)."""
    return exists(
        in_force(select(DenialRow.id).where(DenialRow.destination == bindparam("destination")))
    )


def matching_ids(
    session: Session, row: ApplicationRow, application: Application | None = None
) -> list[int]:
    """The notified denials (in force) that the case is essentially identical to, by id.
    ``application``: the case as the engine reads it, when the caller has it already
    (:func:`openatt.register.classification.classified`)."""
    from openatt.register.classification import classified, entry_keys

    if application is None:
        application = classified(session, row)  # the confirmed entries, where there are any
    end_user = normalise_name(application.end_user.name)
    categories = {item.category.value for item in application.items}
    entries = {k for i in application.items if i.control_entry for k in entry_keys(i.control_entry)}
    found = []
    for denial in session.execute(_candidates(), {"destination": application.importing_state}):
        if denial.application_id == row.id or normalise_name(denial.end_user) != end_user:
            continue
        their_categories = set(filter(None, denial.categories.split(",")))
        their_entries = {k for e in denial.control_entries.split(",") if e for k in entry_keys(e)}
        if categories & their_categories or entries & their_entries:
            found.append(int(denial.id))
    return found


def matching_denials(session: Session, row: ApplicationRow) -> list[DenialRow]:
    """The matching notifications themselves (see :func:`matching_ids`)."""
    ids = matching_ids(session, row)
    if not ids:
        return []
    found = session.execute(select(DenialRow).where(DenialRow.id.in_(ids)).order_by(DenialRow.id))
    return list(found.scalars())


def flag_consultation(
    session: Session, row: ApplicationRow, application: Application | None = None
) -> list[int]:
    """Mark the case for consultation when it matches notified denials not yet consulted.
    ``application``: as for :func:`matching_ids`."""
    ids = sorted(matching_ids(session, row, application))
    if ids != json.loads(row.consultation):
        consulted = {c.denial_id for c in consultations_of(session, row.id)}
        row.consultation = canonical.dumps(ids)
        row.consulted = set(ids) <= consulted
    return ids


def consultations_of(session: Session, application_id: int) -> list[ConsultationRow]:
    return list(
        session.execute(
            select(ConsultationRow)
            .where(ConsultationRow.application_id == application_id)
            .order_by(ConsultationRow.id)
        ).scalars()
    )


def consult(
    session: Session, actor: Actor, application_id: int, *, denial_id: int, note: str
) -> ConsultationRow:
    """Record the consultation with the notifying state about one matching denial."""
    row = for_change(
        session,
        actor,
        application_id,
        Permission.consultation_record,
        None,
        (State.submitted, State.screened, State.assessed),
    )
    flagged = json.loads(row.consultation)
    if denial_id not in flagged:
        raise NotFound(f"denial {denial_id} is not flagged on this application")
    if not note.strip():
        from openatt.register.errors import Invalid

        raise Invalid("summarise the consultation", field=("note",))
    consultation = ConsultationRow(
        application_id=row.id,
        denial_id=denial_id,
        note=note,
        recorded_by=actor.id,
        recorded_at=dt.datetime.now(dt.UTC),
    )
    session.add(consultation)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="consultation.record",
        row=consultation,
        payload={"application": row.reference, "denial": denial_id},
    )
    done = {c.denial_id for c in consultations_of(session, row.id)}
    row.consulted = set(flagged) <= done
    log(session, actor, "application.consult", row, denial=denial_id)
    return consultation


def list_denials(
    session: Session,
    actor: Actor,
    *,
    destination: str | None = None,
    limit: int = 100,
    offset: int = 0,
    after: int | None = None,
) -> list[DenialRow]:
    """The notifications in the order they were recorded. ``after``: the id of the last one
    of the previous page (keyset: the page starts there through the primary key, however
    deep; ``offset`` then counts from it)."""
    require(actor, Permission.denial_read)
    query = select(DenialRow)
    if destination:
        query = query.where(DenialRow.destination == destination)
    if after is not None:
        query = query.where(DenialRow.id > after)
    return list(session.execute(query.order_by(DenialRow.id).limit(limit).offset(offset)).scalars())


def flagged_for(session: Session, actor: Actor, application_id: int) -> list[DenialRow]:
    row = get(session, actor, application_id)
    ids = json.loads(row.consultation)
    return [d for d in (session.get(DenialRow, i) for i in ids) if d is not None]


def withdraw_own(session: Session, actor: Actor, row: ApplicationRow, *, reason: str) -> list[int]:
    """Withdraw our notifications of the refusal of ``row`` (its refusal no longer stands)."""
    own = session.execute(
        in_force(select(DenialRow)).where(DenialRow.application_id == row.id).order_by(DenialRow.id)
    ).scalars()
    today = dt.datetime.now(dt.UTC)
    withdrawn = []
    for denial in own:
        revocation = DenialRevocationRow(
            denial_id=denial.id,
            revoked_on=today.date(),
            reason=reason,
            recorded_by=actor.id,
            recorded_at=today,
        )
        session.add(revocation)
        session.flush()
        audit.record(
            session,
            actor=actor.label,
            action="denial.withdraw",
            row=revocation,
            payload={"application": row.reference, "denial": denial.id, "reason": reason},
        )
        withdrawn.append(denial.id)
    return withdrawn


def withdrawn_on(session: Session, denial_ids: Sequence[int]) -> dict[int, dt.date]:
    """When each of these notifications was withdrawn (absent: still in force)."""
    if not denial_ids:
        return {}
    rows = session.execute(
        select(DenialRevocationRow.denial_id, DenialRevocationRow.revoked_on).where(
            DenialRevocationRow.denial_id.in_(list(denial_ids))
        )
    )
    return {denial_id: day for denial_id, day in rows}

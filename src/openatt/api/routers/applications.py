"""Applications and their lifecycle: thin handlers over :mod:`openatt.register` services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow, AssessorDep, ListsDep
from openatt.api.fast_json import json_response, json_response_with_raw
from openatt.api.schemas import MAX_ID
from openatt.core.model import Application, Category
from openatt.register import (
    applications,
    assessing,
    audience,
    denials,
    engine_ahead,
    licensing,
    server_clock,
    summaries,
)
from openatt.register.errors import Invalid, NotFound
from openatt.register.models import AssessmentRow, DecisionRow, Event, State
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(prefix="/applications", tags=["applications"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]


@router.post("", response_model=schemas.ApplicationOut | schemas.ApplicantCaseOut, status_code=201)
def create(
    body: Application, db: DB, actor: Annotated[Actor, Allow(P.application_create)]
) -> schemas.ApplicationOut | schemas.ApplicantCaseOut:
    """Create a draft. Applicants' drafts belong to their company."""
    with db.write() as session:
        return views.case_for(session, actor, applications.create(session, actor, body))


@router.get("", response_model=schemas.ApplicationPage | schemas.ApplicantPage)
def search(
    db: DB,
    actor: Annotated[Actor, Allow(P.application_read)],
    state: State | None = None,
    company: Annotated[str | None, Query(max_length=200)] = None,
    importing_state: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    exporting_state: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    category: Category | None = None,
    q: Annotated[
        str | None, Query(max_length=200, description="reference, end user, company")
    ] = None,
    created_from: dt.date | None = None,
    created_until: dt.date | None = None,
    party: Annotated[str | None, Query(max_length=200, description="consignee, end user")] = None,
    goods: Annotated[str | None, Query(max_length=200, description="goods descriptions")] = None,
    control_entry: Annotated[str | None, Query(max_length=40)] = None,
    document: Annotated[str | None, Query(max_length=200, description="document refs")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    after: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="keyset cursor: the `next_after` of the previous page (newest first)",
        ),
    ] = None,
) -> Response | schemas.ApplicantPage:
    """Staff see the register's states; an applicant sees its own cases with their public
    status, and may filter only on states that say no more than that status. Page with
    ``after=next_after`` (keyset: as fast on the last page as on the first) or ``offset``."""
    internal = audience.sees_internal(actor)
    if state is not None and not internal and state not in audience.APPLICANT_FILTERABLE:
        raise Invalid(
            f"state {state.value!r} is not one an applicant can filter on",
            field=("query", "state"),
        )
    filters = applications.Filters(
        state=state,
        company=company,
        importing_state=importing_state,
        exporting_state=exporting_state,
        category=category.value if category else None,
        text=q,
        created_from=created_from,
        created_until=created_until,
        party=party,
        goods=goods,
        control_entry=control_entry,
        document=document,
    )
    # one case more than the page is read: there is a next page only if it came (so the
    # last page gives no cursor, also when it is full; thirteenth round of issue 16)
    with db.read() as session:
        if internal:  # issue 16: columns, not mapped rows; serialised once
            items, total = summaries.page(
                session, actor, filters, limit=limit + 1, offset=offset, after=after
            )
            last = items[limit - 1]["id"] if len(items) > limit else None
            del items[limit:]
            page = {"items": items, "total": total, "limit": limit, "offset": offset}
            return json_response({**page, "next_after": last})
        rows, total = applications.search(
            session, actor, filters, limit=limit + 1, offset=offset, after=after
        )
        next_after = rows[limit - 1].id if len(rows) > limit else None
        del rows[limit:]
        return schemas.ApplicantPage(
            items=[views.applicant_summary(r) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
            next_after=next_after,
        )


@router.get("/{application_id}", response_model=schemas.ApplicationOut | schemas.ApplicantCaseOut)
def read(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.application_read)]
) -> Response | schemas.ApplicationOut | schemas.ApplicantCaseOut:
    """The whole case for the authority; for its applicant, the applicant's view of it."""
    with db.read() as session:
        if audience.sees_internal(actor):  # issue 16: columns, serialised once
            return json_response(summaries.case(session, actor, application_id))
        return views.case_for(session, actor, applications.get(session, actor, application_id))


@router.put("/{application_id}", response_model=schemas.ApplicationOut | schemas.ApplicantCaseOut)
def update(
    application_id: AppId,
    body: schemas.ApplicationUpdate,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_update)],
) -> schemas.ApplicationOut | schemas.ApplicantCaseOut:
    """Replace the application while it is a draft."""
    with db.write() as session:
        row = applications.update(session, actor, application_id, body.application, body.version)
        return views.case_for(session, actor, row)


@router.post(
    "/{application_id}/submit", response_model=schemas.ApplicationOut | schemas.ApplicantCaseOut
)
def submit(
    application_id: AppId,
    body: schemas.Versioned,
    db: DB,
    store: ListsDep,
    actor: Annotated[Actor, Allow(P.application_submit)],
) -> schemas.ApplicationOut | schemas.ApplicantCaseOut:
    """Submit a draft; its parties are then screened against the lists in force (or the case
    records that no list is loaded)."""
    with db.write() as session:
        row = applications.submit(session, actor, application_id, body.version, store)
        return views.case_for(session, actor, row)


@router.post("/{application_id}/screen", response_model=schemas.ApplicationOut)
def screen(
    application_id: AppId,
    body: schemas.ScreenIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_screen)],
) -> schemas.ApplicationOut:
    """Record the screening hits on the parties (an empty list: nothing found)."""
    with db.write() as session:
        row = applications.screen(
            session, actor, application_id, body.hits, body.version, body.lists_used
        )
        return views.application(row)


@router.post("/{application_id}/assess", response_model=schemas.AssessmentOut)
def assess(
    application_id: AppId,
    body: schemas.AssessIn,
    db: DB,
    assessor: AssessorDep,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> Response:
    """Run the engine under the chosen regimes and store its whole output."""
    prepared = None
    if engine_ahead.before_the_write(db):  # SQLite: the engine runs before the write lock
        with db.read() as session:
            prepared = engine_ahead.prepare(
                session, actor, application_id, assessor, regimes=body.regimes, as_of=body.as_of
            )
    with db.write() as session:
        row = assessing.assess(
            session,
            actor,
            application_id,
            assessor,
            regimes=body.regimes,
            as_of=body.as_of,
            expected_version=body.version,
            prepared=prepared,
        )
        # issue 16: the engine's output as stored, not parsed and serialised again
        return json_response_with_raw(views.assessment_head(row), "assessments", row.result)


@router.post("/{application_id}/reassess", response_model=schemas.AssessmentOut)
def reassess(
    application_id: AppId,
    body: schemas.ReassessIn,
    db: DB,
    assessor: AssessorDep,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> Response:
    """New information (ATT 7.7): reopen the case, link the earlier assessment."""
    prepared = None
    if engine_ahead.before_the_write(db):  # SQLite: the engine runs before the write lock
        with db.read() as session:
            prepared = engine_ahead.prepare(
                session,
                actor,
                application_id,
                assessor,
                regimes=body.regimes,
                as_of=body.as_of,
                evidence=body.evidence,
            )
    with db.write() as session:
        row = assessing.reassess(
            session,
            actor,
            application_id,
            assessor,
            reason=body.reason,
            evidence=body.evidence,
            regimes=body.regimes,
            as_of=body.as_of,
            expected_version=body.version,
            prepared=prepared,
        )
        # issue 16: the engine's output as stored, not parsed and serialised again
        return json_response_with_raw(views.assessment_head(row), "assessments", row.result)


@router.get("/{application_id}/assessments", response_model=list[schemas.AssessmentOut])
def list_assessments(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.case_internal)]
) -> list[schemas.AssessmentOut]:
    with db.read() as session:
        applications.get(session, actor, application_id)
        rows = session.execute(
            select(AssessmentRow)
            .where(AssessmentRow.application_id == application_id)
            .order_by(AssessmentRow.id)
        ).scalars()
        return [views.assessment(r) for r in rows]


@router.post("/{application_id}/decide", response_model=schemas.DecisionOut)
def decide(
    application_id: AppId,
    body: schemas.DecideIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_decide)],
) -> schemas.DecisionOut:
    """Decide with reasons (and conditions). Against the recommendation, or on ATT
    categories I-VII, the decision waits for a second officer's countersignature."""
    with db.write() as session:
        row = assessing.decide(
            session,
            actor,
            application_id,
            outcome=body.outcome,
            reasons=body.reasons,
            conditions=body.conditions,
            criteria=body.criteria,
            expected_version=body.version,
            released_reasons=body.released_reasons,
        )
        return views.decision(row)


@router.post("/{application_id}/countersign", response_model=schemas.DecisionOut)
def countersign(
    application_id: AppId,
    body: schemas.CountersignIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_countersign)],
) -> schemas.DecisionOut:
    with db.write() as session:
        row = assessing.countersign(
            session,
            actor,
            application_id,
            agree=body.agree,
            note=body.note,
            expected_version=body.version,
        )
        return views.decision(row)


@router.get("/{application_id}/decisions", response_model=list[schemas.DecisionOut])
def list_decisions(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.case_internal)]
) -> list[schemas.DecisionOut]:
    with db.read() as session:
        applications.get(session, actor, application_id)
        rows = session.execute(
            select(DecisionRow)
            .where(DecisionRow.application_id == application_id)
            .order_by(DecisionRow.id)
        ).scalars()
        return [views.decision(r) for r in rows]


@router.post("/{application_id}/issue", response_model=schemas.LicenceOut, status_code=201)
def issue(
    application_id: AppId,
    body: schemas.IssueIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.licence_issue)],
) -> schemas.LicenceOut:
    server_clock.refuse_client_date(body.issued_on, "issued_on")
    with db.write() as session:
        licence = licensing.issue(
            session,
            actor,
            application_id,
            valid_until=body.valid_until,
            issued_on=body.issued_on,
            expected_version=body.version,
        )
        return views.licence(session, licence, applications.get(session, actor, application_id))


@router.get(
    "/{application_id}/licence", response_model=schemas.LicenceOut | schemas.PublicLicenceOut
)
def read_licence(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.application_read)]
) -> schemas.LicenceOut | schemas.PublicLicenceOut:
    """The licence; its holder reads it without the authority's verification notes."""
    with db.read() as session:
        row = applications.get(session, actor, application_id)
        licence = licensing.licence_of(session, application_id)
        if licence is None:
            raise NotFound(f"application {application_id} has no licence")
        if not audience.sees_internal(actor):
            public = audience.public_licence(
                licence, applications.payload_of(row), licensing.shipments_of(session, licence.id)
            )
            assert public is not None
            return views.public_licence(public)
        return views.licence(session, licence, row)


@router.post("/{application_id}/shipments", response_model=schemas.ShipmentOut, status_code=201)
def record_shipment(
    application_id: AppId,
    body: schemas.ShipmentIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.shipment_record)],
) -> schemas.ShipmentOut:
    """Record a shipment against the licence; more than the licence allows gets 409."""
    with db.write() as session:
        row = licensing.record_shipment(
            session,
            actor,
            application_id,
            item=body.item,
            quantity=body.quantity,
            shipped_on=body.shipped_on,
            reference=body.reference,
        )
        return views.shipment(row)


@router.post("/{application_id}/verify-delivery", response_model=schemas.ShipmentOut)
def verify_delivery(
    application_id: AppId,
    body: schemas.VerifyIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.delivery_verify)],
) -> schemas.ShipmentOut:
    with db.write() as session:
        row = licensing.verify_delivery(
            session,
            actor,
            application_id,
            shipment_id=body.shipment_id,
            verified_on=body.verified_on,
            verification=body.verification,
        )
        return views.shipment(row)


@router.post("/{application_id}/suspend", response_model=schemas.ApplicationOut)
def suspend(
    application_id: AppId,
    body: schemas.ReasonIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.licence_suspend)],
) -> schemas.ApplicationOut:
    with db.write() as session:
        licensing.suspend(
            session, actor, application_id, reason=body.reason, expected_version=body.version
        )
        return views.application(applications.get(session, actor, application_id))


@router.post("/{application_id}/revoke", response_model=schemas.ApplicationOut)
def revoke(
    application_id: AppId,
    body: schemas.ReasonIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.licence_revoke)],
) -> schemas.ApplicationOut:
    with db.write() as session:
        licensing.revoke(
            session, actor, application_id, reason=body.reason, expected_version=body.version
        )
        return views.application(applications.get(session, actor, application_id))


@router.post("/{application_id}/expire", response_model=schemas.ApplicationOut)
def expire(
    application_id: AppId,
    body: schemas.ExpireIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.licence_expire)],
) -> schemas.ApplicationOut:
    server_clock.refuse_client_date(body.today, "today")
    with db.write() as session:
        licensing.expire(session, actor, application_id, expected_version=body.version)
        return views.application(applications.get(session, actor, application_id))


@router.get("/{application_id}/denials", response_model=list[schemas.DenialOut])
def flagged_denials(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.denial_read)]
) -> list[schemas.DenialOut]:
    """Notified denials this application is essentially identical to."""
    with db.read() as session:
        return [views.denial(d) for d in denials.flagged_for(session, actor, application_id)]


@router.post(
    "/{application_id}/consultations", response_model=schemas.ConsultationOut, status_code=201
)
def consult(
    application_id: AppId,
    body: schemas.ConsultIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.consultation_record)],
) -> schemas.ConsultationOut:
    with db.write() as session:
        row = denials.consult(
            session, actor, application_id, denial_id=body.denial_id, note=body.note
        )
        return views.consultation(row)


@router.get("/{application_id}/events", response_model=list[schemas.EventOut])
def history(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.case_history)]
) -> list[schemas.EventOut]:
    """The audit trail of this case (events that name its reference)."""
    with db.read() as session:
        row = applications.get(session, actor, application_id)
        rows = session.execute(
            select(Event).where(Event.payload.contains(f'"{row.reference}"')).order_by(Event.seq)
        ).scalars()
        return [views.event(e) for e in rows]

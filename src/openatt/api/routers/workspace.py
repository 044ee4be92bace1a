"""The officer's workspace through the API: judgements and mitigations recorded on a case
(the engine re-run at once), indicator evidence offered on it and the officer's acceptance
or rejection, and the rejections kept for the next mapping; the same services as the web."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow, AssessorDep
from openatt.api.schemas import MAX_ID
from openatt.evidence.offer import Offer
from openatt.register import applications, offers, workspace
from openatt.register.models import OfferDecisionRow
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

if TYPE_CHECKING:
    from openatt.evidence.table import IndicatorTable

router = APIRouter(tags=["workspace"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]


@router.post("/applications/{application_id}/judgements", response_model=schemas.AssessmentOut)
def record_judgements(
    application_id: AppId,
    body: schemas.JudgementsIn,
    db: DB,
    assessor: AssessorDep,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> schemas.AssessmentOut:
    """Record judgements (officer evidence, authored by the login) and mitigations, then
    assess again at once; a bad judgement is refused with its path (422), nothing written."""
    known = frozenset(workspace.rule_index())
    judgements = [
        workspace.judgement(
            criterion=j.criterion,
            likelihood=j.likelihood,
            severity=j.severity,
            source=j.source,
            reasons=j.reasons,
            date=j.date,
            not_relevant=j.not_relevant,
            known_rules=known,
            field=("judgements", index),
        )
        for index, j in enumerate(body.judgements)
    ]
    with db.write() as session:
        row = workspace.record(
            session,
            actor,
            application_id,
            assessor,
            judgements,
            body.mitigations,
            expected_version=body.version,
        )
        return views.assessment(row)


def _tables(request: Request) -> Mapping[str, IndicatorTable]:
    return offers.indicator_tables(getattr(request.app.state, "monitoring_db", None))


def _offered(
    session: Session, actor: Actor, application_id: int, request: Request
) -> tuple[Offer, ...]:
    row = applications.get(session, actor, application_id)
    return offers.offers_for(applications.payload_of(row), _tables(request))


def offer_out(offer: Offer, answer: OfferDecisionRow | None) -> schemas.OfferOut:
    status = "offered" if answer is None else ("accepted" if answer.accepted else "rejected")
    return schemas.OfferOut(
        key=offer.key,
        mapping=offer.mapping,
        rule=offer.rule,
        indicator=offer.indicator,
        variable=offer.variable,
        value=offer.value,
        year=offer.year,
        band=offer.band,
        reason=offer.reason,
        topics=list(offer.topics),
        evidence=list(offer.evidence),
        status=status,
        reasons=answer.reasons if answer is not None else "",
    )


def decision_out(row: OfferDecisionRow) -> schemas.OfferDecisionOut:
    return schemas.OfferDecisionOut(
        id=row.id,
        application_id=row.application_id,
        offer_key=row.offer_key,
        mapping=row.mapping,
        rule=row.rule,
        indicator=row.indicator,
        variable=row.variable,
        value=row.value,
        year=row.year,
        band=row.band,
        destination=row.destination,
        accepted=row.accepted,
        reasons=row.reasons,
        decided_at=row.decided_at,
    )


@router.get("/applications/{application_id}/offers", response_model=list[schemas.OfferOut])
def list_offers(
    application_id: AppId,
    request: Request,
    db: DB,
    actor: Annotated[Actor, Allow(P.case_internal)],
) -> list[schemas.OfferOut]:
    """Indicator evidence offered on the case (from the indicators in the monitoring store),
    each with the officer's answer."""
    with db.read() as session:
        offered = _offered(session, actor, application_id, request)
        answers = offers.answers_of(session, application_id)
        return [offer_out(o, answers.get(o.key)) for o in offered]


@router.post("/applications/{application_id}/offers/accept", response_model=schemas.AssessmentOut)
def accept_offer(
    application_id: AppId,
    body: schemas.OfferAcceptIn,
    request: Request,
    db: DB,
    assessor: AssessorDep,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> schemas.AssessmentOut:
    """The offer's evidence joins the case (supplied by you, citing the offer); the engine
    re-runs at once."""
    with db.write() as session:
        offer = offers.find(_offered(session, actor, application_id, request), body.key)
        row = offers.accept(
            session, actor, application_id, assessor, offer, expected_version=body.version
        )
        return views.assessment(row)


@router.post(
    "/applications/{application_id}/offers/reject",
    response_model=schemas.OfferDecisionOut,
    status_code=201,
)
def reject_offer(
    application_id: AppId,
    body: schemas.OfferRejectIn,
    request: Request,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> schemas.OfferDecisionOut:
    """Reject the offer with reasons (kept for the next mapping version); the case is
    unchanged."""
    with db.write() as session:
        offer = offers.find(_offered(session, actor, application_id, request), body.key)
        return decision_out(offers.reject(session, actor, application_id, offer, body.reasons))


@router.get(
    "/indicator-rejections", response_model=list[schemas.OfferDecisionOut], tags=["indicators"]
)
def indicator_rejections(
    db: DB,
    actor: Annotated[Actor, Allow(P.indicator_rejections)],
    mapping: Annotated[str | None, Query(max_length=80)] = None,
    rule: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[schemas.OfferDecisionOut]:
    """The officers' rejections of indicator evidence, newest first: the evidence the next
    indicator mapping is revised on."""
    with db.read() as session:
        rows = offers.rejections(session, actor, mapping=mapping, rule=rule, limit=limit)
        return [decision_out(r) for r in rows]

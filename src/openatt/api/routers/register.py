"""Denial notifications, the register export, the audit log, and a stateless preview."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow, AssessorDep
from openatt.api.fast_json import json_response
from openatt.api.schemas import MAX_ID
from openatt.core.findings import Assessment
from openatt.core.model import Application
from openatt.register import audit, denials, export
from openatt.register.models import Event
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter()


@router.get("/denials", response_model=list[schemas.DenialOut], tags=["denials"])
def list_denials(
    db: DB,
    actor: Annotated[Actor, Allow(P.denial_read)],
    destination: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_ID, description="keyset cursor: the last `id` of the previous page"),
    ] = None,
) -> list[schemas.DenialOut]:
    """The denial notifications in the order they were recorded (oldest first). Page with
    ``after=<the last id of the previous page>`` (keyset) or ``offset``."""
    with db.read() as session:
        rows = denials.list_denials(
            session, actor, destination=destination, limit=limit, offset=offset, after=after
        )
        withdrawn = denials.withdrawn_on(session, [d.id for d in rows])
        return [views.denial(d, withdrawn.get(d.id)) for d in rows]


@router.post("/denials", response_model=schemas.DenialOut, status_code=201, tags=["denials"])
def record_denial(
    body: denials.DenialNotice, db: DB, actor: Annotated[Actor, Allow(P.denial_record)]
) -> schemas.DenialOut:
    """Record a denial notification received from another state."""
    with db.write() as session:
        return views.denial(denials.record(session, actor, body))


@router.post("/denials/import", response_model=schemas.ImportOut, tags=["denials"])
def import_denials(
    body: list[denials.DenialNotice], db: DB, actor: Annotated[Actor, Allow(P.denial_record)]
) -> schemas.ImportOut:
    """Import a batch of notifications; ones already recorded are skipped."""
    with db.write() as session:
        added = denials.import_notices(session, actor, body)
    return schemas.ImportOut(received=len(body), added=added)


@router.get(
    "/register/export",
    tags=["register"],
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def export_register(
    db: DB,
    actor: Annotated[Actor, Allow(P.register_export)],
    format: Literal["csv", "json"] = "json",
) -> Response:
    """The register, one row per application, as CSV or JSON."""
    with db.read() as session:
        records = export.rows(session, actor)
    if format == "csv":
        return Response(
            export.to_csv(records),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="register.csv"'},
        )
    return Response(export.to_json(records), media_type="application/json")


@router.get("/audit/verify", response_model=schemas.VerifyOut, tags=["audit"])
def verify(db: DB, _actor: Annotated[Actor, Allow(P.audit_read)]) -> schemas.VerifyOut:
    """Recompute the hash chain and check it against the register's tables."""
    with db.read() as session:
        result = audit.verify(session)
    return schemas.VerifyOut(
        intact=result.intact,
        events=result.events,
        broken_at=result.broken.seq if result.broken else None,
        problem=str(result.broken) if result.broken else None,
    )


@router.get("/audit/events", response_model=list[schemas.EventOut], tags=["audit"])
def events(
    db: DB,
    _actor: Annotated[Actor, Allow(P.audit_read)],
    after: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.EventOut]:
    with db.read() as session:
        rows = session.execute(
            select(Event).where(Event.seq > after).order_by(Event.seq).limit(limit)
        ).scalars()
        return [views.event(e) for e in rows]


@router.post("/assess", response_model=list[Assessment], tags=["assess"])
def preview(
    body: Application,
    assessor: AssessorDep,
    _actor: Annotated[Actor, Allow(P.preview_assess)],
    regimes: Annotated[list[schemas.Regime] | None, Query()] = None,
) -> Response:
    """Assess an application without recording it (an exporter's pre-check)."""
    # issue 16: the engine's findings serialised once, not validated again as the response
    return json_response(assessor.assess(body, tuple(regimes or schemas.all_regimes()), None))

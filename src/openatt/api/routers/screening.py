"""Screening: names (one or a batch) against the lists in force, a case's screenings,
an officer's re-screening, false positives, and re-screening the whole register."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from openatt.api import schemas
from openatt.api.deps import DB, Allow, ListsDep
from openatt.api.schemas import MAX_ID
from openatt.core.model import ScreeningHit
from openatt.register import applications
from openatt.register import screening as register_screening
from openatt.register.errors import Conflict, Invalid
from openatt.register.models import FalsePositiveRow, ScreeningRunRow
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

if TYPE_CHECKING:
    from openatt.screening.store import ListStore

router = APIRouter(tags=["screening"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]


def _screen(
    store: ListStore, queries: list[schemas.ScreenQueryIn], options: schemas._ScreenOptions
) -> schemas.ScreenBatchOut:
    from openatt.screening import Matcher, Query, matcher_for, screen_queries

    loaded = store.list_ids()
    if not loaded:
        raise Conflict("no sanctions or denied-party list is loaded: openatt lists import FILE")
    unknown = sorted(set(options.lists) - set(loaded))
    if unknown:
        raise Invalid(f"list not loaded: {', '.join(unknown)}", field=("lists",))
    matcher = matcher_for(store, options.lists or None)
    built = [
        Query(
            name=q.name,
            birth_date=q.birth_date,
            country=q.country,
            kind=q.kind,
            identifiers=tuple(q.identifiers),
        )
        for q in queries
    ]
    found = screen_queries(matcher, built, options.threshold)
    return schemas.ScreenBatchOut(
        algorithm=Matcher.algorithm,
        lists=matcher.list_versions,
        results=[
            schemas.ScreenResultOut(
                query=query.to_json(),
                hits=[schemas.HitOut.model_validate(hit.to_json()) for hit in hits],
            )
            for query, hits in zip(built, found, strict=True)
        ],
    )


@router.post("/screening", response_model=schemas.ScreenBatchOut)
def screen_name(
    body: schemas.ScreenNameIn, store: ListsDep, _actor: Annotated[Actor, Allow(P.screening_run)]
) -> schemas.ScreenBatchOut:
    """Screen one name; ``results`` holds one entry with its hits, best first."""
    query = schemas.ScreenQueryIn(
        name=body.name,
        birth_date=body.birth_date,
        country=body.country,
        kind=body.kind,
        identifiers=body.identifiers,
    )
    return _screen(store, [query], body)


@router.post("/screening/batch", response_model=schemas.ScreenBatchOut)
def screen_batch(
    body: schemas.ScreenBatchIn, store: ListsDep, _actor: Annotated[Actor, Allow(P.screening_run)]
) -> schemas.ScreenBatchOut:
    """Screen up to 1,000 names; ``results`` are in input order."""
    return _screen(store, body.queries, body)


@router.post("/screening/rescreen", response_model=schemas.RescreenOut)
def rescreen(
    body: schemas.RescreenIn,
    db: DB,
    store: ListsDep,
    actor: Annotated[Actor, Allow(P.screening_run)],
) -> schemas.RescreenOut:
    """Screen every open application and licence again against the lists in force."""
    if not store.list_ids():
        raise Conflict("no sanctions or denied-party list is loaded: openatt lists import FILE")
    with db.write() as session:
        runs = register_screening.rescreen_register(session, actor, store, body.threshold)
        flagged = [
            applications.get(session, actor, run.application_id).reference
            for run in runs
            if run.flagged
        ]
        return schemas.RescreenOut(screened=len(runs), flagged=flagged)


def run_out(run: ScreeningRunRow) -> schemas.ScreeningRunOut:
    return schemas.ScreeningRunOut(
        id=run.id,
        trigger=run.trigger,
        status=run.status,
        reason=run.reason,
        algorithm=run.algorithm,
        lists=register_screening.lists_of(run),
        hits=[ScreeningHit.model_validate(hit) for hit in json.loads(run.hits)],
        new_hits=run.new_hits,
        flagged=run.flagged,
        run_by=run.run_by,
        run_at=run.run_at,
    )


def false_positive_out(row: FalsePositiveRow) -> schemas.FalsePositiveOut:
    return schemas.FalsePositiveOut(
        id=row.id,
        party_name=row.party_name,
        list_id=row.list_id,
        entity_id=row.entity_id,
        list_version=row.list_version,
        entry_sha256=row.entry_sha256,
        reasons=row.reasons,
        marked_at=row.marked_at,
    )


def _case(session: Session, actor: Actor, application_id: int) -> schemas.CaseScreeningOut:
    row = applications.get(session, actor, application_id)
    return schemas.CaseScreeningOut(
        application_id=row.id,
        hits=list(applications.payload_of(row).screening),
        runs=[run_out(run) for run in register_screening.runs_of(session, row.id)],
        false_positives=[
            false_positive_out(fp) for fp in register_screening.false_positives_of(session, row.id)
        ],
    )


@router.get("/applications/{application_id}/screening", response_model=schemas.CaseScreeningOut)
def case_screening(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.case_internal)]
) -> schemas.CaseScreeningOut:
    """The case's hits, every screening run (lists and versions used) and false positives."""
    with db.read() as session:
        return _case(session, actor, application_id)


@router.post(
    "/applications/{application_id}/screening/run", response_model=schemas.CaseScreeningOut
)
def screen_case(
    application_id: AppId,
    body: schemas.ScreenCaseIn,
    db: DB,
    store: ListsDep,
    actor: Annotated[Actor, Allow(P.application_screen)],
) -> schemas.CaseScreeningOut:
    """Screen the case's parties again against the lists in force (recorded either way)."""
    with db.write() as session:
        register_screening.screen_on_request(
            session, actor, application_id, store, body.version, body.threshold
        )
        return _case(session, actor, application_id)


@router.post(
    "/applications/{application_id}/screening/false-positives",
    response_model=schemas.FalsePositiveOut,
    status_code=201,
)
def mark_false_positive(
    application_id: AppId,
    body: schemas.FalsePositiveIn,
    db: DB,
    store: ListsDep,
    actor: Annotated[Actor, Allow(P.screening_false_positive)],
) -> schemas.FalsePositiveOut:
    """Judge a hit not to be the party, with reasons; remembered while the entry is unchanged."""
    with db.write() as session:
        row = register_screening.mark_false_positive(
            session, actor, application_id, body.hit, body.reasons, store, body.version
        )
        return false_positive_out(row)

"""Classification of goods (issue 15): the control-list suggestion, the classification
panel of a case (proposed against confirmed, the ranking and the precedents), and the
officer's or technical adviser's act on one item. Thin handlers over
``openatt.register.classification``; applicants see their proposal and the confirmed entry
in their own view of the case (``GET /applications/{id}``), not here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from openatt.api.deps import DB, Allow
from openatt.api.schemas import MAX_ID, _In
from openatt.reference.control_lists import EntryRef, Placement
from openatt.reference.control_suggest import Suggestion, suggest
from openatt.register import classification
from openatt.register.classification_tables import ClassificationRow
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(tags=["classification"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]
ItemIndex = Annotated[int, Path(ge=0, le=10_000, description="the item's position, from 0")]


class PlacementOut(BaseModel):
    list_id: str
    entry: str
    kind: str | None
    att_category: str
    att_subcategory: str | None
    unroca_category: str | None
    unroca_subcategory: str | None
    article: str | None
    citation: str
    note: str | None


class SuggestionOut(BaseModel):
    rank: int
    reference: str
    heading: str
    wording: str
    kind_label: str | None
    score: float
    placement: PlacementOut


class PrecedentOut(BaseModel):
    application: str
    item: int
    description: str
    action: str
    entry: str
    reasons: str
    decided_at: dt.datetime


class ClassificationOut(BaseModel):
    id: int
    action: str
    entry: str
    proposed: str
    reasons: str
    decided_by: str
    decided_at: dt.datetime
    supersedes_id: int | None


class ItemOut(BaseModel):
    item: int
    description: str
    category: str
    proposed: str
    status: str = Field(description="proposed, confirmed, changed or not_controlled")
    confirmed: str | None
    current: ClassificationOut | None
    placement: PlacementOut | None
    suggestions: list[SuggestionOut]
    precedents: list[PrecedentOut]


class ClassifyIn(_In):
    action: Literal["confirm", "change", "not_controlled"]
    entry: str | None = Field(
        default=None, max_length=120, description="e.g. ML4.b:atgm-launcher, USML IV(b)"
    )
    reasons: str = Field(default="", max_length=4000)


def placement_out(where: Placement) -> PlacementOut:
    return PlacementOut(
        list_id=where.list_id,
        entry=where.entry,
        kind=where.kind,
        att_category=where.att_category.value,
        att_subcategory=where.att_subcategory,
        unroca_category=where.unroca_category,
        unroca_subcategory=where.unroca_subcategory,
        article=where.article,
        citation=where.citation,
        note=where.note,
    )


def suggestion_out(found: Suggestion) -> SuggestionOut:
    return SuggestionOut(
        rank=found.rank,
        reference=found.reference,
        heading=found.heading,
        wording=found.wording,
        kind_label=found.kind_label,
        score=found.score,
        placement=placement_out(found.placement),
    )


def _stored_out(row: ClassificationRow) -> ClassificationOut:
    entry = classification.NOT_CONTROLLED
    if row.entry is not None:
        entry = str(EntryRef(row.list_id or "", row.entry, row.kind))
    return ClassificationOut(
        id=row.id,
        action=row.action,
        entry=entry,
        proposed=row.proposed,
        reasons=row.reasons,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        supersedes_id=row.supersedes_id,
    )


def item_out(item: classification.ItemClassification) -> ItemOut:
    return ItemOut(
        item=item.index,
        description=item.description,
        category=item.category,
        proposed=item.proposed,
        status=item.status,
        confirmed=item.confirmed,
        current=_stored_out(item.current) if item.current else None,
        placement=placement_out(item.placement) if item.placement else None,
        suggestions=[suggestion_out(s) for s in item.suggestions],
        precedents=[
            PrecedentOut(
                application=p.application,
                item=p.item_index,
                description=p.description,
                action=p.action,
                entry=p.entry,
                reasons=p.reasons,
                decided_at=p.decided_at,
            )
            for p in item.precedents
        ],
    )


@router.get("/control-lists/suggest", response_model=list[SuggestionOut])
def suggest_entries(
    _actor: Annotated[Actor, Allow(P.classification_read)],
    q: Annotated[str, Query(min_length=1, max_length=300, description="the goods in words")],
    list_id: Annotated[Literal["eu-cml", "usml", "uk-ml"], Query(alias="list")] = "eu-cml",
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[SuggestionOut]:
    """Rank control-list entries and item kinds for a description (``fts5-bm25-v1``)."""
    return [suggestion_out(s) for s in suggest(q, list_id, limit)]


@router.get("/applications/{application_id}/classification", response_model=list[ItemOut])
def case_classification(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.classification_read)]
) -> list[ItemOut]:
    """Each item: the applicant's proposal, the confirmed entry, the ranking and precedents."""
    with db.read() as session:
        return [item_out(i) for i in classification.items_of(session, actor, application_id)]


@router.post(
    "/applications/{application_id}/items/{item}/classification",
    response_model=ItemOut,
    status_code=201,
)
def classify_item(
    application_id: AppId,
    item: ItemIndex,
    body: ClassifyIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.classification_record)],
) -> ItemOut:
    """Confirm the applicant's entry, change it (reasons), or record not controlled (reasons)."""
    with db.write() as session:
        classification.record(
            session,
            actor,
            application_id,
            item,
            action=classification.Action(body.action),
            entry=body.entry,
            reasons=body.reasons,
        )
        found = classification.items_of(session, actor, application_id)
        return item_out(found[item])


@router.get("/classification/precedents", response_model=list[PrecedentOut])
def search_precedents(
    db: DB,
    actor: Annotated[Actor, Allow(P.classification_record)],
    q: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[PrecedentOut]:
    """Earlier classifications of similar goods, best first."""
    with db.read() as session:
        return [
            PrecedentOut(
                application=p.application,
                item=p.item_index,
                description=p.description,
                action=p.action,
                entry=p.entry,
                reasons=p.reasons,
                decided_at=p.decided_at,
            )
            for p in classification.precedents(session, actor, q, limit=limit)
        ]

"""Indicator evidence offered on a case, and the officer's answer to each offer.

``openatt.evidence.offer.offers`` reads the country indicators (imported into the monitoring
store with ``openatt indicators import DIR``) through a versioned mapping and offers each
reading as evidence, with its source, value, year, band, reason and mapping version. Nothing
joins the case until an officer accepts it: the offer's evidence is then added, supplied by
that officer and citing the offer's key, and the case is assessed again at once. A rejection
keeps the case as it is and records the officer's reasons; rejections stay queryable
(``rejections``) because they are the evidence the next mapping version is revised on.
Both answers are rows of ``offer_decisions`` with an event in the chain.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Application
from openatt.evidence.offer import Offer, offers
from openatt.register import audit
from openatt.register.applications import get
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.models import AssessmentRow, OfferDecisionRow
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

if TYPE_CHECKING:
    from openatt.evidence.table import IndicatorTable
    from openatt.register.assessor import Assessor


def offers_for(
    application: Application, tables: Mapping[str, IndicatorTable], mapping: str | None = None
) -> tuple[Offer, ...]:
    """The evidence offered on ``application``: indicator readings (when the tables are
    imported) and the cited official findings about its destination."""
    return offers(application, tables, mapping)


_TABLES: dict[tuple[str, int], Mapping[str, IndicatorTable]] = {}
_LOCK = threading.Lock()


def indicator_tables(path: Path | None = None) -> Mapping[str, IndicatorTable]:
    """The indicator tables of the monitoring store (default: under OPENATT_HOME), read once
    per version of the file; none when there is no store or it is busy being written."""
    import duckdb

    from openatt.monitoring import store

    where = path or store.location()
    if not where.exists():
        return {}
    key = (str(where), where.stat().st_mtime_ns)
    with _LOCK:
        if key not in _TABLES:
            try:
                connection = duckdb.connect(str(where), read_only=True)
            except duckdb.Error:
                return {}
            try:
                tables = store.load_indicator_tables(connection)
            finally:
                connection.close()
            _TABLES.clear()
            _TABLES[key] = tables
        return _TABLES[key]


def answers_of(session: Session, application_id: int) -> dict[str, OfferDecisionRow]:
    """The officer's answer to each offer of a case, by offer key."""
    rows = session.execute(
        select(OfferDecisionRow)
        .where(OfferDecisionRow.application_id == application_id)
        .order_by(OfferDecisionRow.id)
    ).scalars()
    return {row.offer_key: row for row in rows}


def find(offered: Sequence[Offer], key: str) -> Offer:
    for offer in offered:
        if offer.key == key:
            return offer
    raise Invalid(f"no indicator evidence is offered on this case under {key!r}", field=("key",))


def _answer(
    session: Session, actor: Actor, application_id: int, offer: Offer, accepted: bool, reasons: str
) -> OfferDecisionRow:
    row = get(session, actor, application_id)
    if offer.key in answers_of(session, row.id):
        raise Conflict(f"offer {offer.key} has already been answered", field=("key",))
    answer = OfferDecisionRow(
        application_id=row.id,
        offer_key=offer.key,
        mapping=offer.mapping,
        rule=offer.rule,
        indicator=offer.indicator,
        variable=offer.variable,
        value=offer.value,
        year=offer.year,
        band=offer.band,
        destination=row.importing_state,
        accepted=accepted,
        reasons=reasons,
        decided_by=actor.id,
        decided_at=dt.datetime.now(dt.UTC),
    )
    session.add(answer)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="offer.accept" if accepted else "offer.reject",
        row=answer,
        payload={
            "application": row.reference,
            "offer": offer.key,
            "mapping": offer.mapping,
            "reasons": reasons,
        },
    )
    return answer


def accept(
    session: Session,
    actor: Actor,
    application_id: int,
    assessor: Assessor,
    offer: Offer,
    *,
    expected_version: int | None = None,
) -> AssessmentRow:
    """The offer's evidence joins the case, supplied by ``actor`` and citing the offer; the
    case is assessed again at once."""
    from openatt.register.assessing import latest_assessment, reassess

    require(actor, Permission.application_assess)
    _answer(session, actor, application_id, offer, True, "")
    evidence = [
        e.model_copy(
            update={"author": actor.username, "note": f"Accepted offer {offer.key}: {e.note or ''}"}
        )
        for e in offer.evidence
    ]
    previous = latest_assessment(session, application_id)
    return reassess(
        session,
        actor,
        application_id,
        assessor,
        reason=f"Evidence offered by {offer.mapping} accepted: {offer.indicator} "
        f"{offer.variable}"
        + (f" = {offer.value:g}" if offer.value is not None else "")
        + (f" ({offer.year})" if offer.year is not None else "")
        + f", offer {offer.key}",
        evidence=evidence,
        regimes=previous.regimes.split(",") if previous is not None else None,
        expected_version=expected_version,
    )


def reject(
    session: Session, actor: Actor, application_id: int, offer: Offer, reasons: str
) -> OfferDecisionRow:
    """Record why the offer does not hold for this case; the case is unchanged."""
    require(actor, Permission.application_assess)
    if not reasons.strip():
        raise Invalid("say why the indicator does not hold for this case", field=("reasons",))
    return _answer(session, actor, application_id, offer, False, reasons.strip())


def rejections(
    session: Session,
    actor: Actor,
    *,
    mapping: str | None = None,
    rule: str | None = None,
    limit: int = 500,
) -> list[OfferDecisionRow]:
    """The officers' rejections, newest first, optionally of one mapping version or rule."""
    require(actor, Permission.indicator_rejections)
    query = select(OfferDecisionRow).where(OfferDecisionRow.accepted.is_(False))
    if mapping:
        query = query.where(OfferDecisionRow.mapping == mapping)
    if rule:
        query = query.where(OfferDecisionRow.rule == rule)
    return list(session.execute(query.order_by(OfferDecisionRow.id.desc()).limit(limit)).scalars())


def offer_or_missing(offered: Sequence[Offer], key: str) -> Offer:
    """``find`` for an address that names the offer: 404 rather than a field error."""
    try:
        return find(offered, key)
    except Invalid as error:
        raise NotFound(error.message) from error

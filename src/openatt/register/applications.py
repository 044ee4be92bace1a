"""Applications: create, read, list, update while draft, submit, screen.

Services take a SQLAlchemy session (the caller owns the transaction: one request, one
transaction, so nothing is half-written), the acting user, and plain values; they return rows.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session, defer, object_session

from openatt.core.model import Application, Evidence, ScreeningHit
from openatt.register import audit, canonical, lifecycle, search_index
from openatt.register.errors import Conflict, NotFound
from openatt.register.models import ApplicationRow, State
from openatt.register.permissions import Permission, require, sees_company
from openatt.register.retention import retain_until
from openatt.register.users import Actor

if TYPE_CHECKING:
    from openatt.screening.store import ListStore


MAX_ROW_ID = 2_147_483_647  # the largest id an INTEGER column holds on PostgreSQL


def payload_of(row: ApplicationRow) -> Application:
    return Application.model_validate_json(row.payload)


def _store(row: ApplicationRow, application: Application, *, reindex: bool) -> None:
    """Write ``application`` as the case's content. ``reindex``: its parties, goods, control
    entries or documents may have changed, so the search index is written again (every
    caller says: a reassessment's new evidence costs no index write, and an uploaded
    document's reference is found by the search)."""
    application = application.model_copy(update={"id": row.reference})
    # JSON-ready already: the same text as canonical.dumps without its walk through every
    # value (issue 16, fifth round: a tenth of a reassessment that brings a new fact)
    row.payload = canonical.dumps_json_ready(application.model_dump(mode="json"))
    row.kind = application.kind.value
    row.exporting_state = application.exporting_state
    row.importing_state = application.importing_state
    row.end_user = application.end_user.name
    row.categories = ",".join(sorted({item.category.value for item in application.items}))
    if reindex:
        session = object_session(row)
        assert session is not None, "a case's content is rewritten in its session"
        search_index.refresh(session, row.id, row.payload)


def get(
    session: Session, actor: Actor, application_id: int, *, lock: bool = False
) -> ApplicationRow:
    """The application, if it exists and this user may see it (else :class:`NotFound`).
    ``lock``: on PostgreSQL, lock its row for the rest of the transaction (read afresh)."""
    require(actor, Permission.application_read)
    if not 1 <= application_id <= MAX_ROW_ID:  # e.g. /ui/applications/2**63 (issue 13)
        raise NotFound(f"application {application_id} not found")
    if lock and session.get_bind().dialect.name == "postgresql":
        row = session.get(ApplicationRow, application_id, with_for_update=True)
    else:
        row = session.get(ApplicationRow, application_id)
    if row is None or not sees_company(actor, row.company):
        raise NotFound(f"application {application_id} not found")
    return row


def for_change(
    session: Session,
    actor: Actor,
    application_id: int,
    permission: Permission,
    expected_version: int | None,
    states: Sequence[State],
) -> ApplicationRow:
    """Load an application to change it: permission, visibility, version and state checked.
    On PostgreSQL its row stays locked to the commit: writes on one case queue here, and read
    what the write before them committed (the chain head is locked only at the commit)."""
    require(actor, permission)
    row = get(session, actor, application_id, lock=True)
    if expected_version is not None and row.version != expected_version:
        raise Conflict(
            f"application {application_id} changed (version {row.version}, "
            f"expected {expected_version}); reload it",
            field=("version",),
        )
    if State(row.state) not in states:
        allowed = ", ".join(s.value for s in states)
        raise Conflict(f"application {application_id} is {row.state}; this needs: {allowed}")
    return row


def log(session: Session, actor: Actor, action: str, row: ApplicationRow, **extra: object) -> None:
    _log(session, actor, action, row, dt.datetime.now(dt.UTC), extra)


def _log(
    session: Session,
    actor: Actor,
    action: str,
    row: ApplicationRow,
    at: dt.datetime,
    extra: dict[str, object],
    spliced: dict[str, str] | None = None,
) -> None:
    """The event of a change to the case, stamped ``at``. A case created in this transaction
    passes its creation time: the same value writes no second UPDATE (issue 16)."""
    row.updated_at = at
    session.flush()
    payload: dict[str, object] = {"state": row.state, "reference": row.reference}
    payload.update(extra)
    audit.record(
        session, actor=actor.label, action=action, row=row, payload=payload, spliced=spliced
    )


def create(
    session: Session,
    actor: Actor,
    application: Application,
    carried: tuple[Evidence, ...] = (),
) -> ApplicationRow:
    """``carried``: evidence an amendment takes over from the version it supersedes, kept
    with its authors and not checked as the actor's own input (issue 13)."""
    from openatt.register.classification import check_proposals
    from openatt.register.supply import accept

    require(actor, Permission.application_create)
    application = accept(actor, application)
    if carried:
        application = application.model_copy(update={"evidence": (*carried, *application.evidence)})
    check_proposals(application)
    company = actor.company if actor.company else application.exporter.name
    now = dt.datetime.now(dt.UTC)
    row = ApplicationRow(
        reference=f"OA-{now.year}-{secrets.token_hex(4).upper()}",
        company=company,
        state=State.draft.value,
        consultation="[]",
        consulted=False,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
        retain_until=retain_until(now.date()),
    )
    _store(row, application, reindex=False)  # not in the session yet: indexed below
    session.add(row)
    session.flush()
    search_index.refresh(session, row.id, row.payload, new=True)
    # the payload as stored (canonical text) goes into the event as it is (issue 16)
    _log(session, actor, "application.create", row, now, {}, {"application": row.payload})
    return row


def update(
    session: Session,
    actor: Actor,
    application_id: int,
    application: Application,
    expected_version: int | None,
) -> ApplicationRow:
    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_update,
        expected_version,
        lifecycle.sources("application.update"),
    )
    from openatt.register.classification import check_proposals
    from openatt.register.supply import accept

    check_proposals(application)
    _store(row, accept(actor, application, previous=payload_of(row).evidence), reindex=True)
    log(session, actor, "application.update", row, application=json.loads(row.payload))
    return row


def submit(
    session: Session,
    actor: Actor,
    application_id: int,
    expected_version: int | None,
    lists: ListStore | None = None,
) -> ApplicationRow:
    """Submit a draft, then screen its parties against ``lists`` (by default the lists under
    ``$OPENATT_HOME/lists``); with no list loaded the case records that it was not screened."""
    from openatt.register.denials import flag_consultation
    from openatt.register.screening import default_store, screen_application

    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_submit,
        expected_version,
        lifecycle.sources("application.submit"),
    )
    row.state = State.submitted.value
    flag_consultation(session, row)
    log(session, actor, "application.submit", row, consultation=json.loads(row.consultation))
    screen_application(
        session, actor, row, lists if lists is not None else default_store(), trigger="submission"
    )
    from openatt.register.routing import on_submission

    on_submission(session, actor, row)  # the target date, then the routing rules
    return row


def screen(
    session: Session,
    actor: Actor,
    application_id: int,
    hits: Sequence[ScreeningHit],
    expected_version: int | None,
    lists_used: str = "",
) -> ApplicationRow:
    """Record the screening of every party done outside the register. Hits may be empty
    (nothing found) only when screening against the loaded lists was not possible, with the
    lists used named; a recorded hit is never dropped here (see ``second_person``)."""
    from openatt.register.second_person import check_manual_screening

    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_screen,
        expected_version,
        lifecycle.sources("application.screen"),
    )
    check_manual_screening(session, row, payload_of(row), hits, lists_used)
    application = payload_of(row).model_copy(update={"screening": tuple(hits)})
    _store(row, application, reindex=False)
    row.state = State.screened.value
    log(
        session,
        actor,
        "application.screen",
        row,
        hits=[h.model_dump(mode="json") for h in hits],
        lists_used=lists_used.strip(),
    )
    from openatt.register.routing import route

    route(session, actor, row, "screening")
    return row


@dataclass(frozen=True)
class Filters:
    state: State | None = None
    # Any of these states: the applicant's "under review", which several states read as.
    states: frozenset[State] = frozenset()
    company: str | None = None
    importing_state: str | None = None
    exporting_state: str | None = None
    category: str | None = None
    text: str | None = None
    created_from: dt.date | None = None
    created_until: dt.date | None = None
    # Search in the parties, goods, control entries and document references (search_index).
    party: str | None = None
    goods: str | None = None
    control_entry: str | None = None
    document: str | None = None


def _filtered(actor: Actor, filters: Filters) -> Select[ApplicationRow]:
    query = select(ApplicationRow)
    if actor.company is not None and actor.role.value == "applicant":
        query = query.where(ApplicationRow.company == actor.company)
    if filters.state:
        query = query.where(ApplicationRow.state == filters.state.value)
    if filters.states:
        query = query.where(ApplicationRow.state.in_(sorted(s.value for s in filters.states)))
    if filters.company:
        query = query.where(ApplicationRow.company == filters.company)
    if filters.importing_state:
        query = query.where(ApplicationRow.importing_state == filters.importing_state)
    if filters.exporting_state:
        query = query.where(ApplicationRow.exporting_state == filters.exporting_state)
    if filters.category:
        # one of the comma-separated categories, whole: "VII" is not in "VIII,ammunition"
        wrapped = literal(",").concat(ApplicationRow.categories).concat(",")
        category = search_index.escaped(filters.category)
        query = query.where(wrapped.like(f"%,{category},%", escape=search_index.ESCAPE))
    if filters.text:
        pattern = search_index.containing(filters.text)
        escape = search_index.ESCAPE
        query = query.where(
            or_(
                func.lower(ApplicationRow.reference).like(pattern, escape=escape),
                func.lower(ApplicationRow.end_user).like(pattern, escape=escape),
                func.lower(ApplicationRow.company).like(pattern, escape=escape),
                ApplicationRow.id.in_(search_index.matching(pattern)),
            )
        )
    query = search_index.narrow(query, filters)
    if filters.created_from:
        start = dt.datetime.combine(filters.created_from, dt.time(), dt.UTC)
        query = query.where(ApplicationRow.created_at >= start)
    if filters.created_until:
        end = dt.datetime.combine(filters.created_until, dt.time(), dt.UTC)
        query = query.where(ApplicationRow.created_at < end + dt.timedelta(days=1))
    return query


def search(
    session: Session,
    actor: Actor,
    filters: Filters,
    *,
    limit: int = 50,
    offset: int = 0,
    after: int | None = None,
) -> tuple[list[ApplicationRow], int]:
    """One page of applications this user may see, newest first, and the total count.

    ``after``: the last id of the previous page (keyset pagination): the page starts at the
    next older case through the primary key's index, however deep, where an ``offset`` makes
    the database walk and drop every earlier row. ``offset`` still works, after the cursor.
    The rows come without their payload (the whole application): a page shows summaries."""
    require(actor, Permission.application_read)
    query = _filtered(actor, filters)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if after is not None:
        query = query.where(ApplicationRow.id < after)
    page = session.execute(
        query.options(defer(ApplicationRow.payload))
        .order_by(ApplicationRow.id.desc())
        .limit(limit)
        .offset(offset)
    ).scalars()
    return list(page), int(total)

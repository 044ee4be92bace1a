"""A page of the register as plain values, read column by column (issue 16).

:func:`openatt.register.applications.search` returns mapped rows; building fifty
``ApplicationRow`` objects (identity map, instance state, attribute instrumentation) cost more
than the query. The API's page of the register reads the summary's columns instead, with the
same filters, the same order and the same keyset cursor, and returns dicts in the shape of
``schemas.ApplicationSummary``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from openatt.core.model import Application
from openatt.register.applications import MAX_ROW_ID, Filters, _filtered
from openatt.register.errors import NotFound
from openatt.register.models import ApplicationRow, Role
from openatt.register.permissions import Permission, require, sees_company
from openatt.register.users import Actor

COLUMNS = (
    ApplicationRow.id,
    ApplicationRow.reference,
    ApplicationRow.company,
    ApplicationRow.state,
    ApplicationRow.version,
    ApplicationRow.kind,
    ApplicationRow.exporting_state,
    ApplicationRow.importing_state,
    ApplicationRow.end_user,
    ApplicationRow.categories,
    ApplicationRow.consultation,
    ApplicationRow.consulted,
    ApplicationRow.created_at,
    ApplicationRow.updated_at,
    ApplicationRow.retain_until,
)
_NAMES = tuple(column.key for column in COLUMNS)


def summary(values: Any) -> dict[str, Any]:
    """One row of :data:`COLUMNS` as a summary (categories and consultation unpacked)."""
    found = dict(zip(_NAMES, values, strict=True))
    found["categories"] = [c for c in found["categories"].split(",") if c]
    found["consultation"] = json.loads(found["consultation"])
    return found


def page(
    session: Session,
    actor: Actor,
    filters: Filters,
    *,
    limit: int = 50,
    offset: int = 0,
    after: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of summaries this user may see, newest first, and the total count."""
    require(actor, Permission.application_read)
    counting, paging = _statements(actor.role, actor.company, filters, limit, offset, after)
    total = session.execute(counting).scalar_one()
    rows = session.execute(paging).all()
    return [summary(row) for row in rows], int(total)


@lru_cache(maxsize=256)
def _statements(
    role: Role,
    company: str | None,
    filters: Filters,
    limit: int,
    offset: int,
    after: int | None,
) -> tuple[Any, Any]:
    """The count and page statements for these arguments, built once per distinct set of
    them and kept: building a statement and its cache key cost more than running it. Every
    argument that shapes the SQL is in the key, so a kept statement is the one that would be
    built again."""
    query = _filtered(Actor(id=0, username="", role=role, company=company), filters)
    # Counted over the id alone: the page's filters, none of its columns (the payload
    # least of all; a database that does not flatten the subquery would read it).
    counting = select(func.count()).select_from(
        query.with_only_columns(ApplicationRow.id).subquery()
    )
    if after is not None:
        query = query.where(ApplicationRow.id < after)
    paging = (
        query.with_only_columns(*COLUMNS)
        .order_by(ApplicationRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return counting, paging


_CASE = select(*COLUMNS, ApplicationRow.payload).where(ApplicationRow.id == bindparam("id"))


def case(session: Session, actor: Actor, application_id: int) -> dict[str, Any]:
    """The whole case (``schemas.ApplicationOut``: the summary and the application) as
    plain values, with :func:`openatt.register.applications.get`'s checks: the permission,
    the id's range and the company wall (``NotFound`` for a case this user may not see)."""
    require(actor, Permission.application_read)
    if not 1 <= application_id <= MAX_ROW_ID:
        raise NotFound(f"application {application_id} not found")
    found = session.execute(_CASE, {"id": application_id}).first()
    if found is None or not sees_company(actor, found.company):
        raise NotFound(f"application {application_id} not found")
    values = summary(found[:-1])
    # Parsed and dumped again rather than passed through: a case stored before a field was
    # added to the model answers with that field's default, as the model would.
    values["application"] = Application.model_validate_json(found.payload)
    return values

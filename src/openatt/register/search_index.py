"""The search index: the text of an application that the queue's search reads.

Consignee, end user and broker names, goods descriptions, control entries and document
references live inside the payload JSON; matching ``LIKE`` on the payload would also match its
keys. This derived table holds each of them lower-cased in its own column, written whenever the
payload's indexed parts change (``applications._store`` with ``reindex``; built for existing
cases by migration 0006, and rebuilt by 0015 for the cases whose uploaded or verified
documents had not been indexed).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from openatt.register.queue_tables import SearchIndexRow

if TYPE_CHECKING:
    from openatt.register.applications import Filters

T = TypeVar("T")
SEPARATOR = " | "
ESCAPE = "\\"


def escaped(text: str) -> str:
    """``text`` to be matched literally inside a ``LIKE`` pattern (with ``escape=ESCAPE``):
    a search for "50%" or "a_b" finds those characters, and "%" alone does not match every
    case."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def containing(text: str) -> str:
    """The lower-cased ``LIKE`` pattern of the texts holding ``text`` (use ``escape=ESCAPE``)."""
    return f"%{escaped(text.lower())}%"


def index_values(payload: dict[str, Any]) -> dict[str, str]:
    """The index's columns for an application payload (the core ``Application`` as JSON)."""

    def names(*parties: Any) -> list[str]:
        return [str(p.get("name", "")) for p in parties if isinstance(p, dict)]

    items = [i for i in payload.get("items", []) if isinstance(i, dict)]
    documents = [d for d in payload.get("documents", []) if isinstance(d, dict)]
    parts = {
        "parties": names(payload.get("consignee"), payload.get("end_user"))
        + names(*payload.get("brokers", [])),
        "goods": [str(i.get("description", "")) for i in items],
        "control_entries": [str(i["control_entry"]) for i in items if i.get("control_entry")],
        "documents": [
            str(d[key]) for d in documents for key in ("reference", "issued_by") if d.get(key)
        ],
    }
    return {key: SEPARATOR.join(values).lower() for key, values in parts.items()}


def refresh(session: Session, application_id: int, payload_json: str, *, new: bool = False) -> None:
    """Write (or rewrite) the index row of one application; ``new``: created in this
    transaction, so it has no row yet to look for (issue 16)."""
    values = index_values(json.loads(payload_json))
    row = None if new else session.get(SearchIndexRow, application_id)
    if row is None:
        session.add(SearchIndexRow(application_id=application_id, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)


def matching(pattern: str) -> Select[Any]:
    """Ids of applications whose indexed text matches a lower-cased ``LIKE`` pattern
    (:func:`containing`)."""
    return select(SearchIndexRow.application_id).where(
        or_(
            SearchIndexRow.parties.like(pattern, escape=ESCAPE),
            SearchIndexRow.goods.like(pattern, escape=ESCAPE),
            SearchIndexRow.control_entries.like(pattern, escape=ESCAPE),
            SearchIndexRow.documents.like(pattern, escape=ESCAPE),
        )
    )


def narrow(query: Select[T], filters: Filters) -> Select[T]:
    """``query`` limited to the applications matching each field search of ``filters``."""
    from openatt.register.models import ApplicationRow

    for column, value in (
        (SearchIndexRow.parties, filters.party),
        (SearchIndexRow.goods, filters.goods),
        (SearchIndexRow.control_entries, filters.control_entry),
        (SearchIndexRow.documents, filters.document),
    ):
        if value and value.strip():
            pattern = containing(value.strip())
            query = query.where(
                ApplicationRow.id.in_(
                    select(SearchIndexRow.application_id).where(column.like(pattern, escape=ESCAPE))
                )
            )
    return query

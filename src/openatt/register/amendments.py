"""Amendment: a new version of an application that supersedes the earlier one.

The earlier version is kept as it was (state ``superseded``, append-only); the new one is
a case of its own, submitted and screened at once, linked by an amendment record that
holds the differences field by field and the engine's recommendation on both versions.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from openatt.core.model import Application
from openatt.register import applications, audit, canonical, lifecycle
from openatt.register.applications import for_change, log, payload_of
from openatt.register.assessor import Assessor, default_regimes, overall_recommendation
from openatt.register.dialogue_models import AmendmentRow
from openatt.register.errors import Invalid
from openatt.register.models import State
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor
from openatt.register.withdrawals import close_open_work

if TYPE_CHECKING:
    from openatt.screening.store import ListStore

# Not the applicant's to change: the reference, the authority's evidence, screening and
# mitigations (rated by the authority); nor whether a document was verified with its issuer.
# None of them is in the differences, which the applicant reads (found in review: an
# amendment showed the applicant the mitigations an officer recorded and which documents
# were verified).
_KEPT = ("id", "evidence", "screening", "mitigations")
_AUTHORITY_FIELDS = ("verified",)


def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), into)
    elif isinstance(value, list) and value and any(isinstance(v, dict) for v in value):
        for index, inner in enumerate(value):
            _flatten(inner, f"{prefix}.{index}", into)
    else:
        into[prefix] = value


@dataclass(frozen=True)
class Difference:
    field: str
    before: Any
    after: Any


def differences(before: Application, after: Application) -> list[Difference]:
    """What changed between two versions, one line per field (``items.0.quantity``)."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(before.model_dump(mode="json", exclude=set(_KEPT)), "", old)
    _flatten(after.model_dump(mode="json", exclude=set(_KEPT)), "", new)
    return [
        Difference(name, old.get(name), new.get(name))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name) and name.rsplit(".", 1)[-1] not in _AUTHORITY_FIELDS
    ]


def differences_of(row: AmendmentRow) -> list[Difference]:
    return [Difference(**d) for d in json.loads(row.differences)]


def amend(
    session: Session,
    actor: Actor,
    application_id: int,
    application: Application,
    *,
    reason: str,
    assessor: Assessor,
    lists: ListStore | None = None,
    expected_version: int | None = None,
) -> AmendmentRow:
    """Submit ``application`` as the new version of ``application_id`` (before a decision);
    the engine is run on both versions so the officer sees what the change does."""
    text = reason.strip()
    if not text:
        raise Invalid("say what the amendment changes and why", field=("reason",))
    if len(text) > 5000:
        raise Invalid("at most 5000 characters", field=("reason",))
    old = for_change(
        session,
        actor,
        application_id,
        Permission.application_amend,
        expected_version,
        lifecycle.sources("application.amend"),
    )
    require(actor, Permission.application_submit)
    before = payload_of(old)
    after = application.model_copy(update={"evidence": before.evidence, "screening": ()})
    changed = differences(before, after)
    if not changed:
        raise Invalid("the new version changes nothing", field=("application",))
    recommendations = [
        overall_recommendation(assessor.assess(version, default_regimes(), None)).value
        for version in (before, after)
    ]
    # the authority's evidence goes over as it is, with its authors: not the applicant's input
    own = after.model_copy(update={"evidence": ()})
    new = applications.create(session, actor, own, carried=before.evidence)
    new.company = old.company
    applications.submit(session, actor, new.id, None, lists)
    close_open_work(session, actor, old, "amendment")
    old.state = State.superseded.value
    log(session, actor, "application.amend", old, superseded_by=new.reference, reason=text)
    record = AmendmentRow(
        application_id=new.id,
        supersedes_id=old.id,
        reason=text,
        differences=canonical.dumps([d.__dict__ for d in changed]),
        recommendation_before=recommendations[0],
        recommendation_after=recommendations[1],
        amended_by=actor.id,
        amended_at=dt.datetime.now(dt.UTC),
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="amendment.create",
        row=record,
        payload={
            "application": new.reference,
            "supersedes": old.reference,
            "fields": [d.field for d in changed],
        },
    )
    return record


def of_application(session: Session, actor: Actor, application_id: int) -> list[AmendmentRow]:
    """The amendments that made this application or that it was superseded by."""
    row = applications.get(session, actor, application_id)
    return list(
        session.execute(
            select(AmendmentRow)
            .where(or_(AmendmentRow.application_id == row.id, AmendmentRow.supersedes_id == row.id))
            .order_by(AmendmentRow.id)
        ).scalars()
    )

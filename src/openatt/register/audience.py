"""What each audience sees of a case: the one place that decides it.

An applicant (the exporting company) sees its case as an exporter sees it at an authority:
a coarse status, what is asked of it, the outcome, the conditions, the licence and the
reasons the authority chose to release, citing the criteria as the EU and the UK do. It never
sees the authority's internal work: the engine's findings or recommendation, evidence, notes,
officers' names, screening hits and their clearance, flags, or the sign-off state of a
decision. Staff (officers, senior reviewers, administrators) see the whole case; auditors see
it read-only; advisers see what they are asked about (their page belongs to the advice
work; until then they get no more than an auditor); monitors see no case.

The view builders here are pure functions of rows and domain objects; ``applicant_case``
reads the rows they need through the register's permission checks. The REST API
(``api/views.py``) and the web UI (``case_applicant.html``) both render these views, so the
two cannot drift apart; ``tests/security/test_applicant_wall.py`` calls every route to hold it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Application
from openatt.register.models import (
    ApplicationRow,
    DecisionReleaseRow,
    DecisionRow,
    Event,
    LicenceRow,
    Role,
    ShipmentRow,
    State,
)
from openatt.register.users import Actor


class Audience(StrEnum):
    applicant = "applicant"
    staff = "staff"
    adviser = "adviser"
    auditor = "auditor"
    monitor = "monitor"


_BY_ROLE = {
    Role.applicant.value: Audience.applicant,
    Role.officer.value: Audience.staff,
    Role.senior_reviewer.value: Audience.staff,
    Role.admin.value: Audience.staff,
    Role.auditor.value: Audience.auditor,
    Role.monitor.value: Audience.monitor,
    "adviser": Audience.adviser,
}


def audience_of(actor: Actor) -> Audience:
    """The audience a user belongs to. A role this module does not know sees what an
    applicant sees: the least, never the most."""
    return _BY_ROLE.get(actor.role.value, Audience.applicant)


def sees_internal(actor: Actor) -> bool:
    """Whether this user may see the authority's internal work on a case."""
    return audience_of(actor) in (Audience.staff, Audience.auditor, Audience.adviser)


# The exporter's status vocabulary. Several internal states read the same from outside:
# screening, assessment and sign-off are the authority's business, not the exporter's.
PUBLIC_STATUS: Mapping[str, str] = {
    State.draft.value: "draft",
    State.submitted.value: "submitted",
    State.screened.value: "under review",
    State.assessed.value: "under review",
    State.awaiting_countersign.value: "under review",
    State.approved.value: "approved",
    State.approved_with_conditions.value: "approved with conditions",
    State.denied.value: "refused",
    State.licensed.value: "licensed",
    State.delivery_verified.value: "delivery verified",
    State.expired.value: "licence expired",
    State.suspended.value: "licence suspended",
    State.revoked.value: "licence revoked",
    # the exporter's own acts and their outcomes (the dialogue, issue 12.5)
    State.withdrawn.value: "withdrawn",
    State.superseded.value: "superseded by an amendment",
    State.appealed.value: "appealed",
    State.appeal_dismissed.value: "appeal dismissed",
}
INFORMATION_REQUESTED = "information requested"  # the dialogue work sets it (issue 12.5)
PUBLIC_STATUSES: tuple[str, ...] = tuple(
    dict.fromkeys((*PUBLIC_STATUS.values(), INFORMATION_REQUESTED))
)

# States an applicant may filter on: those whose name says no more than their public status.
APPLICANT_FILTERABLE = frozenset(
    {State.draft, State.submitted, State.approved, State.approved_with_conditions}
    | {State.denied, State.licensed, State.delivery_verified, State.expired}
    | {State.suspended, State.revoked}
    | {State.withdrawn, State.superseded, State.appealed, State.appeal_dismissed}
)


UNDER_REVIEW = "under review"


def public_status(state: str) -> str:
    return PUBLIC_STATUS.get(state, UNDER_REVIEW)


# The states an applicant sees as "under review" (every state the vocabulary above does not
# name): it may filter on them together, as the web queue's "Under review" tab does, which
# tells it no more than each case's status.
UNDER_REVIEW_STATES = frozenset(s for s in State if public_status(s.value) == UNDER_REVIEW)


_ASKS: Mapping[str, str] = {
    State.draft.value: "Complete the application and submit it to the licensing authority.",
    State.approved.value: "Nothing: the licence is being issued.",
    State.approved_with_conditions.value: "Accept the conditions below; the licence is being "
    "issued with them.",
    State.licensed.value: "Ship within the licence's quantities and dates, and keep the "
    "records of each shipment.",
    State.suspended.value: "Ship nothing under this licence until the authority lifts the "
    "suspension.",
}


def asks_of(state: str) -> tuple[str, ...]:
    """What is asked of the applicant now (the dialogue work adds the authority's questions)."""
    found = _ASKS.get(state)
    return (found,) if found else ()


@dataclass(frozen=True)
class CitedCriterion:
    """A criterion a refusal rests on, cited as the regime words it (never the evidence)."""

    rule: str
    citation: str


@dataclass(frozen=True)
class ReleasedDecision:
    outcome: str
    decided_on: dt.date
    conditions: tuple[str, ...]
    criteria: tuple[CitedCriterion, ...]
    reasons: str


@dataclass(frozen=True)
class PublicShipment:
    item: int
    quantity: int
    shipped_on: dt.date
    reference: str | None
    delivery_verified_on: dt.date | None


@dataclass(frozen=True)
class PublicLicence:
    number: str
    state: str
    issued_on: dt.date
    valid_until: dt.date
    conditions: tuple[str, ...]
    licensed: tuple[int, ...]
    shipped: tuple[int, ...]
    shipments: tuple[PublicShipment, ...]


@dataclass(frozen=True)
class PublicEvent:
    at: str
    what: str
    by: str


@dataclass(frozen=True)
class PublicClassification:
    """An item's classification as its applicant sees it: its own proposal and the entry the
    authority confirmed or put in its place (not who did it, nor the internal reasons)."""

    item: int
    description: str
    proposed: str
    status: str  # proposed, confirmed, changed, not controlled
    confirmed: str | None


@dataclass(frozen=True)
class ApplicantCase:
    id: int
    reference: str
    company: str
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    application: Application
    asks: tuple[str, ...]
    decision: ReleasedDecision | None
    licence: PublicLicence | None
    events: tuple[PublicEvent, ...]
    classification: tuple[PublicClassification, ...] = ()


def applicant_application(application: Application) -> Application:
    """The application as its applicant submitted it: what the authority added to it
    (evidence, screening hits, the credibility it gave to mitigations, document checks) is
    taken out."""
    return application.model_copy(
        update={
            "evidence": (),
            "screening": (),
            "mitigations": (),
            "documents": tuple(
                d.model_copy(update={"verified": False}) for d in application.documents
            ),
        }
    )


def released_decision(
    decision: DecisionRow | None,
    release: DecisionReleaseRow | None,
    cite: Callable[[str], str],
) -> ReleasedDecision | None:
    """The effective decision as released: outcome, conditions, the criteria of a refusal
    cited from the law, and the reasons the authority wrote for the applicant (none written:
    none released). A pending or returned decision is not an outcome yet and shows nothing."""
    if decision is None or decision.status != "effective":
        return None
    refused = decision.outcome == "denied"
    criteria = (
        tuple(CitedCriterion(rule, cite(rule)) for rule in json.loads(decision.criteria))
        if refused
        else ()
    )
    return ReleasedDecision(
        outcome=decision.outcome,
        decided_on=(decision.countersigned_at or decision.decided_at).date(),
        conditions=tuple(json.loads(decision.conditions)),
        criteria=criteria,
        reasons=release.reasons if release is not None else "",
    )


def public_licence(
    licence: LicenceRow | None, application: Application, shipments: Iterable[ShipmentRow]
) -> PublicLicence | None:
    """The licence as its holder reads it; the authority's verification notes stay inside."""
    if licence is None:
        return None
    listed = tuple(shipments)
    totals = [0] * len(application.items)
    for s in listed:
        if 0 <= s.item < len(totals):
            totals[s.item] += s.quantity
    return PublicLicence(
        number=licence.number,
        state=licence.state,
        issued_on=licence.issued_on,
        valid_until=licence.valid_until,
        conditions=tuple(json.loads(licence.conditions)),
        licensed=tuple(i.quantity for i in application.items),
        shipped=tuple(totals),
        shipments=tuple(
            PublicShipment(s.item, s.quantity, s.shipped_on, s.reference, s.delivery_verified_on)
            for s in listed
        ),
    )


_APPLICANT_ACTIONS = {
    "application.create": "Draft created",
    "application.update": "Draft changed",
    "application.submit": "Submitted to the licensing authority",
}


def public_events(events: Iterable[Event]) -> tuple[PublicEvent, ...]:
    """The case's history as its applicant may read it: its own steps, and each change of
    public status, by "you" or "the licensing authority"; never a staff member's name, an
    internal step or what an event's payload holds."""
    found: list[PublicEvent] = []
    status = ""
    for event in events:
        if event.entity != "application":
            continue
        by = (
            "you"
            if event.actor.endswith(f"({Role.applicant.value})")
            else "the licensing authority"
        )
        state = str(json.loads(event.payload).get("state", ""))
        if event.action in _APPLICANT_ACTIONS:
            found.append(PublicEvent(event.at, _APPLICANT_ACTIONS[event.action], by))
        elif public_status(state) != status:
            found.append(PublicEvent(event.at, f"Status: {public_status(state)}", by))
        status = public_status(state)
    return tuple(found)


def applicant_view(
    row: ApplicationRow,
    application: Application,
    decision: ReleasedDecision | None,
    licence: PublicLicence | None,
    events: tuple[PublicEvent, ...],
) -> ApplicantCase:
    return ApplicantCase(
        id=row.id,
        reference=row.reference,
        company=row.company,
        status=public_status(row.state),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        application=applicant_application(application),
        asks=asks_of(row.state),
        decision=decision,
        licence=licence,
        events=events,
    )


def law_citation(rule_id: str) -> str:
    """A rule cited as its regime words it: title, then instrument and provision."""
    from openatt.law.loader import LawError, default_law

    try:
        _regime, rule = default_law().find_rule(rule_id)
    except LawError:
        return rule_id
    title = rule.title
    citations = rule.versions[-1].citations if rule.versions else ()
    return f"{title} ({citations[0]})" if citations else title


def applicant_case(session: Session, actor: Actor, application_id: int) -> ApplicantCase:
    """The applicant's view of its own case (another company's case: :class:`NotFound`)."""
    from openatt.register.applications import get, payload_of
    from openatt.register.licensing import licence_of, shipments_of

    row = get(session, actor, application_id)
    application = payload_of(row)
    effective = session.execute(
        select(DecisionRow)
        .where(DecisionRow.application_id == row.id, DecisionRow.status == "effective")
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).scalar()
    release = (
        session.execute(
            select(DecisionReleaseRow).where(DecisionReleaseRow.decision_id == effective.id)
        ).scalar()
        if effective is not None
        else None
    )
    licence = licence_of(session, row.id)
    shipments = shipments_of(session, licence.id) if licence is not None else []
    events = session.execute(
        select(Event)
        .where(Event.entity == "application", Event.entity_id == row.id)
        .order_by(Event.seq)
    ).scalars()
    view = applicant_view(
        row,
        application,
        released_decision(effective, release, law_citation),
        public_licence(licence, application, shipments),
        public_events(events),
    )
    return dataclasses.replace(
        view, classification=public_classification(session, row, application)
    )


def public_classification(
    session: Session, row: ApplicationRow, application: Application
) -> tuple[PublicClassification, ...]:
    from openatt.reference.control_lists import EntryRef
    from openatt.register.classification import NOT_CONTROLLED, current

    acts = current(session, row.id)
    found = []
    for index, item in enumerate(application.items):
        stored = acts.get(index)
        confirmed = None
        if stored is not None:
            confirmed = (
                NOT_CONTROLLED
                if stored.entry is None
                else str(EntryRef(stored.list_id or "", stored.entry, stored.kind))
            )
        status = stored.action.replace("_", " ") if stored is not None else "proposed"
        found.append(
            PublicClassification(
                index, item.description, item.control_entry or "", status, confirmed
            )
        )
    return tuple(found)

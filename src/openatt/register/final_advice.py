"""The case officer's final advice (the teams' advice consolidated, subject by subject) and
its countersigning in one or two levels, as the policy configures (advice_policy.yaml).

Rules of sign-off, each tested: no one countersigns final advice they wrote; level 2 is
signed after an agreeing level 1, by someone else; a countersigner who disagrees sends the
advice back to the officer; any change to the final advice voids the signatures given
(kept in the record, ``valid`` false). When the policy says so, a case sent for advice is
not decided until its final advice is countersigned (:func:`check_before_decision`, which
:func:`openatt.register.assessing.decide` calls).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, bindparam, exists, select
from sqlalchemy.orm import Session

from openatt.register import audit, canonical
from openatt.register.advice_policy import AdvicePolicy, advice_policy
from openatt.register.advice_subjects import AdviceInput, check
from openatt.register.applications import get, log, payload_of
from openatt.register.errors import Conflict, Forbidden, Invalid
from openatt.register.models import (
    AdviceCountersignatureRow,
    AdviceRequestRow,
    AdviceRow,
    ApplicationRow,
    State,
)
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

OPEN_FOR_FINAL = (State.submitted, State.screened, State.assessed)


class SignOff(StrEnum):
    """Where a case's final advice stands."""

    none = "none"  # no final advice written
    not_required = "not_required"  # final advice written; the policy asks no countersignature
    awaiting_level_1 = "awaiting_level_1"
    awaiting_level_2 = "awaiting_level_2"
    returned = "returned"  # a countersigner disagreed: the officer revises it
    countersigned = "countersigned"


def final_advice(session: Session, application_id: int) -> list[AdviceRow]:
    return list(
        session.execute(
            select(AdviceRow)
            .where(
                AdviceRow.application_id == application_id,
                AdviceRow.level == "final",
                AdviceRow.status == "given",
            )
            .order_by(AdviceRow.id)
        ).scalars()
    )


def signatures(session: Session, application_id: int) -> list[AdviceCountersignatureRow]:
    """Valid countersignatures of the current final advice, by level."""
    return list(
        session.execute(
            select(AdviceCountersignatureRow)
            .where(
                AdviceCountersignatureRow.application_id == application_id,
                AdviceCountersignatureRow.valid.is_(True),
            )
            .order_by(AdviceCountersignatureRow.level)
        ).scalars()
    )


def status_of(
    final: list[AdviceRow], signed: list[AdviceCountersignatureRow], policy: AdvicePolicy
) -> SignOff:
    if not final:
        return SignOff.none
    if policy.countersign.levels == 0:
        return SignOff.not_required
    if any(not s.agree for s in signed):
        return SignOff.returned
    agreed = {s.level for s in signed}
    for level in range(1, policy.countersign.levels + 1):
        if level not in agreed:
            return SignOff.awaiting_level_1 if level == 1 else SignOff.awaiting_level_2
    return SignOff.countersigned


def sign_off(session: Session, application_id: int) -> SignOff:
    return status_of(
        final_advice(session, application_id), signatures(session, application_id), advice_policy()
    )


def _void_signatures(session: Session, actor: Actor, row: ApplicationRow) -> None:
    for signature in signatures(session, row.id):
        signature.valid = False
        audit.record(
            session,
            actor=actor.label,
            action="advice_countersignature.void",
            row=signature,
            payload={"application": row.reference, "why": "the final advice changed"},
        )


def give_final(
    session: Session, actor: Actor, application_id: int, given: AdviceInput
) -> AdviceRow:
    """Write (or rewrite) the final advice on one subject; signatures given so far are void."""
    require(actor, Permission.advice_final)
    row = get(session, actor, application_id)
    if State(row.state) not in OPEN_FOR_FINAL:
        raise Conflict(f"{row.reference} is {row.state}; final advice precedes the decision")
    checked = check(payload_of(row), given)
    for earlier in session.execute(
        select(AdviceRow).where(
            AdviceRow.application_id == row.id,
            AdviceRow.level == "final",
            AdviceRow.subject == checked.subject,
            AdviceRow.status == "given",
        )
    ).scalars():
        earlier.status = "replaced"
        audit.record(
            session,
            actor=actor.label,
            action="advice.replace",
            row=earlier,
            payload={"application": row.reference, "subject": earlier.subject},
        )
    _void_signatures(session, actor, row)
    advice = AdviceRow(
        application_id=row.id,
        request_id=None,
        team_id=None,
        level="final",
        subject=checked.subject,
        type=checked.type.value,
        proviso=checked.proviso,
        criteria=canonical.dumps(list(checked.criteria)),
        reasons=checked.reasons,
        likelihood=checked.likelihood.value if checked.likelihood else None,
        severity=checked.severity.value if checked.severity else None,
        status="given",
        author=actor.id,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(advice)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="advice.final",
        row=advice,
        payload={"application": row.reference, "subject": advice.subject, "type": advice.type},
    )
    log(session, actor, "application.final_advice", row, advice=advice.id, subject=advice.subject)
    return advice


def next_level(session: Session, application_id: int) -> int | None:
    """The level that awaits a countersignature, if any."""
    return level_awaited(sign_off(session, application_id))


def may_sign(session: Session, actor: Actor, application_id: int, level: int) -> tuple[bool, str]:
    """Whether the acting user may countersign ``level`` of this case's final advice, and why not."""
    return signer_check(
        advice_policy(),
        actor,
        final_advice(session, application_id),
        signatures(session, application_id),
        level,
    )


def signer_check(
    policy: AdvicePolicy,
    actor: Actor,
    final: list[AdviceRow],
    signed: list[AdviceCountersignatureRow],
    level: int,
) -> tuple[bool, str]:
    """:func:`may_sign` on the final advice and signatures already read."""
    if not policy.may_countersign(actor.role, level):
        roles = ", ".join(r.value for r in policy.roles_for(level)) or "no one"
        return False, f"level {level} is countersigned by: {roles}"
    if actor.id in {a.author for a in final}:
        return False, "no one countersigns final advice they wrote"
    if level == 2 and any(s.signed_by == actor.id for s in signed):
        return False, "the second level is signed by someone other than the first"
    return True, ""


def level_awaited(state: SignOff) -> int | None:
    return {SignOff.awaiting_level_1: 1, SignOff.awaiting_level_2: 2}.get(state)


def countersign(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    level: int,
    agree: bool,
    reasons: str,
) -> AdviceCountersignatureRow:
    require(actor, Permission.advice_countersign)
    row = get(session, actor, application_id)
    if not reasons.strip():
        raise Invalid("say why you agree or disagree", field=("reasons",))
    policy = advice_policy()
    if not 1 <= level <= max(policy.countersign.levels, 1):
        raise Invalid(
            f"this authority countersigns in {policy.countersign.levels} level(s)",
            field=("level",),
        )
    expected = next_level(session, row.id)
    if expected is None:
        raise Conflict(f"{row.reference} has no final advice awaiting a countersignature")
    if level != expected:
        raise Conflict(f"level {expected} is the one awaiting a countersignature", field=("level",))
    allowed, why = may_sign(session, actor, row.id, level)
    if not allowed:
        raise Forbidden(why)
    signature = AdviceCountersignatureRow(
        application_id=row.id,
        level=level,
        agree=agree,
        reasons=reasons.strip(),
        valid=True,
        signed_by=actor.id,
        signed_at=dt.datetime.now(dt.UTC),
    )
    session.add(signature)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="advice.countersign",
        row=signature,
        payload={"application": row.reference, "level": level, "agree": agree},
    )
    log(session, actor, "application.advice_countersign", row, level=level, agree=agree)
    return signature


def consulted(session: Session, application_id: int) -> bool:
    """Whether the case has been sent to any team for advice."""
    return (
        session.execute(
            select(AdviceRequestRow.id).where(AdviceRequestRow.application_id == application_id)
        ).first()
        is not None
    )


def consulted_column() -> ColumnElement[bool]:
    """:func:`consulted` for the case bound as ``application``, as a column: a decision asks
    it beside its other questions in one statement and calls :func:`check_before_decision`
    only when the case was sent for advice (issue 16, sixth round)."""
    return exists(
        select(AdviceRequestRow.id).where(
            AdviceRequestRow.application_id == bindparam("application")
        )
    )


def check_before_decision(session: Session, row: ApplicationRow) -> None:
    """Refuse a decision on a case sent for advice until its final advice is countersigned
    (when the policy says so: ``countersign.before_decision``)."""
    policy = advice_policy()
    if not policy.countersign.before_decision or not consulted(session, row.id):
        return
    state = sign_off(session, row.id)
    if state not in (SignOff.countersigned, SignOff.not_required):
        raise Conflict(
            f"{row.reference} was sent for advice: the final advice must be written and "
            f"countersigned before the decision (now: {state.value.replace('_', ' ')})",
            field=("outcome",),
        )


@dataclass(frozen=True)
class SignOffLine:
    application: ApplicationRow
    level: int


def awaiting_my_signoff(session: Session, actor: Actor) -> list[SignOffLine]:
    """Cases whose final advice awaits a countersignature the acting user may give."""
    require(actor, Permission.advice_countersign)
    ids = session.execute(
        select(AdviceRow.application_id)
        .where(AdviceRow.level == "final", AdviceRow.status == "given")
        .distinct()
    ).scalars()
    lines = []
    for application_id in sorted(set(ids)):
        level = next_level(session, application_id)
        if level is None or not may_sign(session, actor, application_id, level)[0]:
            continue
        row = session.get(ApplicationRow, application_id)
        if row is not None and State(row.state) in OPEN_FOR_FINAL:
            lines.append(SignOffLine(row, level))
    return lines

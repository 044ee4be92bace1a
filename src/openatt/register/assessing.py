"""Assess, reassess (ATT 7.7), decide and countersign (four-eyes).

A stored assessment is the engine's whole output, with the law and engine versions that
produced it. A decision that goes against the recommendation, and every decision on ATT
categories I-VII, waits for a second officer who neither made the assessment nor decided.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from openatt.core.findings import Assessment, Recommendation
from openatt.core.model import ARTICLE_2_1, Category, Evidence, Mitigation
from openatt.register import audit, canonical, lifecycle
from openatt.register.applications import _log, _store, for_change, log, payload_of
from openatt.register.assessor import Assessor, default_regimes
from openatt.register.errors import Conflict, Forbidden, Invalid
from openatt.register.models import (
    ApplicationRow,
    AssessmentRow,
    DecisionRow,
    LicenceRow,
    LicenceState,
    Outcome,
    State,
)
from openatt.register.permissions import Permission
from openatt.register.second_person import check_countersigner, reasons_for_second_person
from openatt.register.users import Actor

if TYPE_CHECKING:
    from openatt.register.engine_ahead import Prepared

# Categories I-VII: every decision on them needs a second officer.
FOUR_EYES_CATEGORIES = frozenset(c for c in ARTICLE_2_1 if c != Category.VIII)

_MATCHING = {
    Outcome.approved: Recommendation.approve,
    Outcome.approved_with_conditions: Recommendation.approve_with_conditions,
    Outcome.denied: Recommendation.deny,
}

REOPENABLE = lifecycle.sources("application.reassess")


def latest_assessment(session: Session, application_id: int) -> AssessmentRow | None:
    return session.execute(
        select(AssessmentRow)
        .where(AssessmentRow.application_id == application_id)
        .order_by(AssessmentRow.id.desc())
        .limit(1)
    ).scalar()


# The statements of a reassessment, built once with their arguments bound per call: building
# a statement and its cache key cost more than SQLite took to run it (issue 16).
_LATEST_ID = (
    select(AssessmentRow.id)
    .where(AssessmentRow.application_id == bindparam("application"))
    .order_by(AssessmentRow.id.desc())
    .limit(1)
)
_PENDING = select(DecisionRow).where(
    DecisionRow.application_id == bindparam("application"), DecisionRow.status == "pending"
)
_ACTIVE = select(LicenceRow).where(
    LicenceRow.application_id == bindparam("application"),
    LicenceRow.state == LicenceState.active.value,
)
# What a reassessment needs to know before it reopens a case, in one round trip (issue 16,
# fifth round): the earlier assessment it links, whether a pending decision or an active
# licence waits on the case (both rare: their rows are loaded only when there are any),
# whether any item was classified, and (seventh round) whether any notified denial in force
# names the destination (without one, and none flagged on the case before, the denial
# matching finds nothing and changes nothing, so its query is not run). Built once per
# version of those columns (the migration tests put the code before 0010 and 0013 in their
# place), the case and its destination bound per call.
_REOPENINGS: dict[tuple[object, ...], Select[Any]] = {}
_DECIDINGS: dict[tuple[object, ...], Select[AssessmentRow, bool, bool, bool, bool]] = {}


def _deciding() -> Select[AssessmentRow, bool, bool, bool, bool]:
    """What a decision needs to know about the case bound as ``application``, in one
    statement: its latest assessment, whether any item was classified (issue 16, fifth
    round), and (sixth round) whether a blocking flag is still set, whether the case was
    sent for advice, and whether any notified denial in force names the destination bound
    as ``destination``. The rows behind the last three are read only when there are any,
    by the same checks as before. Built once per version of those columns (the migration
    tests put the code before each table in their place), the case bound per call."""
    from openatt.register import classification, denials, final_advice, flags

    columns = (
        classification.classified_column,
        flags.blocking_column,
        final_advice.consulted_column,
        denials.in_force_column,
        denials.in_force,
    )
    built = _DECIDINGS.get(columns)
    if built is None:
        built = _DECIDINGS[columns] = (
            select(
                AssessmentRow,
                classification.classified_column().label("classified"),
                flags.blocking_column().label("blocked"),
                final_advice.consulted_column().label("advised"),
                denials.in_force_column().label("denied"),
            )
            .where(AssessmentRow.application_id == bindparam("application"))
            .order_by(AssessmentRow.id.desc())
            .limit(1)
        )
    return built


def _reopening() -> Select[Any]:
    """The reassessment's one question (see :data:`_REOPENINGS`), built once."""
    from openatt.register import classification, denials

    columns = (classification.classified_column, denials.in_force_column, denials.in_force)
    built = _REOPENINGS.get(columns)
    if built is None:
        built = _REOPENINGS[columns] = select(
            _LATEST_ID.scalar_subquery().label("latest"),
            exists(_PENDING).label("pending"),
            exists(_ACTIVE).label("active"),
            classification.classified_column().label("classified"),
            denials.in_force_column().label("denied"),
        )
    return built


def latest_assessment_id(session: Session, application_id: int) -> int | None:
    """The id alone: a reassessment links the earlier one without loading its output."""
    found: int | None = session.execute(_LATEST_ID, {"application": application_id}).scalar()
    return found


def assessments_of(row: AssessmentRow) -> list[Assessment]:
    return [Assessment.model_validate(item) for item in json.loads(row.result)]


def _run(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    assessor: Assessor,
    regimes: Sequence[str] | None,
    as_of: dt.date | None,
    supersedes: AssessmentRow | int | None,
    reason: str | None,
    prepared: Prepared | None = None,
    unclassified: bool = False,
    denials_to_match: bool = True,
) -> AssessmentRow:
    """``unclassified``: the caller knows that no item of the case was classified (the
    application as stored is then the one the engine reads, without reading the history).
    ``denials_to_match``: ``False`` when the caller knows that no notified denial in force
    names the destination and none is flagged on the case: the matching would find none and
    change nothing, and its query is not run.

    The engine reads the case as stored, parsed from its text even when the caller has just
    written it (found in review, twelfth round: the application the caller built is not
    validated, and a case assessed from it could be stored in a form that no longer reads
    back)."""
    from openatt.register.classification import classified
    from openatt.register.denials import flag_consultation

    # the confirmed entries, where there are any
    application = payload_of(row) if unclassified else classified(session, row)
    regimes = tuple(regimes or default_regimes())
    output = prepared.output_for(application, regimes, as_of) if prepared else None
    if output is None:  # the engine here, or its output for these very inputs kept here
        from openatt.register.engine_ahead import assess_once

        output = assess_once(assessor, application, regimes, as_of)
    if not output.regimes_assessed:
        raise Invalid("the engine returned no assessment for these regimes", field=("regimes",))
    recommendation = output.recommendation
    stored = AssessmentRow(
        application_id=row.id,
        supersedes_id=supersedes.id if isinstance(supersedes, AssessmentRow) else supersedes,
        reason=reason,
        as_of=as_of or application.date,
        regimes=",".join(regimes),
        recommendation=recommendation.value,
        result=output.text,
        law_version=output.law_version,
        engine_version=output.engine_version,
        assessed_by=actor.id,
        assessed_at=dt.datetime.now(dt.UTC),
    )
    session.add(stored)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="assessment.reassess" if supersedes else "assessment.create",
        row=stored,
        payload={
            "application": row.reference,
            "recommendation": recommendation.value,
            "supersedes": stored.supersedes_id,
            "law_version": stored.law_version,
            "engine_version": stored.engine_version,
        },
    )
    if denials_to_match:
        flag_consultation(session, row, application)  # the case as classified above, read once
    # after the denial matching's query: set before it, the state was written by that query's
    # autoflush, and the case's event (``log``) wrote its row a second time (issue 16)
    row.state = State.assessed.value
    return stored


def assess(
    session: Session,
    actor: Actor,
    application_id: int,
    assessor: Assessor,
    *,
    regimes: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    expected_version: int | None = None,
    prepared: Prepared | None = None,
) -> AssessmentRow:
    """Run the engine (or take its output ``prepared`` ahead of the write, when it was
    computed for the application as stored now) and store its whole output."""
    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_assess,
        expected_version,
        lifecycle.sources("application.assess"),
    )
    stored = _run(session, actor, row, assessor, regimes, as_of, None, None, prepared)
    log(
        session,
        actor,
        "application.assess",
        row,
        assessment=stored.id,
        recommendation=stored.recommendation,
    )
    return stored


def reassess(
    session: Session,
    actor: Actor,
    application_id: int,
    assessor: Assessor,
    *,
    reason: str,
    evidence: Sequence[Evidence] = (),
    regimes: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    expected_version: int | None = None,
    mitigations: Sequence[Mitigation] = (),
    prepared: Prepared | None = None,
) -> AssessmentRow:
    """New information (ATT 7.7): add it, assess again, link the earlier assessment, and
    re-open the case. An active licence is suspended until a new decision. ``mitigations``:
    measures the authority judged (with their credibility), added to the application's.
    ``prepared``: the engine's output computed ahead (:mod:`openatt.register.engine_ahead`)."""
    if not reason.strip():
        raise Invalid("say what new information prompts the reassessment", field=("reason",))
    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_assess,
        expected_version,
        REOPENABLE,
    )
    asked = {"application": row.id, "destination": row.importing_state}
    previous, pending, active, acts, denied = session.execute(_reopening(), asked).one()
    from openatt.register.engine_ahead import with_new_information

    # the case's event is stamped now, and so is the row: with new information, the content
    # and the stamp go in one UPDATE of the case, not two (issue 16, twelfth round)
    now = dt.datetime.now(dt.UTC)
    # Who supplied the evidence is the login, never the payload (issue 13).
    evidence = [e.model_copy(update={"author": actor.label}) for e in evidence]
    if evidence or mitigations:
        # evidence and mitigations: nothing the search index holds
        _store(
            row,
            with_new_information(payload_of(row), actor, evidence, mitigations),
            reindex=False,
        )
        row.updated_at = now
    returned = session.execute(_PENDING, {"application": row.id}).scalars() if pending else ()
    appeal_reopened = False
    for decision in returned:
        decision.status = "returned"
        audit.record(
            session,
            actor=actor.label,
            action="decision.return",
            row=decision,
            payload={"application": row.reference, "why": "reassessment"},
        )
        # an appeal upheld and awaiting its countersignature is open again, to be decided
        # on the new assessment (found in review: it stayed "upheld" for the exporter, and
        # could never be decided again)
        from openatt.register.appeals import after_countersign

        appeal_reopened |= after_countersign(session, actor, row, decision, agree=False)
    suspended = session.execute(_ACTIVE, {"application": row.id}).scalars() if active else ()
    for licence in suspended:
        licence.state = LicenceState.suspended.value
        audit.record(
            session,
            actor=actor.label,
            action="licence.suspended",  # as licensing.set_state logs it
            row=licence,
            payload={"application": row.reference, "why": "reassessment"},
        )
    flagged = bool(json.loads(row.consultation))
    stored = _run(
        session,
        actor,
        row,
        assessor,
        regimes,
        as_of,
        previous,
        reason,
        prepared,
        not acts,
        denials_to_match=bool(denied) or flagged,
    )
    if appeal_reopened:
        row.state = State.appealed.value
    extra: dict[str, object] = {
        "assessment": stored.id,
        "supersedes": previous,
        "reason": reason,
        "evidence": [e.model_dump(mode="json") for e in evidence],
    }
    if mitigations:
        extra["mitigations"] = [m.model_dump(mode="json") for m in mitigations]
    _log(session, actor, "application.reassess", row, now, extra)
    return stored


ADVERSE = frozenset({"prohibited", "risk"})


def adverse_criteria(stored: AssessmentRow) -> list[str]:
    """The rules that weighed against the transfer, by default the criteria of a denial.
    Read from the stored JSON as it is (the engine's output, validated when it was stored):
    building every finding's model again cost a decision ~2 ms (issue 16, fourth round)."""
    return sorted(
        {
            finding["criterion"]
            for assessment in json.loads(stored.result)
            for finding in assessment["findings"]
            if finding["outcome"] in ADVERSE
        }
    )


def four_eyes_reasons(
    row: ApplicationRow,
    outcome: Outcome,
    recommendation: str,
    as_of: dt.date | None = None,
    *,
    regimes: str,
    confirmed: Iterable[Category] = (),
) -> list[str]:
    """Why a decision needs a second person; ``as_of``: the law date of the assessment,
    ``regimes``: the regimes it ran under (as stored, comma-separated), ``confirmed``: the
    ATT categories of the authority's classification of the items.

    Found in review (2026-12-05): an officer could assess under ATT alone, leave out the
    regime that prohibits the transfer, and decide in line with that recommendation with
    no second person; and a category the applicant declared (VIII for 81 mm mortars, III
    once classified) decided whether the I-VII rule applied."""
    reasons = []
    if _MATCHING[outcome].value != recommendation:
        reasons.append(
            f"the decision ({outcome.value}) departs from the recommendation ({recommendation})"
        )
    from openatt.register.assessor import default_regimes

    left_out = [r for r in default_regimes() if r not in set(regimes.split(","))]
    if left_out:
        reasons.append(
            f"the assessment left out regimes this authority applies ({', '.join(left_out)})"
        )
    # the declared and the confirmed categories: a case is I-VII if either says so
    categories = {Category(c) for c in row.categories.split(",") if c} | set(confirmed)
    major = sorted(c.value for c in categories & FOUR_EYES_CATEGORIES)
    if major:
        reasons.append(f"ATT categories {', '.join(major)} (I-VII)")
    reasons.extend(reasons_for_second_person(row, payload_of(row), as_of))
    return reasons


def decide(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    outcome: Outcome,
    reasons: str,
    conditions: Sequence[str] = (),
    criteria: Sequence[str] | None = None,
    expected_version: int | None = None,
    released_reasons: str = "",
) -> DecisionRow:
    """``released_reasons``: what the applicant is told (see :mod:`releases`); the
    ``reasons`` stay the authority's own record."""
    from openatt.register.denials import flag_consultation, notify_own_denial
    from openatt.register.final_advice import check_before_decision
    from openatt.register.releases import MAX_RELEASED, release

    if not reasons.strip():
        raise Invalid("a decision needs written reasons", field=("reasons",))
    if len(released_reasons) > MAX_RELEASED:
        raise Invalid(
            f"the released reasons are longer than {MAX_RELEASED} characters",
            field=("released_reasons",),
        )
    if outcome == Outcome.approved_with_conditions and not conditions:
        raise Invalid(
            "approval with conditions needs at least one condition", field=("conditions",)
        )
    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_decide,
        expected_version,
        lifecycle.sources("application.decide"),
    )
    from openatt.register.flags import refuse_if_blocked

    asked = {"application": row.id, "destination": row.importing_state}
    latest = session.execute(_deciding(), asked).first()
    if latest is None:  # pragma: no cover - state assessed implies one
        refuse_if_blocked(session, row)
        raise Conflict("no assessment to decide on")
    assessment, acts, blocked, advised, denied = latest
    if blocked:  # blocking flags are cleared by their named role first
        refuse_if_blocked(session, row)
    if advised:  # a case sent for advice: countersigned final advice
        check_before_decision(session, row)
    flagged = json.loads(row.consultation)
    # the case as the denial matching reads it; with no denial in force for its destination
    # and none flagged before, the matching finds none and changes nothing
    if outcome != Outcome.denied and (denied or flagged):
        flag_consultation(session, row, None if acts else payload_of(row))
        if json.loads(row.consultation) and not row.consulted:
            raise Conflict(
                "essentially identical to a notified denial: record the consultation with the "
                "notifying state before approving",
                field=("outcome",),
            )
    why = four_eyes_reasons(
        row,
        outcome,
        assessment.recommendation,
        assessment.as_of,
        regimes=assessment.regimes,
        confirmed=confirmed_categories(session, row) if acts else (),
    )
    decision = DecisionRow(
        application_id=row.id,
        assessment_id=assessment.id,
        outcome=outcome.value,
        reasons=reasons,
        conditions=canonical.dumps(list(conditions)),
        criteria=canonical.dumps(
            sorted(criteria) if criteria is not None else adverse_criteria(assessment)
        ),
        against_recommendation=_MATCHING[outcome].value != assessment.recommendation,
        four_eyes_required=bool(why),
        decided_by=actor.id,
        decided_at=dt.datetime.now(dt.UTC),
        status="pending" if why else "effective",
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="decision.create",
        row=decision,
        payload={"application": row.reference, "outcome": outcome.value, "four_eyes": why},
    )
    release(session, actor, decision, released_reasons, row.reference)
    if why:
        row.state = State.awaiting_countersign.value
    else:
        row.state = outcome.value
        if outcome == Outcome.denied:
            notify_own_denial(session, actor, row, decision)
        else:
            _refusal_reconsidered(session, actor, row, decision)
    log(session, actor, "application.decide", row, decision=decision.id, outcome=outcome.value)
    if not why and outcome == Outcome.denied:
        from openatt.register.letters import after_refusal

        after_refusal(session, actor, row, decision)
    return decision


def _refusal_reconsidered(
    session: Session, actor: Actor, row: ApplicationRow, decision: DecisionRow
) -> None:
    """An approval in effect after a refusal (reassessed under ATT Art. 7(7)): our notice of
    the refusal no longer stands, as after an appeal (found in review: it stayed in force,
    counted in the year's refusals beside the licence and matched against other cases)."""
    from openatt.register.denials import withdraw_own

    withdraw_own(
        session, actor, row, reason=f"the refusal was reconsidered: decision {decision.id}"
    )


def confirmed_categories(session: Session, row: ApplicationRow) -> set[Category]:
    """The ATT categories of the case's items as the authority classified them."""
    from openatt.register.classification import classified

    return {item.category for item in classified(session, row).items}


def pending_decision(session: Session, application_id: int) -> DecisionRow | None:
    return session.execute(
        select(DecisionRow).where(
            DecisionRow.application_id == application_id, DecisionRow.status == "pending"
        )
    ).scalar()


def countersign(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    agree: bool,
    note: str = "",
    expected_version: int | None = None,
) -> DecisionRow:
    """The second officer's sign-off; disagreeing returns the case to ``assessed`` (an
    approval on appeal: to ``appealed``, to be decided again)."""
    from openatt.register.appeals import after_countersign  # appeals imports this module
    from openatt.register.denials import notify_own_denial

    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_countersign,
        expected_version,
        lifecycle.sources("application.countersign"),
    )
    decision = pending_decision(session, row.id)
    if decision is None:  # pragma: no cover - state implies one
        raise Conflict("no decision awaits a countersignature")
    assessment = session.get(AssessmentRow, decision.assessment_id)
    if actor.id == decision.decided_by:
        raise Forbidden("four-eyes: the second officer cannot be the one who decided")
    if assessment is not None and actor.id == assessment.assessed_by:
        raise Forbidden("four-eyes: the second officer cannot be the one who assessed")
    check_countersigner(session, row.id, actor.id, payload_of(row))
    decision.countersigned_by = actor.id
    decision.countersigned_at = dt.datetime.now(dt.UTC)
    decision.status = "effective" if agree else "returned"
    audit.record(
        session,
        actor=actor.label,
        action="decision.countersign",
        row=decision,
        payload={"application": row.reference, "agree": agree, "note": note},
    )
    if agree:
        row.state = decision.outcome
        if decision.outcome == Outcome.denied.value:
            notify_own_denial(session, actor, row, decision)
    else:
        row.state = State.assessed.value
    on_appeal = after_countersign(session, actor, row, decision, agree)
    if on_appeal and not agree:
        row.state = State.appealed.value  # the appeal is decided again, not the case
    if agree and not on_appeal and decision.outcome != Outcome.denied.value:
        _refusal_reconsidered(session, actor, row, decision)  # an appeal withdrew it itself
    log(session, actor, "application.countersign", row, decision=decision.id, agree=agree)
    if agree and decision.outcome == Outcome.denied.value:
        from openatt.register.letters import after_refusal

        after_refusal(session, actor, row, decision)
    return decision

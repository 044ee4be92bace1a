"""What each audience sees of advice: the officer's panel on a case (requests, the teams'
advice by subject with conflicts, the final advice and its sign-off) and the adviser's view
of a case asked about (goods, parties, destination, end use, the findings on the team's
topics, the team's own advice; other teams' given advice only if the policy allows).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.findings import Finding
from openatt.core.model import Application
from openatt.law.loader import LawError, default_law
from openatt.law.schema import RuleKind
from openatt.register.advice_policy import advice_policy
from openatt.register.advice_subjects import TYPE_LABELS, AdviceType, Subject, subjects_of
from openatt.register.advice_teams import topics_of
from openatt.register.applications import get, payload_of
from openatt.register.assessing import assessments_of, latest_assessment
from openatt.register.consultation import overdue, request_for_adviser, requests_of
from openatt.register.final_advice import SignOff, level_awaited, signer_check, status_of
from openatt.register.final_advice import signatures as valid_signatures
from openatt.register.models import (
    AdviceCountersignatureRow,
    AdviceRequestRow,
    AdviceRow,
    AdviceTeamRow,
    ApplicationRow,
    User,
)
from openatt.register.permissions import Permission, require
from openatt.register.team_advice import SubjectConflict, conflicts, drafts_of, given_advice
from openatt.register.users import Actor


def type_label(value: str) -> str:
    return TYPE_LABELS.get(AdviceType(value), value)


def criteria_of(advice: AdviceRow) -> list[str]:
    return [str(c) for c in json.loads(advice.criteria or "[]")]


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {int(i): str(n) for i, n in rows}


def _teams(session: Session) -> dict[int, AdviceTeamRow]:
    return {t.id: t for t in session.execute(select(AdviceTeamRow)).scalars()}


@dataclass(frozen=True)
class RequestView:
    request: AdviceRequestRow
    team: AdviceTeamRow
    overdue: bool


@dataclass(frozen=True)
class AdvicePanel:
    """The officer's view of a case's advice."""

    application: ApplicationRow
    subjects: list[Subject]
    teams: list[AdviceTeamRow]
    team_by_id: dict[int, AdviceTeamRow]
    requests: list[RequestView]
    advice: dict[str, list[AdviceRow]]  # subject -> the teams' given advice
    conflicts: dict[str, SubjectConflict]
    final: dict[str, AdviceRow]
    signatures: list[AdviceCountersignatureRow]
    sign_off: SignOff
    levels: int
    next_level: int | None
    can_sign: bool
    why_not: str
    names: dict[int, str]

    def subject_label(self, key: str) -> str:
        return next((s.label for s in self.subjects if s.key == key), key)

    @property
    def subject_options(self) -> list[tuple[str, str]]:
        return [(s.key, s.label) for s in self.subjects]


def panel(
    session: Session, actor: Actor, application_id: int, *, today: dt.date | None = None
) -> AdvicePanel:
    """Read in a handful of queries: the case page shows it on every visit by staff."""
    require(actor, Permission.advice_final)
    row = get(session, actor, application_id)
    teams = _teams(session)
    requests = requests_of(session, row.id)
    current = list(
        session.execute(
            select(AdviceRow)
            .where(AdviceRow.application_id == row.id, AdviceRow.status == "given")
            .order_by(AdviceRow.id)
        ).scalars()
    )
    given = [a for a in current if a.level == "team"]
    final = [a for a in current if a.level == "final"]
    signed = valid_signatures(session, row.id) if final else []
    policy = advice_policy()
    state = status_of(final, signed, policy)
    level = level_awaited(state)
    can, why = signer_check(policy, actor, final, signed, level) if level else (False, "")
    by_subject: dict[str, list[AdviceRow]] = {}
    for item in given:
        by_subject.setdefault(item.subject, []).append(item)
    people = {r.asked_by for r in requests} | {a.author for a in final}
    people |= {s.signed_by for s in signed}
    return AdvicePanel(
        application=row,
        subjects=subjects_of(payload_of(row)),
        teams=[t for t in sorted(teams.values(), key=lambda t: t.code) if t.active],
        team_by_id=teams,
        requests=[RequestView(r, teams[r.team_id], overdue(r, today)) for r in requests],
        advice=by_subject,
        conflicts=conflicts(given),
        final={a.subject: a for a in final},
        signatures=signed,
        sign_off=state,
        levels=policy.countersign.levels,
        next_level=level,
        can_sign=can,
        why_not=why,
        names=_names(session, people),
    )


def _relevant(findings: list[Finding], topics: list[str]) -> list[Finding]:
    """The findings on the team's topics (all of them when the team names none); the
    prohibitions (embargoes, Art. 6) always, since every adviser must know of them."""
    if not topics:
        return findings
    law = default_law()
    wanted = set(topics)
    kept = []
    for finding in findings:
        try:
            _regime, rule = law.find_rule(finding.criterion)
        except LawError:
            continue
        rule_topics = {str(t) for t in rule.topics}
        if rule_topics & wanted or rule.kind is RuleKind.prohibition:
            kept.append(finding)
    return kept


@dataclass(frozen=True)
class AdviserCase:
    """What an adviser sees of a case they were asked about: nothing of the applicant's
    company records beyond the transfer itself, no officers' notes, no decision state."""

    request: AdviceRequestRow
    team: AdviceTeamRow
    reference: str
    application: Application
    subjects: list[Subject]
    findings: list[tuple[str, Finding]]  # (regime title, finding)
    drafts: list[AdviceRow]
    given: list[AdviceRow]
    others: list[tuple[AdviceTeamRow, AdviceRow]] = field(default_factory=list)
    overdue: bool = False

    def subject_label(self, key: str) -> str:
        return next((s.label for s in self.subjects if s.key == key), key)

    @property
    def subject_options(self) -> list[tuple[str, str]]:
        return [(s.key, s.label) for s in self.subjects]


def adviser_case(
    session: Session, actor: Actor, request_id: int, *, today: dt.date | None = None
) -> AdviserCase:
    request = request_for_adviser(session, actor, request_id)
    row = session.get(ApplicationRow, request.application_id)
    assert row is not None
    teams = _teams(session)
    team = teams[request.team_id]
    application = payload_of(row)
    stored = latest_assessment(session, row.id)
    findings: list[tuple[str, Finding]] = []
    if stored is not None:
        for assessment in assessments_of(stored):
            for finding in _relevant(list(assessment.findings), topics_of(team)):
                findings.append((assessment.regime_title, finding))
    all_given = given_advice(session, row.id)
    others: list[tuple[AdviceTeamRow, AdviceRow]] = []
    if advice_policy().advisers_see_other_teams:
        others = [
            (teams[a.team_id], a)
            for a in all_given
            if a.team_id is not None and a.team_id != team.id
        ]
    return AdviserCase(
        request=request,
        team=team,
        reference=row.reference,
        application=application,
        subjects=subjects_of(application),
        findings=findings,
        drafts=drafts_of(session, request.id),
        given=[a for a in all_given if a.request_id == request.id],
        others=others,
        overdue=overdue(request, today),
    )

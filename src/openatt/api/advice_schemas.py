"""Request and response bodies of the advice endpoints (issue 12), and the rows to them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from openatt.core.findings import Finding
from openatt.core.model import Likelihood, Severity
from openatt.register.advice_subjects import AdviceInput, AdviceType
from openatt.register.advice_teams import topics_of
from openatt.register.models import (
    AdviceCountersignatureRow,
    AdviceRequestRow,
    AdviceRow,
    AdviceTeamRow,
)

Short = Annotated[str, Field(max_length=60)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TeamIn(_In):
    code: str = Field(max_length=40, description="e.g. defence, foreign-affairs")
    name: str = Field(max_length=200)
    topics: list[Short] = Field(default=[], max_length=20, description="finding topics shown")


class MemberIn(_In):
    username: str = Field(max_length=80)


class TeamOut(BaseModel):
    id: int
    code: str
    name: str
    topics: list[str]
    active: bool


class AskIn(_In):
    teams: list[Short] = Field(max_length=20, description="team codes")
    working_days: int = Field(ge=-1000, le=1000, description="deadline, Monday-Friday days")
    question: str = Field(max_length=5000)


class AdviceIn(_In):
    subject: str = Field(max_length=80, description="item:0, destination:NZL, party:end_user")
    type: AdviceType
    reasons: str = Field(max_length=10_000)
    proviso: str = Field(default="", max_length=5000)
    criteria: list[Short] = Field(default=[], max_length=40, description="rule ids, e.g. eu.2")
    likelihood: Likelihood | None = None
    severity: Severity | None = None

    def given(self) -> AdviceInput:
        return AdviceInput(
            subject=self.subject,
            type=self.type.value,
            reasons=self.reasons,
            proviso=self.proviso,
            criteria=tuple(self.criteria),
            likelihood=self.likelihood.value if self.likelihood else None,
            severity=self.severity.value if self.severity else None,
        )


class CountersignIn(_In):
    level: int = Field(ge=1, le=2)
    agree: bool
    reasons: str = Field(max_length=10_000)


class RequestOut(BaseModel):
    id: int
    application_id: int
    reference: str | None = None
    team: str
    question: str
    working_days: int
    due_on: dt.date
    status: str
    overdue: bool
    asked_at: dt.datetime
    answered_at: dt.datetime | None


class AdviceOut(BaseModel):
    id: int
    application_id: int
    request_id: int | None
    team: str | None
    level: str
    subject: str
    type: str
    proviso: str
    criteria: list[str]
    reasons: str
    likelihood: str | None
    severity: str | None
    status: str
    author: int
    created_at: dt.datetime


class SignatureOut(BaseModel):
    id: int
    level: int
    agree: bool
    reasons: str
    signed_by: int
    signed_at: dt.datetime


class ConflictOut(BaseModel):
    subject: str
    positions: dict[str, list[str]]


class PanelOut(BaseModel):
    application_id: int
    reference: str
    subjects: dict[str, str]
    requests: list[RequestOut]
    advice: list[AdviceOut]
    conflicts: list[ConflictOut]
    final: list[AdviceOut]
    signatures: list[SignatureOut]
    sign_off: str
    countersign_levels: int
    next_level: int | None


class AdviserCaseOut(BaseModel):
    request: RequestOut
    reference: str
    exporting_state: str
    importing_state: str
    transit_states: list[str]
    end_use: str
    items: list[dict[str, object]]
    parties: dict[str, object]
    subjects: dict[str, str]
    findings: list[Finding]
    drafts: list[AdviceOut]
    given: list[AdviceOut]
    other_teams: list[AdviceOut]


class SignOffOut(BaseModel):
    application_id: int
    reference: str
    level: int


def team_out(team: AdviceTeamRow) -> TeamOut:
    return TeamOut(
        id=team.id, code=team.code, name=team.name, topics=topics_of(team), active=team.active
    )


def request_out(
    request: AdviceRequestRow, team: AdviceTeamRow, overdue: bool, reference: str | None = None
) -> RequestOut:
    return RequestOut(
        id=request.id,
        application_id=request.application_id,
        reference=reference,
        team=team.code,
        question=request.question,
        working_days=request.working_days,
        due_on=request.due_on,
        status=request.status,
        overdue=overdue,
        asked_at=request.asked_at,
        answered_at=request.answered_at,
    )


def advice_out(advice: AdviceRow, teams: dict[int, AdviceTeamRow]) -> AdviceOut:
    return AdviceOut(
        id=advice.id,
        application_id=advice.application_id,
        request_id=advice.request_id,
        team=teams[advice.team_id].code if advice.team_id is not None else None,
        level=advice.level,
        subject=advice.subject,
        type=advice.type,
        proviso=advice.proviso,
        criteria=[str(c) for c in json.loads(advice.criteria or "[]")],
        reasons=advice.reasons,
        likelihood=advice.likelihood,
        severity=advice.severity,
        status=advice.status,
        author=advice.author,
        created_at=advice.created_at,
    )


def signature_out(row: AdviceCountersignatureRow) -> SignatureOut:
    return SignatureOut(
        id=row.id,
        level=row.level,
        agree=row.agree,
        reasons=row.reasons,
        signed_by=row.signed_by,
        signed_at=row.signed_at,
    )

"""Request and response bodies of the API. Rows are turned into these in ``views``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from openatt.core.findings import Assessment
from openatt.core.model import Application, Evidence, Mitigation, ScreeningHit
from openatt.law.loader import default_law
from openatt.register.models import Outcome, Role


def known_regime(value: str) -> str:
    """``value`` if the law this server applies has such a regime (shipped or overlay)."""
    known = default_law().ids
    if value not in known:
        raise ValueError(f"unknown regime {value!r}; known: {', '.join(known)}")
    return value


Regime = Annotated[
    str,
    AfterValidator(known_regime),
    Field(description="a regime id of the loaded law (GET /regimes lists them)"),
]
"""A regime id, checked against the loaded law, not a list written here."""


def all_regimes() -> list[str]:
    """Every regime of the loaded law: the default when a request names none."""
    return list(default_law().ids)


MAX_ID = 2_147_483_647  # the largest value a 32-bit INTEGER column holds (PostgreSQL)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Versioned(_In):
    version: int | None = Field(
        default=None,
        ge=1,
        description="the version you read; a different current version gets 409",
    )


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    otp: str | None = Field(
        default=None, pattern=r"^[0-9]{6,8}$", description="TOTP code, for staff who enrolled one"
    )


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime


class UserIn(_In):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    company: str | None = Field(default=None, max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    company: str | None
    active: bool


class ApplicationUpdate(Versioned):
    application: Application


class ScreenIn(Versioned):
    hits: list[ScreeningHit] = Field(default_factory=list, max_length=1000)
    lists_used: str = Field(
        default="",
        max_length=2000,
        description="the lists the parties were screened against elsewhere, and when: "
        "required for 'no matches', which is accepted only when screening was not possible",
    )


class AssessIn(Versioned):
    regimes: list[Regime] = Field(default_factory=all_regimes, min_length=1)
    as_of: dt.date | None = None


class ReassessIn(AssessIn):
    reason: str = Field(min_length=1, max_length=4000)
    evidence: list[Evidence] = Field(default_factory=list)


class DecideIn(_In):
    version: int = Field(
        ge=1, le=MAX_ID, description="the version you assessed; required (409 if stale)"
    )
    outcome: Outcome
    reasons: str = Field(min_length=1, max_length=10000)
    conditions: list[str] = Field(default_factory=list)
    criteria: list[str] | None = Field(
        default=None,
        description="rule ids the decision rests on; by default those the assessment found "
        "prohibited or at risk",
    )
    released_reasons: str = Field(
        default="",
        max_length=10000,
        description="the reasons released to the applicant (the criteria of a refusal are "
        "cited with them); the 'reasons' stay the authority's own record",
    )


class CountersignIn(_In):
    version: int = Field(
        ge=1,
        le=MAX_ID,
        description="the version you read (the decision you sign off); required (409 if stale)",
    )
    agree: bool
    note: str = Field(default="", max_length=4000)


class IssueIn(Versioned):
    valid_until: dt.date
    issued_on: dt.date | None = None


class ShipmentIn(_In):
    item: int = Field(ge=0, le=10_000, description="index of the item in the application")
    quantity: int = Field(ge=1, le=MAX_ID)
    shipped_on: dt.date
    reference: str | None = Field(default=None, max_length=200)


class VerifyIn(_In):
    shipment_id: int = Field(ge=1, le=MAX_ID)
    verified_on: dt.date
    verification: str = Field(min_length=1, max_length=4000)


class ReasonIn(Versioned):
    reason: str = Field(min_length=1, max_length=4000)


class ExpireIn(Versioned):
    today: dt.date | None = None


class ConsultIn(_In):
    denial_id: int = Field(ge=1, le=MAX_ID)
    note: str = Field(min_length=1, max_length=4000)


class ApplicationSummary(BaseModel):
    """One line of the work queue; GET /applications/{id} has the whole application."""

    id: int
    reference: str
    company: str
    state: str
    version: int
    kind: str
    exporting_state: str
    importing_state: str
    end_user: str
    categories: list[str]
    consultation: list[int] = Field(description="notified denials this case is identical to")
    consulted: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    retain_until: dt.date


class ApplicationOut(ApplicationSummary):
    application: Application


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    total: int
    limit: int
    offset: int
    next_after: int | None = Field(
        default=None,
        description="pass as `after` for the next page (null on the last page)",
    )


class AssessmentOut(BaseModel):
    id: int
    application_id: int
    supersedes_id: int | None
    reason: str | None
    as_of: dt.date
    regimes: list[str]
    recommendation: str
    law_version: str
    engine_version: str
    assessed_by: int
    assessed_at: dt.datetime
    assessments: list[Assessment]


class DecisionOut(BaseModel):
    id: int
    application_id: int
    assessment_id: int
    outcome: str
    reasons: str
    conditions: list[str]
    criteria: list[str]
    against_recommendation: bool
    four_eyes_required: bool
    decided_by: int
    decided_at: dt.datetime
    countersigned_by: int | None
    countersigned_at: dt.datetime | None
    status: str


class ShipmentOut(BaseModel):
    id: int
    licence_id: int
    item: int
    quantity: int
    shipped_on: dt.date
    reference: str | None
    delivery_verified_on: dt.date | None
    verification: str | None


class LicenceOut(BaseModel):
    id: int
    application_id: int
    number: str
    state: str
    issued_on: dt.date
    valid_until: dt.date
    conditions: list[str]
    licensed: list[int] = Field(description="licensed quantity per item")
    shipped: list[int] = Field(description="quantity shipped per item")
    remaining: list[int]
    shipments: list[ShipmentOut]


class DenialOut(BaseModel):
    id: int
    notifying_state: str
    reference: str
    denied_on: dt.date
    destination: str
    end_user: str
    categories: list[str]
    control_entries: list[str]
    description: str
    criteria: list[str]
    application_id: int | None
    withdrawn_on: dt.date | None = Field(
        None, description="when we withdrew our notification (the refusal no longer stands)"
    )


class ConsultationOut(BaseModel):
    id: int
    application_id: int
    denial_id: int
    note: str
    recorded_at: dt.datetime


class ImportOut(BaseModel):
    received: int
    added: int


class EventOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: int
    payload: dict[str, object]
    prev_hash: str
    hash: str


class VerifyOut(BaseModel):
    intact: bool
    events: int
    broken_at: int | None
    problem: str | None


# -- screening ---------------------------------------------------------------------------------
_NO_NUL = r"^[^\x00]*$"


class ScreenQueryIn(_In):
    """One name to screen, with what is known about it (each raises or lowers the score)."""

    name: str = Field(min_length=1, max_length=300, pattern=_NO_NUL)
    birth_date: str | None = Field(
        default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or ISO"
    )
    country: str | None = Field(default=None, max_length=60, pattern=_NO_NUL)
    kind: Literal["person", "organization"] | None = None
    identifiers: list[Annotated[str, Field(min_length=1, max_length=100, pattern=_NO_NUL)]] = Field(
        default_factory=list,
        max_length=20,
        description="passport, registration or other numbers; a listed one adds to the score",
    )


class _ScreenOptions(_In):
    threshold: float | None = Field(default=None, ge=0.5, le=1)
    lists: list[str] = Field(default_factory=list, max_length=20, description="default: all")


class ScreenNameIn(ScreenQueryIn, _ScreenOptions):
    pass


class ScreenBatchIn(_ScreenOptions):
    queries: list[ScreenQueryIn] = Field(min_length=1, max_length=1000)


class HitOut(BaseModel):
    list: str
    entity_id: str
    matched_name: str
    score: float
    explanation: dict[str, object]


class ScreenResultOut(BaseModel):
    query: dict[str, object]
    hits: list[HitOut]


class ScreenBatchOut(BaseModel):
    algorithm: str
    lists: dict[str, str]
    results: list[ScreenResultOut]


class ScreeningRunOut(BaseModel):
    id: int
    trigger: str
    status: str
    reason: str
    algorithm: str
    lists: dict[str, str]
    hits: list[ScreeningHit]
    new_hits: int
    flagged: bool
    run_by: str
    run_at: dt.datetime


class FalsePositiveOut(BaseModel):
    id: int
    party_name: str
    list_id: str
    entity_id: str
    list_version: str
    entry_sha256: str
    reasons: str
    marked_at: dt.datetime


class CaseScreeningOut(BaseModel):
    application_id: int
    hits: list[ScreeningHit]
    runs: list[ScreeningRunOut]
    false_positives: list[FalsePositiveOut]


class RescreenIn(_In):
    threshold: float | None = Field(default=None, ge=0.5, le=1)


class RescreenOut(BaseModel):
    screened: int
    flagged: list[str] = Field(description="references of the cases whose parties now hit")


class FalsePositiveIn(Versioned):
    hit: int = Field(ge=0, le=10_000, description="index of the hit in the case's screening")
    reasons: str = Field(min_length=1, max_length=4000, pattern=_NO_NUL)


class ScreenCaseIn(Versioned):
    threshold: float | None = Field(default=None, ge=0.5, le=1)


# -- the applicant's view of a case (register/audience.py decides what is in it) ----------------


class ApplicantSummary(BaseModel):
    """One line of an applicant's list: its case with the status an exporter is told."""

    audience: Literal["applicant"] = "applicant"
    id: int
    reference: str
    company: str
    status: str = Field(description="the exporter's status: draft, submitted, under review, ...")
    version: int
    kind: str
    importing_state: str
    end_user: str
    categories: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class CitedCriterionOut(BaseModel):
    rule: str
    citation: str


class ReleasedDecisionOut(BaseModel):
    outcome: str
    decided_on: dt.date
    conditions: list[str]
    criteria: list[CitedCriterionOut] = Field(description="the criteria a refusal rests on")
    reasons: str = Field(description="the reasons the authority released; empty: none")


class PublicShipmentOut(BaseModel):
    item: int
    quantity: int
    shipped_on: dt.date
    reference: str | None
    delivery_verified_on: dt.date | None


class PublicLicenceOut(BaseModel):
    audience: Literal["applicant"] = "applicant"
    number: str
    state: str
    issued_on: dt.date
    valid_until: dt.date
    conditions: list[str]
    licensed: list[int]
    shipped: list[int]
    shipments: list[PublicShipmentOut]


class PublicEventOut(BaseModel):
    at: str
    what: str
    by: str = Field(description="'you' or 'the licensing authority', never a staff member")


class PublicClassificationOut(BaseModel):
    item: int
    description: str
    proposed: str
    status: str
    confirmed: str | None


class ApplicantCaseOut(ApplicantSummary):
    application: Application = Field(description="the application as the applicant gave it")
    asks: list[str] = Field(description="what is asked of the applicant now")
    decision: ReleasedDecisionOut | None
    licence: PublicLicenceOut | None
    events: list[PublicEventOut]
    classification: list[PublicClassificationOut] = Field(
        default_factory=list, description="each item's proposed and confirmed control entry"
    )


class ApplicantPage(BaseModel):
    items: list[ApplicantSummary]
    total: int
    limit: int
    offset: int
    next_after: int | None = Field(
        default=None,
        description="pass as `after` for the next page (null on the last page)",
    )


# -- the officer's workspace: judgements and indicator offers ---------------------------------


class JudgementIn(_In):
    """The officer's judgement on a topic (every regime's rules on it) or one rule id:
    likelihood, severity, sources and reasons, or ``not_relevant`` with why."""

    criterion: str = Field(min_length=2, max_length=80, description="a topic or a rule id")
    likelihood: str = Field(default="", max_length=20)
    severity: str = Field(default="", max_length=20)
    source: str = Field(default="", max_length=1000)
    reasons: str = Field(default="", max_length=4000)
    date: dt.date | None = Field(default=None, description="of the sources; default today")
    not_relevant: str = Field(
        default="", max_length=4000, description="why the criterion is not relevant here"
    )


class JudgementsIn(Versioned):
    judgements: list[JudgementIn] = Field(default_factory=list, max_length=100)
    mitigations: list[Mitigation] = Field(
        default_factory=list, max_length=20, description="with the officer's credibility"
    )


class OfferOut(BaseModel):
    """Indicator evidence offered on a case, with the officer's answer if given."""

    key: str
    mapping: str
    rule: str
    indicator: str
    variable: str
    value: float | None = Field(description="none for an official finding")
    year: int | None
    band: str
    reason: str
    topics: list[str]
    evidence: list[Evidence] = Field(description="what the engine weighs if it is accepted")
    status: Literal["offered", "accepted", "rejected"]
    reasons: str = ""


class OfferAcceptIn(Versioned):
    key: str = Field(min_length=1, max_length=200)


class OfferRejectIn(_In):
    key: str = Field(min_length=1, max_length=200)
    reasons: str = Field(min_length=1, max_length=4000)


class OfferDecisionOut(BaseModel):
    id: int
    application_id: int
    offer_key: str
    mapping: str
    rule: str
    indicator: str
    variable: str
    value: float | None
    year: int | None
    band: str
    destination: str
    accepted: bool
    reasons: str
    decided_at: dt.datetime

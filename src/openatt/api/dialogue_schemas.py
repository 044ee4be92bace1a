"""Request and response bodies of the dialogue with the exporter (issue 12, part 5).

What the exporter receives leaves out the authority's internal work: who asked, the
engine's recommendation on an amendment, who decided an appeal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from openatt.api.schemas import Versioned, _In
from openatt.core.model import Application


class QueryIn(_In):
    question: str = Field(min_length=1, max_length=5000)
    respond_by: dt.date | None = Field(
        default=None, description="the day the answer is due (default: the policy's period)"
    )


class AnswerIn(_In):
    answer: str = Field(min_length=1, max_length=5000)
    documents: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="references of documents given with the answer (the documents service)",
    )


class QueryOut(BaseModel):
    id: int
    application_id: int
    question: str
    asked_at: dt.datetime
    respond_by: dt.date
    status: str
    answer: str | None
    documents: list[str]
    answered_at: dt.datetime | None
    asked_by: int | None = Field(default=None, description="staff only")
    overdue: bool


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=10_000, description="@username mentions notify")


class NoteOut(BaseModel):
    id: int
    application_id: int
    text: str
    mentions: list[str]
    written_by: int
    written_at: dt.datetime


class WithdrawIn(Versioned):
    reason: str = Field(min_length=1, max_length=5000)


class AmendIn(Versioned):
    application: Application
    reason: str = Field(min_length=1, max_length=5000)


class DifferenceOut(BaseModel):
    field: str
    before: Any
    after: Any


class AmendmentOut(BaseModel):
    id: int
    application_id: int
    supersedes_id: int
    reason: str
    differences: list[DifferenceOut]
    amended_at: dt.datetime
    recommendation_before: str | None = Field(default=None, description="staff only")
    recommendation_after: str | None = Field(default=None, description="staff only")


class AppealIn(Versioned):
    grounds: str = Field(min_length=1, max_length=10_000)


class AppealDecisionIn(Versioned):
    outcome: Literal["upheld", "dismissed"]
    reasons: str = Field(min_length=1, max_length=10_000)
    conditions: list[str] = Field(default_factory=list, max_length=50)


class AppealOut(BaseModel):
    id: int
    application_id: int
    decision_id: int
    grounds: str
    deadline: dt.date
    lodged_at: dt.datetime
    outcome: str | None
    reasons: str | None
    decided_at: dt.datetime | None
    result_decision_id: int | None
    decided_by: int | None = Field(default=None, description="staff only")
    awaiting_countersign: bool = Field(
        default=False,
        description=(
            "staff only: upheld, and its approval waits for a second person; the exporter "
            "sees such an appeal as pending"
        ),
    )


class NotificationOut(BaseModel):
    id: int
    kind: str
    application_id: int | None
    subject: str
    body: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class TransitionOut(BaseModel):
    event: str
    sources: list[str]
    targets: list[str]
    permission: str
    label: str


class DeadlinesIn(_In):
    today: dt.date | None = Field(
        default=None,
        description="the server's date (another day is refused: issue 13; a test of a later "
        "day runs `openatt notify deadlines --today` on the server)",
    )
    days_before: int | None = Field(
        default=None, ge=0, le=365, description="remind this many days before a deadline"
    )


class DeadlinesOut(BaseModel):
    reminders: int
    overdue: int
    decisions: int
    sent: int
    failed: int
    waiting: int = Field(description="queued, no SMTP server configured")

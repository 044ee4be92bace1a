"""The register's tables (SQLAlchemy 2, typed). Migrations in ``migrations/`` create them.

JSON is stored as canonical text (``Text``), not as a database JSON type, so that every
database returns byte-for-byte what was written: the hash chain and backups depend on it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Role(StrEnum):
    applicant = "applicant"
    officer = "officer"
    senior_reviewer = "senior_reviewer"
    auditor = "auditor"
    admin = "admin"
    monitor = "monitor"
    adviser = "adviser"


class State(StrEnum):
    """Where an application is in its life. See :mod:`openatt.register.lifecycle`."""

    draft = "draft"
    submitted = "submitted"
    screened = "screened"
    assessed = "assessed"
    awaiting_countersign = "awaiting_countersign"
    approved = "approved"
    approved_with_conditions = "approved_with_conditions"
    denied = "denied"
    licensed = "licensed"
    delivery_verified = "delivery_verified"
    expired = "expired"
    suspended = "suspended"
    revoked = "revoked"
    withdrawn = "withdrawn"
    superseded = "superseded"
    appealed = "appealed"
    appeal_dismissed = "appeal_dismissed"


class Outcome(StrEnum):
    approved = "approved"
    approved_with_conditions = "approved_with_conditions"
    denied = "denied"


class LicenceState(StrEnum):
    active = "active"
    suspended = "suspended"
    expired = "expired"
    revoked = "revoked"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    company: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Session(Base):
    """A login token. Only its SHA-256 is stored; it stops working at ``expires_at``."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), doc="for the idle timeout (issue 13)"
    )


class ApplicationRow(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    company: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(32), index=True)
    exporting_state: Mapped[str] = mapped_column(String(3))
    importing_state: Mapped[str] = mapped_column(String(3), index=True)
    end_user: Mapped[str] = mapped_column(String(300))
    categories: Mapped[str] = mapped_column(String(200), doc="comma-separated ATT categories")
    payload: Mapped[str] = mapped_column(Text, doc="the core Application as canonical JSON")
    consultation: Mapped[str] = mapped_column(
        Text, default="[]", doc="ids of notified denials this case is essentially identical to"
    )
    consulted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    retain_until: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own idiom)


class AssessmentRow(Base):
    """The engine's full output for one run (a list of per-regime ``Assessment`` JSON)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    reason: Mapped[str | None] = mapped_column(Text, doc="why it was reassessed (ATT 7.7)")
    as_of: Mapped[dt.date] = mapped_column(Date)
    regimes: Mapped[str] = mapped_column(String(100))
    recommendation: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(Text)
    law_version: Mapped[str] = mapped_column(String(100))
    engine_version: Mapped[str] = mapped_column(String(100))
    assessed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text, default="[]")
    criteria: Mapped[str] = mapped_column(
        Text, default="[]", doc="rule ids the decision rests on (a denial's criteria)"
    )
    against_recommendation: Mapped[bool] = mapped_column(Boolean)
    four_eyes_required: Mapped[bool] = mapped_column(Boolean)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    countersigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    countersigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), doc="pending, effective or returned")


class LicenceRow(Base):
    __tablename__ = "licences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    conditions: Mapped[str] = mapped_column(Text, default="[]")


class ShipmentRow(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), index=True)
    item: Mapped[int] = mapped_column(Integer, doc="index of the item in the application")
    quantity: Mapped[int] = mapped_column(Integer)
    shipped_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delivery_verified_on: Mapped[dt.date | None] = mapped_column(Date)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verification: Mapped[str | None] = mapped_column(Text, doc="e.g. the delivery certificate")


class DenialRow(Base):
    """A denial notification: our own (from a denied case) or imported from another state."""

    __tablename__ = "denials"
    __table_args__ = (UniqueConstraint("notifying_state", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notifying_state: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(100))
    denied_on: Mapped[dt.date] = mapped_column(Date)
    destination: Mapped[str] = mapped_column(String(3), index=True)
    end_user: Mapped[str] = mapped_column(String(300))
    categories: Mapped[str] = mapped_column(String(200))
    control_entries: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(String(300), default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConsultationRow(Base):
    """The consultation held with a notifying state before approving an essentially identical
    transaction (EU Common Position Art. 4(1))."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    denial_id: Mapped[int] = mapped_column(ForeignKey("denials.id"))
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DenialRevocationRow(Base):
    """The withdrawal of one of our own denial notifications, when the refusal it notified no
    longer stands (an appeal upheld). Kept beside the notification, never by changing it, so
    that what was notified and when it was withdrawn both stay on record."""

    __tablename__ = "denial_revocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    denial_id: Mapped[int] = mapped_column(ForeignKey("denials.id"), unique=True)
    revoked_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReportRow(Base):
    """One generated report (ATT annual, UN Register, national): what it covered, the moment
    of the register it was computed from, and the checksums of its figures and file. A
    correction is a new row that ``supersedes`` the earlier version, never an overwrite."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(20))
    reporting_state: Mapped[str] = mapped_column(String(3), default="")
    as_of: Mapped[str] = mapped_column(String(40), doc="UTC ISO moment of the register used")
    version: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    status: Mapped[str] = mapped_column(String(20), doc="generated or submitted")
    format: Mapped[str] = mapped_column(String(20))
    figures_sha256: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ScreeningRunRow(Base):
    """One screening of an application's parties: on submission, by an officer, or again
    after a new list version. ``status`` is ``done`` or ``unavailable`` (no list loaded: the
    case says so rather than pretend it was screened). ``flagged``: a re-screening found a
    hit that the previous screening did not have."""

    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20), doc="submission, officer or rescreen")
    status: Mapped[str] = mapped_column(String(20), doc="done or unavailable")
    reason: Mapped[str] = mapped_column(Text, default="")
    algorithm: Mapped[str] = mapped_column(String(80), default="")
    lists: Mapped[str] = mapped_column(Text, default="{}", doc="list id -> version, JSON")
    hits: Mapped[str] = mapped_column(Text, default="[]", doc="the ScreeningHits, JSON")
    new_hits: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    run_by: Mapped[str] = mapped_column(String(120))
    run_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FalsePositiveRow(Base):
    """An officer's judgement that a party is not the listed entity it matched. It holds for
    that party name and that list entry as long as the entry is unchanged (``entry_sha256``
    is the digest of the entry as stored in the list version judged)."""

    __tablename__ = "false_positives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    party_key: Mapped[str] = mapped_column(String(300), index=True)
    party_name: Mapped[str] = mapped_column(String(300))
    list_id: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(120))
    entry_sha256: Mapped[str] = mapped_column(String(64))
    list_version: Mapped[str] = mapped_column(String(120))
    reasons: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DecisionReleaseRow(Base):
    """What of a decision the authority releases to the applicant: its own wording of the
    reasons (the criteria are cited from the decision's rule ids). Kept apart from the
    decision row so that decisions recorded before it existed keep their logged digest."""

    __tablename__ = "decision_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    reasons: Mapped[str] = mapped_column(Text)
    released_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OfferDecisionRow(Base):
    """An officer's acceptance or rejection of indicator evidence offered on a case (see
    :mod:`openatt.register.offers`). Rejections, with their reasons, are the evidence the
    next indicator mapping is revised on, so they are kept queryable here."""

    __tablename__ = "offer_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    offer_key: Mapped[str] = mapped_column(String(200))
    mapping: Mapped[str] = mapped_column(String(80), index=True)
    rule: Mapped[str] = mapped_column(String(120))
    indicator: Mapped[str] = mapped_column(String(120))
    variable: Mapped[str] = mapped_column(String(120))
    value: Mapped[float | None] = mapped_column(Float, doc="none for an official finding")
    year: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(Text)
    destination: Mapped[str] = mapped_column(String(3), doc="the case's importing state")
    accepted: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DocumentBlobRow(Base):
    """One stored file, by the SHA-256 of its content (so the same file is kept once). The
    bytes are on disk (``stored_in`` disk, under the documents folder) or here, as base64 text
    so that backups stay one JSON document (``stored_in`` database). Not an entity of the log:
    the case document that names the digest is, and every read checks the bytes against it."""

    __tablename__ = "document_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    stored_in: Mapped[str] = mapped_column(String(20), doc="disk or database")
    content: Mapped[str | None] = mapped_column(Text, doc="base64, when stored in the database")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CaseDocumentRow(Base):
    """A document on a case: supplied by the applicant, added by the authority, or a letter
    the authority issued. ``added_by`` is the login that added it, never a field of the form."""

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), doc="a DocumentKind, or a letter's kind")
    reference: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(ForeignKey("document_blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(20), doc="applicant, authority or letter")
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LetterRow(Base):
    """A licence or refusal letter issued as PDF: its unguessable reference (printed on it)
    and the SHA-256 of the PDF, which the public verification page checks."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), doc="licence or refusal")
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("case_documents.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    licence_id: Mapped[int | None] = mapped_column(ForeignKey("licences.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Event(Base):
    """One change, in an append-only, hash-chained log (see :mod:`openatt.register.audit`)."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40), doc="UTC ISO timestamp, as hashed")
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    retain_until: Mapped[dt.date] = mapped_column(Date)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainHead(Base):
    """The last sequence number and hash, kept apart from the log so that deleting the
    last events (which leaves a shorter but still valid chain) is noticed."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class LoginAttemptRow(Base):
    """One login attempt, kept in the log (issue 13): throttling counts the failures per
    account and per address, and an auditor sees who tried what, from where."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class UserFactorRow(Base):
    """A staff user's TOTP second factor (RFC 6238), where the deployment asks for one."""

    __tablename__ = "user_factors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


from openatt.register.dialogue_models import (  # noqa: E402 (tables of the dialogue, issue 12)
    AmendmentRow,
    AppealRow,
    CaseNoteRow,
    MailAddressRow,
    NotificationRow,
    QueryRow,
)


class AdviceTeamRow(Base):
    """An advising team (defence, foreign affairs, intelligence, technical...): data, not
    code. ``topics`` (JSON list of :class:`openatt.core.model.Topic`) says which of the
    engine's findings its advisers are shown; empty means all."""

    __tablename__ = "advice_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    topics: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AdviceTeamMemberRow(Base):
    """A user (adviser, or an officer) who advises for a team."""

    __tablename__ = "advice_team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("advice_teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AdviceRequestRow(Base):
    """An officer's request to one team for advice on a case, due in working days."""

    __tablename__ = "advice_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("advice_teams.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    working_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True, doc="open or answered")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AdviceRow(Base):
    """One piece of advice on one subject of a case (``item:0``, ``destination:NZL``,
    ``party:end_user``): a team's (``level`` team, answering a request) or the case
    officer's consolidated final advice (``level`` final). Never edited: new advice on the
    same subject marks the earlier row ``replaced``."""

    __tablename__ = "advice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("advice_requests.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("advice_teams.id"))
    level: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(30))
    proviso: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="[]", doc="rule ids relied on, JSON")
    reasons: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), doc="draft, given or replaced")
    author: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AdviceCountersignatureRow(Base):
    """A countersigner's sign-off (or disagreement) on a case's final advice, at level 1 or
    2. A change to the final advice makes earlier signatures ``valid`` False (kept)."""

    __tablename__ = "advice_countersignatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    agree: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(Text)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    signed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# The tables whose rows the log accounts for, by the entity name events use.
ENTITY_TABLES: dict[str, type[Base]] = {
    "user": User,
    "application": ApplicationRow,
    "assessment": AssessmentRow,
    "decision": DecisionRow,
    "licence": LicenceRow,
    "shipment": ShipmentRow,
    "denial": DenialRow,
    "consultation": ConsultationRow,
    "report": ReportRow,
    "screening_run": ScreeningRunRow,
    "false_positive": FalsePositiveRow,
    "decision_release": DecisionReleaseRow,
    "offer_decision": OfferDecisionRow,
    "document": CaseDocumentRow,
    "letter": LetterRow,
    "query": QueryRow,
    "case_note": CaseNoteRow,
    "amendment": AmendmentRow,
    "appeal": AppealRow,
    "notification": NotificationRow,
    "mail_address": MailAddressRow,
    "advice_team": AdviceTeamRow,
    "advice_team_member": AdviceTeamMemberRow,
    "advice_request": AdviceRequestRow,
    "advice": AdviceRow,
    "advice_countersignature": AdviceCountersignatureRow,
    "login_attempt": LoginAttemptRow,
    "user_factor": UserFactorRow,
    "denial_revocation": DenialRevocationRow,
}

# Queues, assignment, flags and routing (issue 12) live in their own module.
from openatt.register.queue_tables import QUEUE_ENTITIES  # noqa: E402

ENTITY_TABLES.update(QUEUE_ENTITIES)

# The authority's classifications of goods (issue 15) live in their own module too.
from openatt.register.classification_tables import CLASSIFICATION_ENTITIES  # noqa: E402

ENTITY_TABLES.update(CLASSIFICATION_ENTITIES)

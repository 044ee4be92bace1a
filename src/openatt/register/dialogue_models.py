"""The tables of the dialogue with the exporter (issue 12, part 5), kept apart from
:mod:`openatt.register.models` so that the shared module only lists them.

None of them adds a column to an existing table: an added column would change the digest
of every existing row, and the audit log of an upgraded register would no longer verify.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openatt.register.models import Base


class QueryRow(Base):
    """A question from the authority to the exporter (LITE's "ECJU query"), and its answer.
    ``documents``: references of documents given with the answer (JSON list), the seam for
    the documents service."""

    __tablename__ = "queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    respond_by: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), doc="open or answered")
    answer: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[str] = mapped_column(Text, default="[]")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CaseNoteRow(Base):
    """An internal note on a case (staff only); ``mentions``: usernames told of it (JSON)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[str] = mapped_column(Text, default="[]")
    written_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AmendmentRow(Base):
    """A new version of an application (``application_id``) that supersedes an earlier one
    (``supersedes_id``, kept as it was); ``differences``: field by field (JSON)."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    supersedes_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    differences: Mapped[str] = mapped_column(Text)
    recommendation_before: Mapped[str] = mapped_column(String(40))
    recommendation_after: Mapped[str] = mapped_column(String(40))
    amended_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amended_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AppealRow(Base):
    """An appeal against a refusal (``decision_id``), lodged before ``deadline``; decided
    ``upheld`` (a new approving decision, ``result_decision_id``) or ``dismissed``."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    grounds: Mapped[str] = mapped_column(Text)
    deadline: Mapped[dt.date] = mapped_column(Date)
    lodged_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lodged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(20))
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    result_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))


class NotificationRow(Base):
    """One message to one person (the outbox). ``status``: queued (no SMTP server configured
    yet, or not sent yet), sent, failed, or unaddressed (the user has no e-mail address).
    ``key`` makes a reminder unique (a deadline is announced once)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class MailAddressRow(Base):
    """A user's e-mail address for notifications (a table of its own: a new column on
    ``users`` would change every user row's logged digest)."""

    __tablename__ = "mail_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    address: Mapped[str] = mapped_column(String(320))
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

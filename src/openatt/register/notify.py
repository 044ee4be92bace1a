"""Notifications: the outbox, what goes into it, and its delivery by e-mail.

A service that asks, answers, mentions or decides puts one row per person into the outbox
(:func:`enqueue`, in the same transaction as the change, each row an event in the log).
:func:`deliver` sends the queued rows through the SMTP server of :mod:`mailer` when one is
configured, and logs each as sent or failed. Decisions are taken by services this module
does not own, so :func:`announce_decisions` reads them from the log. Deadlines are checked
by :func:`announce_deadlines`, which ``openatt notify deadlines`` runs from a scheduler.

Messages to the exporter say what happened and where to look, never the authority's
internal work (reasons, findings, notes, officers' names).
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openatt.register import audit
from openatt.register.db import Database
from openatt.register.dialogue_models import AppealRow, MailAddressRow, NotificationRow, QueryRow
from openatt.register.errors import Invalid, NotFound
from openatt.register.mailer import MailConfig, message, send
from openatt.register.models import ApplicationRow, Event, Role, State, User
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

MAILER = "system (notifications)"
DECISION_EVENTS = ("application.decide", "application.countersign", "application.appeal_decide")
# The states a decision leaves a case in once it takes effect (an appeal's too).
_DECIDED = frozenset(
    s.value
    for s in (State.approved, State.approved_with_conditions, State.denied, State.appeal_dismissed)
)


def address_of(session: Session, user_id: int) -> str:
    found = session.execute(
        select(MailAddressRow.address).where(MailAddressRow.user_id == user_id)
    ).scalar()
    return str(found) if found else ""


def set_address(session: Session, actor: Actor, username: str, address: str) -> MailAddressRow:
    """Record (or change) a user's e-mail address for notifications (administrators)."""
    require(actor, Permission.users_manage)
    text = address.strip()
    if "@" not in text or " " in text or len(text) > 320 or text.startswith("@"):
        raise Invalid("not an e-mail address", field=("address",))
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"no user {username!r}")
    row = session.execute(select(MailAddressRow).where(MailAddressRow.user_id == user.id)).scalar()
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = MailAddressRow(user_id=user.id, address=text, set_by=actor.label, set_at=now)
        session.add(row)
    else:
        row.address, row.set_by, row.set_at = text, actor.label, now
    session.flush()
    audit.record(
        session, actor=actor.label, action="mail_address.set", row=row, payload={"user": username}
    )
    return row


def applicants_of(session: Session, company: str) -> list[User]:
    """The active applicant users of ``company``: who hears of their case."""
    return list(
        session.execute(
            select(User)
            .where(User.role == Role.applicant.value, User.company == company, User.active)
            .order_by(User.id)
        ).scalars()
    )


def enqueue(
    session: Session,
    actor_label: str,
    *,
    kind: str,
    key: str,
    user: User,
    application: ApplicationRow | None,
    subject: str,
    body: str,
) -> NotificationRow | None:
    """Put one message to ``user`` in the outbox, once per ``key`` (None: already there)."""
    full_key = f"{key}:{user.id}"
    exists = session.execute(
        select(NotificationRow.id).where(NotificationRow.key == full_key)
    ).scalar()
    if exists is not None:
        return None
    address = address_of(session, user.id)
    row = NotificationRow(
        key=full_key,
        kind=kind,
        application_id=application.id if application else None,
        user_id=user.id,
        address=address,
        subject=subject[:300],
        body=body,
        status="queued" if address else "unaddressed",
        error="",
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor_label,
        action="notification.queue",
        row=row,
        payload={
            "kind": kind,
            "to": user.username,
            "application": application.reference if application else None,
        },
    )
    return row


def tell_applicants(
    session: Session,
    actor_label: str,
    row: ApplicationRow,
    *,
    kind: str,
    key: str,
    subject: str,
    body: str,
) -> list[NotificationRow]:
    queued = [
        enqueue(
            session,
            actor_label,
            kind=kind,
            key=key,
            user=user,
            application=row,
            subject=subject,
            body=body,
        )
        for user in applicants_of(session, row.company)
    ]
    return [n for n in queued if n is not None]


def tell_user(
    session: Session,
    actor_label: str,
    user_id: int,
    row: ApplicationRow | None,
    *,
    kind: str,
    key: str,
    subject: str,
    body: str,
) -> NotificationRow | None:
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return enqueue(
        session,
        actor_label,
        kind=kind,
        key=key,
        user=user,
        application=row,
        subject=subject,
        body=body,
    )


def mine(session: Session, actor: Actor, *, limit: int = 50) -> list[NotificationRow]:
    """The latest notifications addressed to the acting user."""
    return list(
        session.execute(
            select(NotificationRow)
            .where(NotificationRow.user_id == actor.id)
            .order_by(NotificationRow.id.desc())
            .limit(limit)
        ).scalars()
    )


def of_application(session: Session, application_id: int) -> list[NotificationRow]:
    return list(
        session.execute(
            select(NotificationRow)
            .where(NotificationRow.application_id == application_id)
            .order_by(NotificationRow.id)
        ).scalars()
    )


def announce_decisions(session: Session, *, recent_days: int = 30) -> list[NotificationRow]:
    """Tell the exporter of every decision that took effect in the last ``recent_days``
    days and has not been announced: read from the log (decide, countersign, appeal
    decision), so no deciding service needs to know about notifications. (The window keeps
    an upgraded register from announcing years of old decisions at once.)"""
    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=recent_days)).isoformat()
    announced = session.execute(
        select(func.max(NotificationRow.id)).where(NotificationRow.kind == "decision")
    ).scalar()
    since = 0
    if announced is not None:
        last = session.get(NotificationRow, announced)
        since = int(last.key.split(":")[1]) if last is not None else 0
    queued: list[NotificationRow] = []
    events = session.execute(
        select(Event)
        .where(
            Event.seq > since,
            Event.action.in_(DECISION_EVENTS),
            Event.entity == "application",
            Event.at >= cutoff,
        )
        .order_by(Event.seq)
    ).scalars()
    for event in events:
        state = json.loads(event.payload).get("state")
        if state not in _DECIDED:
            continue
        row = session.get(ApplicationRow, event.entity_id)
        if row is None:
            continue
        outcome = str(state).replace("_", " ")
        queued += tell_applicants(
            session,
            MAILER,
            row,
            kind="decision",
            key=f"decision:{event.seq}",
            subject=f"Decision on {row.reference}: {outcome}",
            body=(
                f"The licensing authority has decided on application {row.reference}: "
                f"{outcome}.\n\nLog in to the register to read the decision"
                + (", its reasons and how to appeal." if state == State.denied.value else ".")
            ),
        )
    return queued


@dataclass
class DeadlineReport:
    reminders: list[NotificationRow] = field(default_factory=list)
    overdue: list[NotificationRow] = field(default_factory=list)
    decisions: list[NotificationRow] = field(default_factory=list)


def announce_deadlines(session: Session, today: dt.date, days_before: int) -> DeadlineReport:
    """Remind exporters of questions due within ``days_before`` days and of appeal windows
    about to close; tell them and the asking officer of questions past their date. Each
    reminder is sent once (the outbox key)."""
    if not 0 <= days_before <= 365:
        raise Invalid("must be between 0 and 365", field=("days_before",))
    if today.year >= 9999:
        raise Invalid("not a day this register can reach", field=("today",))
    horizon = today + dt.timedelta(days=days_before)
    report = DeadlineReport(decisions=announce_decisions(session))
    for query in session.execute(
        select(QueryRow).where(QueryRow.status == "open", QueryRow.respond_by <= horizon)
    ).scalars():
        row = session.get(ApplicationRow, query.application_id)
        if row is None:
            continue
        if query.respond_by < today:
            subject = f"{row.reference}: a question is past its answer date"
            body = (
                f"The question of {query.asked_at.date()} on application {row.reference} "
                f"was to be answered by {query.respond_by}. It is still open."
            )
            report.overdue += tell_applicants(
                session,
                MAILER,
                row,
                kind="query.overdue",
                key=f"query.overdue:{query.id}",
                subject=subject,
                body=body + " Log in to answer it.",
            )
            told = tell_user(
                session,
                MAILER,
                query.asked_by,
                row,
                kind="query.overdue",
                key=f"query.overdue:{query.id}",
                subject=subject,
                body=body,
            )
            if told is not None:
                report.overdue.append(told)
        else:
            report.reminders += tell_applicants(
                session,
                MAILER,
                row,
                kind="query.due",
                key=f"query.due:{query.id}",
                subject=f"{row.reference}: please answer by {query.respond_by}",
                body=(
                    f"The licensing authority asked a question on application {row.reference}"
                    f" and needs your answer by {query.respond_by}. Log in to answer it."
                ),
            )
    report.reminders += _appeal_windows(session, today, horizon)
    return report


def _appeal_windows(session: Session, today: dt.date, horizon: dt.date) -> list[NotificationRow]:
    from openatt.register.appeals import refusal_of

    queued: list[NotificationRow] = []
    for row in session.execute(
        select(ApplicationRow).where(ApplicationRow.state == State.denied.value)
    ).scalars():
        found = refusal_of(session, row.id)
        if found is None:
            continue
        refusal, deadline = found
        lodged = session.execute(
            select(AppealRow.id).where(AppealRow.decision_id == refusal.id)
        ).scalar()
        if lodged is None and today <= deadline <= horizon:
            queued += tell_applicants(
                session,
                MAILER,
                row,
                kind="appeal.window",
                key=f"appeal.window:{refusal.id}",
                subject=f"{row.reference}: an appeal must be lodged by {deadline}",
                body=(
                    f"Application {row.reference} was refused. An appeal against the refusal "
                    f"may be lodged until {deadline}. Log in to lodge one."
                ),
            )
    return queued


@dataclass(frozen=True)
class Delivery:
    configured: bool
    sent: int
    failed: int
    waiting: int


def deliver(db: Database, config: MailConfig | None, *, limit: int = 500) -> Delivery:
    """Send the queued notifications (one transaction each, so a failure leaves the others
    alone); without a configured server they wait in the outbox."""
    with db.read() as session:
        waiting = list(
            session.execute(
                select(NotificationRow.id)
                .where(NotificationRow.status == "queued")
                .order_by(NotificationRow.id)
                .limit(limit)
            ).scalars()
        )
    if config is None:
        return Delivery(False, 0, 0, len(waiting))
    sent = failed = 0
    for notification_id in waiting:
        with db.write() as session:
            row = session.get(NotificationRow, notification_id)
            if row is None or row.status != "queued":
                continue
            try:
                send(config, [message(config, row.address, row.subject, row.body)])
            except (smtplib.SMTPException, OSError) as error:
                row.status, row.error = "failed", f"{type(error).__name__}: {error}"[:500]
                failed += 1
            else:
                row.status, row.sent_at = "sent", dt.datetime.now(dt.UTC)
                sent += 1
            audit.record(
                session,
                actor=MAILER,
                action=f"notification.{row.status}",
                row=row,
                payload={"kind": row.kind, "error": row.error or None},
            )
    return Delivery(True, sent, failed, 0)


def deliver_now(db: Database) -> Delivery:
    """Announce decisions, then send what is queued with the environment's SMTP settings
    (the API and web handlers call this after a dialogue change is committed)."""
    from openatt.register.mailer import config_from_env

    with db.write() as session:
        announce_decisions(session)
    try:
        config = config_from_env()
    except Invalid:  # a bad setting: keep the outbox; `openatt notify send` names the field
        config = None
    return deliver(db, config)


def counts(rows: Iterable[NotificationRow]) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in rows:
        found[row.status] = found.get(row.status, 0) + 1
    return found

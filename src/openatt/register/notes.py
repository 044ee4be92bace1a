"""Case notes: the authority's internal record of its work on a case, never shown to the
exporter. ``@username`` mentions an active member of staff, who is notified."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit, canonical, notify
from openatt.register.applications import get
from openatt.register.dialogue_models import CaseNoteRow
from openatt.register.errors import Invalid
from openatt.register.models import User
from openatt.register.permissions import GRANTS, Permission, require
from openatt.register.users import Actor

MAX_NOTE = 10_000
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.-]{1,80})")


def mentioned(text: str) -> list[str]:
    """The usernames ``@mentioned`` in ``text``, in order, once each (trailing dots off)."""
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def of_application(session: Session, actor: Actor, application_id: int) -> list[CaseNoteRow]:
    require(actor, Permission.note_read)
    row = get(session, actor, application_id)
    return list(
        session.execute(
            select(CaseNoteRow).where(CaseNoteRow.application_id == row.id).order_by(CaseNoteRow.id)
        ).scalars()
    )


def write(session: Session, actor: Actor, application_id: int, *, text: str) -> CaseNoteRow:
    """Add a note; every ``@mention`` must name a member of staff who may read notes."""
    require(actor, Permission.note_write)
    body = text.strip()
    if not body:
        raise Invalid("write the note", field=("text",))
    if len(body) > MAX_NOTE:
        raise Invalid(f"at most {MAX_NOTE} characters", field=("text",))
    row = get(session, actor, application_id)
    names = mentioned(body)
    readers = {r.value for r in GRANTS[Permission.note_read]}
    people: list[User] = []
    for name in names:
        user = session.execute(select(User).where(User.username == name)).scalar()
        if user is None or not user.active or user.role not in readers:
            raise Invalid(f"@{name} is not a colleague who can read case notes", field=("text",))
        people.append(user)
    note = CaseNoteRow(
        application_id=row.id,
        text=body,
        mentions=canonical.dumps(names),
        written_by=actor.id,
        written_at=dt.datetime.now(dt.UTC),
    )
    session.add(note)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="case_note.write",
        row=note,
        payload={"application": row.reference, "mentions": names},
    )
    for user in people:
        if user.id == actor.id:
            continue
        notify.enqueue(
            session,
            actor.label,
            kind="note.mention",
            key=f"note.mention:{note.id}",
            user=user,
            application=row,
            subject=f"{row.reference}: {actor.username} mentioned you in a case note",
            body=f"{actor.username} wrote on {row.reference}:\n\n{body}",
        )
    return note

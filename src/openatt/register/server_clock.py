"""Dates the server owns (issue 13): the issue date of a licence and the day a licence runs
out are the server's clock, never a client's; licences past their last day are expired by
``openatt licences expire`` (scheduled) and reported as expired on read until then."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register.errors import Invalid
from openatt.register.models import ApplicationRow, LicenceRow, LicenceState, Role, State
from openatt.register.users import Actor

# Who expires licences on schedule: the server's clock, with an officer's right to expire
# (and no other); the log names it.
CLOCK = Actor(id=0, username="server-clock", role=Role.officer, company=None)


def today() -> dt.date:
    return dt.date.today()


def refuse_client_date(given: dt.date | None, field: str) -> None:
    """A client may repeat today's date but not choose another one."""
    if given is not None and given != today():
        raise Invalid(
            f"{field} is the server's date ({today()}); it cannot be set to {given}",
            field=(field,),
        )


def effective_state(licence: LicenceRow, day: dt.date | None = None) -> str:
    """A licence's state as of ``day``: an active one past its last day reads as expired."""
    if licence.state == LicenceState.active.value and licence.valid_until < (day or today()):
        return LicenceState.expired.value
    return licence.state


def expire_due(session: Session, actor: Actor = CLOCK) -> list[str]:
    """Expire every licence whose last day has passed; returns their numbers."""
    from openatt.register.licensing import expire

    day = today()
    due = session.execute(
        select(LicenceRow.number, ApplicationRow.id)
        .join(ApplicationRow, ApplicationRow.id == LicenceRow.application_id)
        .where(
            LicenceRow.state == LicenceState.active.value,
            LicenceRow.valid_until < day,
            ApplicationRow.state.in_([State.licensed.value, State.delivery_verified.value]),
        )
        .order_by(LicenceRow.id)
    ).all()
    for _number, application_id in due:
        expire(session, actor, application_id, today=day)
    return [str(number) for number, _ in due]

"""What one insider cannot do alone (issue 13): clear a sanctions hit and decide the case,
or decide under a decision date earlier than the case itself, whether that date is the
application's or the one an assessment was run ``as_of`` (it chooses the law applied).

A hit is cleared only through the false-positive route (:mod:`openatt.register.screening`),
with reasons; the case then needs a second person to countersign, and that person may not
be the one who cleared the hit. A manual "no matches" record is allowed only when screening
against the loaded lists was not possible, and must name the lists used elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Application, ScreeningHit
from openatt.register.errors import Conflict, Forbidden, Invalid
from openatt.register.models import ApplicationRow, FalsePositiveRow, ScreeningRunRow

MIN_LISTS_NAMED = 10  # characters: "UN, OFAC" is the shortest honest answer we accept


def reasons_for_second_person(
    row: ApplicationRow, application: Application, as_of: dt.date | None = None
) -> list[str]:
    """Why a decision on this case needs a countersignature beyond the ordinary rules.
    ``as_of``: the date the assessment decided on was run under (the law of that day)."""
    reasons = []
    cleared = [hit for hit in application.screening if hit.false_positive]
    if cleared:
        names = ", ".join(sorted({f"{h.party_name} ({h.list_id})" for h in cleared}))
        reasons.append(f"a sanctions hit was cleared as a false positive: {names}")
    created = row.created_at.date()
    if application.date < created:
        reasons.append(
            f"the decision date {application.date} is before the case was created ({created})"
        )
    if as_of is not None and as_of < created and as_of != application.date:
        reasons.append(
            f"the case was assessed under the law of {as_of}, before it was created ({created})"
        )
    return reasons


def check_manual_screening(
    session: Session,
    row: ApplicationRow,
    application: Application,
    hits: Sequence[ScreeningHit],
    lists_used: str,
) -> None:
    """Refuse a hand-recorded screening that would clear a hit, or a "no matches" while the
    loaded lists could have been used."""
    if any(hit.false_positive for hit in hits):
        raise Invalid(
            "a hit is cleared only as a false positive, with reasons "
            "(POST /applications/{id}/screening/false-positive)",
            field=("hits",),
        )
    kept = {(h.party_role, h.party_name, h.list_id, h.entity_id) for h in hits}
    for index, hit in enumerate(application.screening):
        key = (hit.party_role, hit.party_name, hit.list_id, hit.entity_id)
        if not hit.false_positive and key not in kept:
            raise Conflict(
                f"screening hit {index} ({hit.party_name} on {hit.list_id}) cannot be removed "
                "by recording a new screening: mark it as a false positive with reasons",
                field=("hits",),
            )
    if hits:
        return
    last = session.execute(
        select(ScreeningRunRow)
        .where(ScreeningRunRow.application_id == row.id)
        .order_by(ScreeningRunRow.id.desc())
        .limit(1)
    ).scalar()
    if last is not None and last.status == "done":
        raise Conflict(
            "the parties were screened against the loaded lists: 'no matches' may be recorded "
            "by hand only when that screening was not possible",
            field=("hits",),
        )
    if len(lists_used.strip()) < MIN_LISTS_NAMED:
        raise Invalid(
            "name the lists the parties were screened against elsewhere, and when",
            field=("lists_used",),
        )


def check_countersigner(
    session: Session, application_id: int, signer_id: int, application: Application | None = None
) -> None:
    """The person who cleared a hit on this case cannot be the second person; nor can the
    one whose judgement on another case cleared a hit here (a screening remembers an
    officer's false positive for the same party and the same, unchanged list entry)."""
    cleared_by = set(
        session.execute(
            select(FalsePositiveRow.marked_by).where(
                FalsePositiveRow.application_id == application_id
            )
        ).scalars()
    )
    if application is not None:
        from openatt.register.screening import party_key

        for hit in application.screening:
            if not hit.false_positive:
                continue
            cleared_by.update(
                session.execute(
                    select(FalsePositiveRow.marked_by).where(
                        FalsePositiveRow.party_key == party_key(hit.party_name),
                        FalsePositiveRow.list_id == hit.list_id,
                        FalsePositiveRow.entity_id == hit.entity_id,
                    )
                ).scalars()
            )
    if signer_id in cleared_by:
        raise Forbidden("four-eyes: the second officer cannot be the one who cleared a hit")

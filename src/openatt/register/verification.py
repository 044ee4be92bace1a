"""The public check of a letter: is this a genuine letter of this register, and what is its
status now? No login; read only.

It answers with what the letter itself shows that a customs officer or a bank needs (kind,
date, licence number, holder, destination, validity) and its status today, and nothing more:
no officers, no reasons, no other parties. References carry 120 random bits, so they cannot
be enumerated; an unknown reference or digest gets the same answer whichever it is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register.errors import Invalid
from openatt.register.letters import normalise_reference
from openatt.register.models import (
    ApplicationRow,
    DecisionRow,
    LetterRow,
    LicenceRow,
    State,
)

_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_REFERENCE = 60


@dataclass(frozen=True)
class Verdict:
    """``genuine``: a letter of this register was found and, when a file or digest was
    given, the file is exactly that letter. ``status``: the letter's standing today."""

    genuine: bool
    message: str
    file_matches: bool | None = None
    kind: str | None = None
    reference: str | None = None
    issued_on: dt.date | None = None
    status: str | None = None
    licence_number: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    holder: str | None = None
    destination: str | None = None
    sha256: str | None = None


def parse_digest(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if not _HEX.match(value):
        raise Invalid("a SHA-256 digest is 64 hexadecimal characters (0-9, a-f)", field=("digest",))
    return value


def _status(session: Session, letter: LetterRow, row: ApplicationRow) -> str:
    later = session.execute(
        select(LetterRow.id).where(
            LetterRow.application_id == letter.application_id,
            LetterRow.kind == letter.kind,
            LetterRow.id > letter.id,
        )
    ).first()
    if letter.kind == "licence":
        licence = session.get(LicenceRow, letter.licence_id) if letter.licence_id else None
        state = licence.state if licence is not None else "unknown"
        return f"{state}; superseded by a later letter" if later else state
    decision = session.get(DecisionRow, letter.decision_id)
    in_force = (
        row.state == State.denied.value and decision is not None and decision.status == "effective"
    )
    if in_force and not later:
        return "refused"
    return "superseded: the application was reopened or decided again"


def verify(session: Session, *, reference: str | None, digest: str | None) -> Verdict:
    """Check a letter by its reference, the digest of its PDF, or both."""
    ref = normalise_reference(reference) if reference and reference.strip() else None
    if ref is not None and len(ref) > MAX_REFERENCE:
        raise Invalid("this is not a letter reference (too long)", field=("reference",))
    sha = parse_digest(digest)
    if ref is None and sha is None:
        raise Invalid(
            "give the letter's reference, its SHA-256 digest or the PDF itself",
            field=("reference",),
        )
    if ref is not None:
        letter = session.execute(select(LetterRow).where(LetterRow.reference == ref)).scalar()
    else:
        letter = session.execute(
            select(LetterRow).where(LetterRow.sha256 == sha).order_by(LetterRow.id).limit(1)
        ).scalar()
    if letter is None:
        what = "reference" if ref is not None else "digest"
        return Verdict(
            genuine=False,
            message=f"No letter of this register has this {what}. The document is not a "
            "letter issued here, or it was altered.",
            file_matches=None if sha is None or ref is not None else False,
        )
    row = session.get(ApplicationRow, letter.application_id)
    assert row is not None
    matches = None if sha is None else sha == letter.sha256
    licence = session.get(LicenceRow, letter.licence_id) if letter.licence_id else None
    if matches is False:
        message = (
            "The reference is genuine, but the file is not the letter issued under it: it was "
            "altered, or it is another document. Rely on the facts below, not on the file."
        )
    else:
        message = f"Genuine {letter.kind} letter of this register."
    return Verdict(
        genuine=matches is not False,
        message=message,
        file_matches=matches,
        kind=letter.kind,
        reference=letter.reference,
        issued_on=letter.issued_on,
        status=_status(session, letter, row),
        licence_number=licence.number if licence is not None else None,
        valid_from=licence.issued_on if licence is not None else None,
        valid_until=licence.valid_until if licence is not None else None,
        holder=row.company,
        destination=row.importing_state,
        sha256=letter.sha256,
    )

"""The licence and refusal letters: HTML from Jinja templates, rendered to PDF by WeasyPrint,
stored in the document store with an unguessable reference and the SHA-256 of the PDF.

A letter is issued in the same transaction as the act it records (a licence issued or
reinstated, a refusal in effect), so a letter never describes an act the register does not
hold. Without WeasyPrint the act still goes through, and the case records, as an event in
the hash chain, that its letter could not be made and why; the letter is then made on demand
(:func:`generate`) once WeasyPrint works. Nothing is dropped silently.

The refusal letter cites the criteria released to the applicant (:func:`released_reasons`),
never the officers' reasons or the evidence behind them.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit, documents
from openatt.register.applications import for_change, log, payload_of
from openatt.register.blobs import BlobStore
from openatt.register.errors import Conflict
from openatt.register.filetypes import PDF
from openatt.register.licensing import licence_of
from openatt.register.models import (
    ApplicationRow,
    DecisionRow,
    LetterRow,
    LicenceRow,
    State,
)
from openatt.register.permissions import Permission
from openatt.register.users import Actor
from openatt.settings import get_settings

TEMPLATES = Path(__file__).parent / "letter_templates"
_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _country(code: str) -> str:
    from openatt.reference.states import state_name

    try:
        return f"{state_name(code)} ({code})"
    except (KeyError, LookupError, ValueError):
        return code


_ENV.filters["country"] = _country
# 15 random bytes in base32: 24 characters, 120 bits; grouped in fours to be read aloud.
_TOKEN_BYTES = 15
PREFIX = "OAL"


class LettersUnavailable(Conflict):
    """WeasyPrint (or the Pango library it needs) is missing: no PDF can be made."""


def new_reference() -> str:
    token = base64.b32encode(secrets.token_bytes(_TOKEN_BYTES)).decode("ascii")
    return PREFIX + "-" + "-".join(token[i : i + 4] for i in range(0, len(token), 4))


def normalise_reference(text: str) -> str:
    """A reference as typed (any case, spaces or dashes anywhere) in its printed form."""
    letters = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    if not letters.startswith(PREFIX):
        return letters
    body = letters[len(PREFIX) :]
    return PREFIX + "-" + "-".join(body[i : i + 4] for i in range(0, len(body), 4))


def authority_name(application_state: str) -> str:
    """``OPENATT_AUTHORITY`` if set, else the licensing authority of the deciding state."""
    from openatt.reference.states import state_name

    configured = get_settings().authority.strip()
    if configured:
        return configured
    try:
        return f"Export licensing authority of {state_name(application_state)}"
    except (KeyError, LookupError, ValueError):
        return f"Export licensing authority ({application_state})"


def verification_address() -> str:
    """Where the letter tells its reader to check it: ``OPENATT_PUBLIC_URL`` + /ui/verify."""
    base = get_settings().public_url.strip().rstrip("/")
    return f"{base}/ui/verify" if base else "the register's public page /ui/verify"


def preload() -> None:
    """Import WeasyPrint now, if it is installed. A server calls this at start: imported on
    the first licence or refusal, it held that request and, through the interpreter's lock,
    every other request of the worker for a second or more (issue 16, seventh round). A
    line is rendered too: the first rendering loads the fonts (0.1 s, 0.02 s after)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return  # letters will say why they cannot be made (render_pdf)
    # only a warm-up: whatever fails here fails again, and is handled, in the first letter
    with contextlib.suppress(Exception):
        HTML(string="<p>openatt</p>").write_pdf()


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise LettersUnavailable(
            "letters need WeasyPrint (pip install 'openatt[pdf]') and the Pango library it "
            f"uses: {type(error).__name__}: {error}".splitlines()[0]
        ) from error
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    citation: str


@dataclass(frozen=True)
class ReleasedReasons:
    criteria: list[Criterion]
    text: str | None


def _criterion(rule_id: str, day: dt.date) -> Criterion:
    from openatt.law.loader import LawError, default_law

    try:
        _regime, rule = default_law().find_rule(rule_id)
    except LawError:
        return Criterion(rule_id, rule_id, "")
    title = rule.title
    version = rule.version_on(day)
    citation = "; ".join(str(c) for c in version.citations) if version is not None else ""
    return Criterion(rule_id, title, citation)


def released_reasons(session: Session, decision: DecisionRow) -> ReleasedReasons:
    """What a refusal letter may tell the applicant: the criteria the decision rests on (each
    with its title and citation, as the EU and UK do) and the reasons the deciding officer
    wrote for the applicant (:mod:`openatt.register.releases`; none written: no text). The
    decision's own reasons are internal and never printed.
    """
    from openatt.register.releases import release_of

    day = decision.decided_at.date()
    ids = [str(c) for c in json.loads(decision.criteria or "[]")]
    released = release_of(session, decision.id)
    return ReleasedReasons(
        criteria=[_criterion(i, day) for i in ids],
        text=released.reasons if released is not None else None,
    )


def _common(row: ApplicationRow, reference: str, today: dt.date) -> dict[str, Any]:
    application = payload_of(row)
    return {
        "reference": reference,
        "today": today,
        "case": row,
        "application": application,
        "authority": authority_name(application.deciding_state),
        "verify_at": verification_address(),
    }


def licence_html(row: ApplicationRow, licence: LicenceRow, reference: str, today: dt.date) -> str:
    """The licence letter as HTML (what WeasyPrint renders)."""
    context = _common(row, reference, today)
    context.update(licence=licence, conditions=list(json.loads(licence.conditions or "[]")))
    return _ENV.get_template("licence.html").render(**context)


def refusal_html(
    session: Session, row: ApplicationRow, decision: DecisionRow, reference: str, today: dt.date
) -> str:
    """The refusal letter as HTML, citing the released criteria."""
    context = _common(row, reference, today)
    context.update(decision=decision, released=released_reasons(session, decision))
    return _ENV.get_template("refusal.html").render(**context)


def _store_letter(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    *,
    kind: str,
    reference: str,
    pdf: bytes,
    decision: DecisionRow,
    licence: LicenceRow | None,
    today: dt.date,
    store: BlobStore,
) -> LetterRow:
    document = documents.store_file(
        session,
        actor,
        row,
        kind=documents.LETTER_KINDS[kind],
        origin=documents.LETTER,
        filename=f"{kind}-letter-{reference}.pdf",
        content=pdf,
        media_type=PDF,
        reference=reference,
        store=store,
    )
    letter = LetterRow(
        application_id=row.id,
        kind=kind,
        reference=reference,
        document_id=document.id,
        sha256=document.sha256,
        licence_id=licence.id if licence is not None else None,
        decision_id=decision.id,
        issued_on=today,
        issued_by=actor.id,
        issued_at=dt.datetime.now(dt.UTC),
    )
    session.add(letter)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="letter.issue",
        row=letter,
        payload={
            "application": row.reference,
            "kind": kind,
            "reference": reference,
            "sha256": letter.sha256,
            "licence": licence.number if licence is not None else None,
        },
    )
    return letter


def licence_letter(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    licence: LicenceRow,
    store: BlobStore | None = None,
) -> LetterRow:
    """Render and store the letter of ``licence`` as it stands (number, validity,
    conditions)."""
    decision = session.get(DecisionRow, licence.decision_id)
    assert decision is not None
    reference = new_reference()
    today = dt.date.today()
    pdf = render_pdf(licence_html(row, licence, reference, today))
    return _store_letter(
        session,
        actor,
        row,
        kind="licence",
        reference=reference,
        pdf=pdf,
        decision=decision,
        licence=licence,
        today=today,
        store=store or BlobStore.from_environment(),
    )


def refusal_letter(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    decision: DecisionRow,
    store: BlobStore | None = None,
) -> LetterRow:
    """Render and store the letter of a refusal in effect, citing the released criteria."""
    reference = new_reference()
    today = dt.date.today()
    pdf = render_pdf(refusal_html(session, row, decision, reference, today))
    return _store_letter(
        session,
        actor,
        row,
        kind="refusal",
        reference=reference,
        pdf=pdf,
        decision=decision,
        licence=None,
        today=today,
        store=store or BlobStore.from_environment(),
    )


def _unavailable(
    session: Session, actor: Actor, row: ApplicationRow, kind: str, error: LettersUnavailable
) -> None:
    log(session, actor, "application.letter_unavailable", row, letter=kind, reason=error.message)


def after_licence(session: Session, actor: Actor, row: ApplicationRow, licence: LicenceRow) -> None:
    """Called where a licence is issued or reinstated: its letter, or the recorded reason
    why there is none yet."""
    try:
        licence_letter(session, actor, row, licence)
    except LettersUnavailable as error:
        _unavailable(session, actor, row, "licence", error)


def after_refusal(
    session: Session, actor: Actor, row: ApplicationRow, decision: DecisionRow
) -> None:
    """Called where a refusal takes effect: its letter, or the recorded reason why not."""
    try:
        refusal_letter(session, actor, row, decision)
    except LettersUnavailable as error:
        _unavailable(session, actor, row, "refusal", error)


def letters_of(session: Session, application_id: int) -> list[LetterRow]:
    return list(
        session.execute(
            select(LetterRow)
            .where(LetterRow.application_id == application_id)
            .order_by(LetterRow.id)
        ).scalars()
    )


def _effective_refusal(session: Session, row: ApplicationRow) -> DecisionRow | None:
    if row.state != State.denied.value:
        return None
    return session.execute(
        select(DecisionRow)
        .where(
            DecisionRow.application_id == row.id,
            DecisionRow.status == "effective",
            DecisionRow.outcome == "denied",
        )
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).scalar()


DUE_STATES = frozenset({State.licensed.value, State.delivery_verified.value, State.denied.value})


def due(session: Session, row: ApplicationRow, issued: list[LetterRow] | None = None) -> str | None:
    """The letter the case should have and does not (``licence`` or ``refusal``), if any;
    ``issued``: the case's letters when the caller has them already."""
    if row.state not in DUE_STATES:
        return None
    if issued is None:
        issued = letters_of(session, row.id)
    licence = licence_of(session, row.id)
    if licence is not None and licence.state == "active":
        if not any(
            letter.licence_id == licence.id and letter.decision_id == licence.decision_id
            for letter in issued
        ):
            return "licence"
        return None
    refusal = _effective_refusal(session, row)
    if refusal is not None and not any(letter.decision_id == refusal.id for letter in issued):
        return "refusal"
    return None


def generate(
    session: Session,
    actor: Actor,
    application_id: int,
    store: BlobStore | None = None,
) -> LetterRow:
    """Make the letter a case is due (e.g. WeasyPrint was missing when the licence was
    issued); :class:`Conflict` when none is due, :class:`LettersUnavailable` without PDF."""
    row = for_change(
        session,
        actor,
        application_id,
        Permission.letter_issue,
        None,
        (State.licensed, State.denied, State.delivery_verified),
    )
    kind = due(session, row)
    if kind == "licence":
        licence = licence_of(session, row.id)
        assert licence is not None
        return licence_letter(session, actor, row, licence, store)
    if kind == "refusal":
        decision = _effective_refusal(session, row)
        assert decision is not None
        return refusal_letter(session, actor, row, decision, store)
    raise Conflict(f"{row.reference} has every letter it is due")

"""What each audience may supply (issue 13): the applicant supplies the application, the
authority supplies what changes its assessment.

An applicant may not mark a document as verified (only the authority checks it with the
issuer, :func:`verify_document`), supply officer, intelligence or indicator evidence, rate
the credibility of a mitigation (its mitigations count as ``low`` until an officer rates
them), or date the application before today (the decision date, and with it the law
applied, is the authority's). Every piece of evidence records who supplied it from the
login, never from the payload.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from openatt.core.model import Application, Credibility, Evidence, EvidenceKind
from openatt.register.applications import _store, for_change, log, payload_of
from openatt.register.errors import Invalid, NotFound
from openatt.register.models import ApplicationRow, Role, State
from openatt.register.permissions import Permission
from openatt.register.users import Actor

# Evidence an applicant may put forward: a published report, weighed with its author.
APPLICANT_EVIDENCE = frozenset({EvidenceKind.report})

# States in which the authority may still verify a document before deciding.
VERIFIABLE = (State.draft, State.submitted, State.screened, State.assessed)


def accept(
    actor: Actor,
    application: Application,
    today: dt.date | None = None,
    previous: tuple[Evidence, ...] = (),
) -> Application:
    """``application`` as this actor may supply it, or :class:`Invalid` naming the field.

    ``previous``: the evidence of the draft this replaces. A piece of it sent back unchanged
    keeps the author who supplied it and is not checked as this actor's input: an officer
    correcting a typo in an exporter's draft does not make the exporter's report the
    authority's, and the exporter may keep the authority's evidence it cannot supply itself.
    Anything new or changed is this actor's."""
    day = today or dt.date.today()
    earlier = {_unsigned(e): e.author for e in previous}
    own = tuple(e for e in application.evidence if _unsigned(e) not in earlier)
    if actor.role == Role.applicant:
        _check_applicant(application.model_copy(update={"evidence": own}), day)
        mitigations = tuple(
            m.model_copy(update={"credibility": Credibility.low}) for m in application.mitigations
        )
        application = application.model_copy(update={"mitigations": mitigations})
    evidence = tuple(
        e.model_copy(update={"author": earlier.get(_unsigned(e), actor.label)})
        for e in application.evidence
    )
    return application.model_copy(update={"evidence": evidence})


def _unsigned(evidence: Evidence) -> str:
    """A piece of evidence without its author, to recognise it when sent back unchanged."""
    return evidence.model_dump_json(exclude={"author"})


def _check_applicant(application: Application, day: dt.date) -> None:
    for index, document in enumerate(application.documents):
        if document.verified:
            raise Invalid(
                "only the licensing authority verifies a document with its issuer",
                field=("documents", index, "verified"),
            )
    for index, evidence in enumerate(application.evidence):
        if evidence.kind not in APPLICANT_EVIDENCE:
            raise Invalid(
                f"{evidence.kind.value} evidence is supplied by the authority; an applicant "
                "may put forward a report",
                field=("evidence", index, "kind"),
            )
    for index, mitigation in enumerate(application.mitigations):
        if "credibility" in mitigation.model_fields_set:
            raise Invalid(
                "the authority rates a mitigation's credibility",
                field=("mitigations", index, "credibility"),
            )
    if application.date < day:
        raise Invalid(
            f"the decision date cannot be before today ({day}): the law applied is the "
            "authority's to date",
            field=("date",),
        )


def verify_document(
    session: Session,
    actor: Actor,
    application_id: int,
    index: int,
    how: str,
    expected_version: int | None = None,
) -> ApplicationRow:
    """The authority records that it checked document ``index`` with its issuer."""
    if not how.strip():
        raise Invalid("say how the document was checked with its issuer", field=("how",))
    row = for_change(
        session, actor, application_id, Permission.application_assess, expected_version, VERIFIABLE
    )
    application = payload_of(row)
    if not 0 <= index < len(application.documents):
        raise NotFound(f"application {application_id} has no document {index}")
    documents = list(application.documents)
    documents[index] = documents[index].model_copy(update={"verified": True})
    _store(row, application.model_copy(update={"documents": tuple(documents)}), reindex=True)
    log(session, actor, "application.verify_document", row, document=index, how=how.strip())
    return row

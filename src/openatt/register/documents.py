"""Documents on a case: upload (type read from the content, size limited, stored once by
SHA-256), the list each audience may see, and download.

Who added a document is the login (``actor``), never a field of the form. A document the
applicant supplies also enters the application's ``documents`` (its kind and reference,
unverified: verifying it with the issuer is the authority's act), so the engine's diversion
criteria see that an end-user certificate was supplied; the authority's own documents do not
(the applicant reads its application, and they are internal). Every upload is an event in
the hash chain.

For other services (the dialogue's answers, say): call :func:`add` inside the caller's
transaction and keep the returned row's ``id``; :func:`visible` and :func:`open_document`
apply the same audience rules everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Document, DocumentKind
from openatt.register import audit, filetypes
from openatt.register.applications import _store, for_change, get, log, payload_of
from openatt.register.blobs import BlobStore
from openatt.register.errors import Invalid, NotFound
from openatt.register.models import (
    ApplicationRow,
    CaseDocumentRow,
    LetterRow,
    Role,
    State,
    User,
)
from openatt.register.permissions import Permission
from openatt.register.users import Actor

APPLICANT = "applicant"
AUTHORITY = "authority"
LETTER = "letter"
LETTER_KINDS = {"licence": "licence_letter", "refusal": "refusal_letter"}

# An applicant adds documents until the authority decides; the authority adds them to the
# record at any time.
APPLICANT_STATES: tuple[State, ...] = (
    State.draft,
    State.submitted,
    State.screened,
    State.assessed,
)
STAFF_STATES: tuple[State, ...] = tuple(State)
MAX_REFERENCE = 200


def _kind(kind: str) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in DocumentKind)
        raise Invalid(f"unknown document kind {kind!r}; one of: {known}", field=("kind",)) from None


def clean_filename(name: str, media_type: str) -> str:
    """The name shown and offered on download: no folders, no control characters, at most
    120 characters; a neutral name when nothing is left."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if not base:
        base = f"document.{filetypes.EXTENSIONS.get(media_type, 'bin')}"
    return base[:120]


def check_content(content: bytes, store: BlobStore) -> str:
    """The media type of an acceptable upload; :class:`Invalid` on ``file`` otherwise."""
    if not content:
        raise Invalid("the file is empty", field=("file",))
    if len(content) > store.max_bytes:
        limit = store.max_bytes / (1024 * 1024)
        raise Invalid(
            f"the file is larger than the limit of {round(limit, 3):g} MB", field=("file",)
        )
    sniffed = filetypes.sniff(content)
    if sniffed.media_type is None:
        raise Invalid(sniffed.problem or "the file type is not accepted", field=("file",))
    return sniffed.media_type


def _feed_application(
    session: Session, actor: Actor, row: ApplicationRow, kind: DocumentKind, reference: str | None
) -> bool:
    """Record the document's kind and reference in the application (unverified). Returns
    whether the application changed."""
    application = payload_of(row)
    documents = list(application.documents)
    same = next(
        (
            index
            for index, d in enumerate(documents)
            if d.kind == kind and (d.reference == reference or d.reference is None)
        ),
        None,
    )
    if same is None:
        documents.append(Document(kind=kind, reference=reference, verified=False))
    elif documents[same].reference is None and reference:
        documents[same] = documents[same].model_copy(update={"reference": reference})
    else:
        return False
    _store(row, application.model_copy(update={"documents": tuple(documents)}), reindex=True)
    return True


def store_file(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    *,
    kind: str,
    origin: str,
    filename: str,
    content: bytes,
    media_type: str,
    reference: str | None,
    store: BlobStore,
) -> CaseDocumentRow:
    """Store checked content on ``row``'s case and log it (no permission check: callers)."""
    blob = store.put(session, content, media_type)
    document = CaseDocumentRow(
        application_id=row.id,
        kind=kind,
        reference=reference,
        sha256=blob.sha256,
        filename=clean_filename(filename, media_type),
        media_type=media_type,
        size=len(content),
        origin=origin,
        added_by=actor.id,
        added_at=dt.datetime.now(dt.UTC),
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="document.add",
        row=document,
        payload={
            "application": row.reference,
            "kind": kind,
            "reference": reference,
            "sha256": blob.sha256,
            "filename": document.filename,
            "size": document.size,
            "origin": origin,
        },
    )
    return document


def add(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    kind: str,
    filename: str,
    content: bytes,
    reference: str | None = None,
    expected_version: int | None = None,
    store: BlobStore | None = None,
) -> CaseDocumentRow:
    """Add an uploaded document to a case. Refused with the field named, before anything is
    written: unknown kind, reference too long, empty, too large or not an accepted type."""
    store = store or BlobStore.from_environment()
    staff = actor.role != Role.applicant
    row = for_change(
        session,
        actor,
        application_id,
        Permission.document_add,
        expected_version,
        STAFF_STATES if staff else APPLICANT_STATES,
    )
    document_kind = _kind(kind)
    reference = (reference or "").strip() or None
    if reference is not None and any(unicodedata.category(ch)[0] == "C" for ch in reference):
        raise Invalid("the reference contains control characters", field=("reference",))
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise Invalid(
            f"the reference is longer than {MAX_REFERENCE} characters", field=("reference",)
        )
    media_type = check_content(content, store)
    document = store_file(
        session,
        actor,
        row,
        kind=document_kind.value,
        origin=AUTHORITY if staff else APPLICANT,
        filename=filename,
        content=content,
        media_type=media_type,
        reference=reference,
        store=store,
    )
    # Only what the applicant supplies enters its application: the authority's own papers
    # stay behind the wall (the applicant reads its application).
    if not staff and _feed_application(session, actor, row, document_kind, reference):
        log(session, actor, "application.document", row, document=document.id, kind=kind)
    return document


@dataclass(frozen=True)
class DocumentView:
    """A document as one audience sees it: who added it is a name for staff, a role for the
    applicant (officers' names stay behind the wall)."""

    document: CaseDocumentRow
    added_by: str
    letter: LetterRow | None = None


def sees(actor: Actor, document: CaseDocumentRow) -> bool:
    """Applicants see what they supplied and the letters issued to them; staff see all."""
    return actor.role != Role.applicant or document.origin in (APPLICANT, LETTER)


def visible(session: Session, actor: Actor, application_id: int) -> list[DocumentView]:
    """The documents of a case this user may see, oldest first."""
    return views_of(session, actor, get(session, actor, application_id))


def views_of(session: Session, actor: Actor, row: ApplicationRow) -> list[DocumentView]:
    """The documents of ``row`` this user may see; ``row`` was loaded through
    :func:`~openatt.register.applications.get` (so the user may see the case). One query:
    the documents, their letters and who added them."""
    found = session.execute(
        select(CaseDocumentRow, LetterRow, User.username)
        .outerjoin(LetterRow, LetterRow.document_id == CaseDocumentRow.id)
        .join(User, User.id == CaseDocumentRow.added_by)
        .where(CaseDocumentRow.application_id == row.id)
        .order_by(CaseDocumentRow.id)
    ).all()
    applicant = actor.role == Role.applicant
    return [
        DocumentView(
            document=d,
            added_by="the licensing authority" if applicant and d.origin != APPLICANT else name,
            letter=letter,
        )
        for d, letter, name in found
        if sees(actor, d)
    ]


def open_document(
    session: Session,
    actor: Actor,
    application_id: int,
    document_id: int,
    store: BlobStore | None = None,
) -> tuple[CaseDocumentRow, bytes]:
    """A document of a case and its bytes (checked against the digest), if this user may
    see it; :class:`NotFound` otherwise (another company's case, a staff-only document)."""
    row = get(session, actor, application_id)
    document = session.get(CaseDocumentRow, document_id)
    if document is None or document.application_id != row.id or not sees(actor, document):
        raise NotFound(f"document {document_id} not found on this application")
    content = (store or BlobStore.from_environment()).get(session, document.sha256)
    return document, content


def kinds() -> list[str]:
    return [k.value for k in DocumentKind]

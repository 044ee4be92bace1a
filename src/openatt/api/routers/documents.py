"""Documents on a case (multipart upload, list, download), letters made on demand, and the
public verification of a letter: thin handlers over :mod:`openatt.register.documents`,
:mod:`~openatt.register.letters` and :mod:`~openatt.register.verification`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from openatt.api.deps import DB, Allow
from openatt.api.schemas import MAX_ID
from openatt.register import documents, letters, verification
from openatt.register.blobs import BlobStore
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(tags=["documents"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]
DocId = Annotated[int, Path(ge=1, le=MAX_ID, description="document id")]


class DocumentOut(BaseModel):
    id: int
    application_id: int
    kind: str
    reference: str | None
    filename: str
    media_type: str
    size: int
    sha256: str
    origin: str
    added_by: str
    added_at: dt.datetime
    letter_reference: str | None = None


class LetterOut(BaseModel):
    id: int
    application_id: int
    kind: str
    reference: str
    sha256: str
    document_id: int
    issued_on: dt.date


class VerdictOut(BaseModel):
    genuine: bool
    message: str
    file_matches: bool | None
    kind: str | None
    reference: str | None
    issued_on: dt.date | None
    status: str | None
    licence_number: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    holder: str | None
    destination: str | None
    sha256: str | None


def document_out(view: documents.DocumentView) -> DocumentOut:
    d = view.document
    return DocumentOut(
        id=d.id,
        application_id=d.application_id,
        kind=d.kind,
        reference=d.reference,
        filename=d.filename,
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        origin=d.origin,
        added_by=view.added_by,
        added_at=d.added_at,
        letter_reference=view.letter.reference if view.letter else None,
    )


def read_limited(handle: BinaryIO, store: BlobStore) -> bytes:
    """At most one byte more than the limit: enough to refuse a larger file without reading
    all of it into memory."""
    return handle.read(store.max_bytes + 1)


def _verdict(v: verification.Verdict) -> VerdictOut:
    return VerdictOut(**v.__dict__)


@router.post(
    "/applications/{application_id}/documents", response_model=DocumentOut, status_code=201
)
def upload(
    application_id: AppId,
    db: DB,
    actor: Annotated[Actor, Allow(P.document_add)],
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, DOCX, XLSX or ODT")],
    kind: Annotated[str, Form(description="a document kind, e.g. end_user_certificate")],
    reference: Annotated[str | None, Form(max_length=200)] = None,
    version: Annotated[int | None, Form(ge=1)] = None,
) -> DocumentOut:
    """Add a document to a case. Its type is read from its content; the limit is
    OPENATT_DOCUMENT_MAX_MB (20 MB by default)."""
    store = BlobStore.from_environment()
    content = read_limited(file.file, store)
    with db.write() as session:
        row = documents.add(
            session,
            actor,
            application_id,
            kind=kind,
            filename=file.filename or "",
            content=content,
            reference=reference,
            expected_version=version,
            store=store,
        )
        view = next(
            v for v in documents.visible(session, actor, application_id) if v.document.id == row.id
        )
        return document_out(view)


@router.get("/applications/{application_id}/documents", response_model=list[DocumentOut])
def list_documents(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.application_read)]
) -> list[DocumentOut]:
    """The case's documents this user may see (an applicant: its own and its letters)."""
    with db.read() as session:
        return [document_out(v) for v in documents.visible(session, actor, application_id)]


@router.get(
    "/applications/{application_id}/documents/{document_id}/content",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download(
    application_id: AppId,
    document_id: DocId,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_read)],
) -> Response:
    """The file as stored (its digest checked on the way out)."""
    with db.read() as session:
        document, content = documents.open_document(session, actor, application_id, document_id)
    return file_response(document.filename, document.media_type, document.sha256, content)


def file_response(filename: str, media_type: str, sha256: str, content: bytes) -> Response:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(filename)}",
            "X-Content-SHA256": sha256,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/applications/{application_id}/letters", response_model=LetterOut, status_code=201)
def make_letter(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.letter_issue)]
) -> LetterOut:
    """Make the letter a licensed or refused case is due (when it could not be made at the
    time, e.g. WeasyPrint was missing); 409 when none is due."""
    with db.write() as session:
        row = letters.generate(session, actor, application_id)
        return LetterOut(
            id=row.id,
            application_id=row.application_id,
            kind=row.kind,
            reference=row.reference,
            sha256=row.sha256,
            document_id=row.document_id,
            issued_on=row.issued_on,
        )


@router.get("/verify", response_model=VerdictOut, tags=["verify"])
def verify_letter(
    db: DB,
    reference: Annotated[str | None, Query(max_length=60)] = None,
    digest: Annotated[str | None, Query(max_length=64)] = None,
) -> VerdictOut:
    """Public, no login: is this a genuine letter of the register, and its status today?
    Give the reference printed on the letter, the SHA-256 of its PDF, or both."""
    with db.read() as session:
        return _verdict(verification.verify(session, reference=reference, digest=digest))


@router.post("/verify", response_model=VerdictOut, tags=["verify"])
def verify_file(
    db: DB,
    file: Annotated[UploadFile, File(description="the letter's PDF")],
    reference: Annotated[str | None, Form(max_length=60)] = None,
) -> VerdictOut:
    """Public, no login: check a letter's PDF (and, if given, that it is the letter issued
    under ``reference``)."""
    from openatt.register.blobs import digest
    from openatt.register.errors import Invalid

    store = BlobStore.from_environment()
    content = read_limited(file.file, store)
    if not content:
        raise Invalid("the file is empty", field=("file",))
    if len(content) > store.max_bytes:
        raise Invalid("the file is larger than any letter of this register", field=("file",))
    with db.read() as session:
        return _verdict(verification.verify(session, reference=reference, digest=digest(content)))

"""Documents on the case page (upload, download), letters made on demand, and the public
verification page ``/ui/verify`` (no login)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from openatt.api.routers.documents import file_response
from openatt.register import casefile, documents, letters, verification
from openatt.register.blobs import BlobStore, digest
from openatt.register.errors import Conflict, Invalid
from openatt.register.models import Role
from openatt.register.permissions import Permission
from openatt.web.rendering import expected_version, render
from openatt.web.routes.casework import case_url, load_case, place_error, show_case
from openatt.web.security import LoginRequired, Page, Viewer, check_csrf, current_viewer, database

router = APIRouter()

UPLOAD_FIELDS = ("kind", "reference", "file")


@dataclass(frozen=True)
class DocumentsPanel:
    """What the case page's documents card shows to this viewer."""

    views: list[documents.DocumentView]
    can_add: bool
    letter_due: str | None = None
    kinds: list[str] = field(default_factory=documents.kinds)


def panel(request: Request, viewer: Viewer, case: casefile.CaseFile) -> DocumentsPanel:
    actor = viewer.actor
    with database(request).read() as session:
        views = documents.views_of(session, actor, case.row)
        issued = [v.letter for v in views if v.letter is not None]
        due = (
            letters.due(session, case.row, issued) if viewer.may(Permission.letter_issue) else None
        )
    states = documents.APPLICANT_STATES if actor.role == Role.applicant else documents.STAFF_STATES
    can_add = viewer.may(Permission.document_add) and case.row.state in {s.value for s in states}
    return DocumentsPanel(views=views, can_add=can_add, letter_due=due)


async def _upload_form(request: Request) -> tuple[dict[str, str], UploadFile | None]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(request, fields.get("csrf"))
    upload = form.get("file")
    return fields, upload if isinstance(upload, UploadFile) else None


@router.post("/applications/{application_id}/documents", response_model=None)
async def upload(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.document_add)],
) -> Response:
    """Attach a document to the case; refused with the field named, the case page shown
    again with what was typed."""
    fields, file = await _upload_form(request)
    case = load_case(request, viewer, application_id)
    values = {
        "kind": fields.get("kind", ""),
        "reference": fields.get("reference", ""),
        "version": fields.get("version", ""),
    }
    errors: dict[str, str] = {}
    if not values["kind"]:
        errors["kind"] = "Choose the kind of document."
    if file is None or not file.filename:
        errors["file"] = "Choose the file to upload."
    if errors:
        return show_case(request, viewer, case, 422, doc_values=values, doc_errors=errors)
    assert file is not None
    store = BlobStore.from_environment()
    content = await file.read(store.max_bytes + 1)
    try:
        with database(request).write() as session:
            documents.add(
                session,
                viewer.actor,
                application_id,
                kind=values["kind"],
                filename=file.filename or "",
                content=content,
                reference=values["reference"],
                expected_version=expected_version(values["version"]),
                store=store,
            )
    except (Invalid, Conflict) as error:
        place_error(errors, error, {**values, "file": ""})
        return show_case(
            request,
            viewer,
            case,
            422 if isinstance(error, Invalid) else 409,
            doc_values=values,
            doc_errors=errors,
        )
    return RedirectResponse(
        case_url(application_id, "document-added") + "#documents-heading", status_code=303
    )


@router.get("/applications/{application_id}/documents/{document_id}", response_model=None)
def download(
    request: Request,
    application_id: int,
    document_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_read)],
) -> Response:
    with database(request).read() as session:
        document, content = documents.open_document(
            session, viewer.actor, application_id, document_id
        )
    return file_response(document.filename, document.media_type, document.sha256, content)


@router.post("/applications/{application_id}/letters", response_model=None)
async def make_letter(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.letter_issue)],
) -> Response:
    form = await request.form()
    token = form.get("csrf")
    check_csrf(request, token if isinstance(token, str) else None)
    with database(request).write() as session:
        letters.generate(session, viewer.actor, application_id)
    return RedirectResponse(
        case_url(application_id, "letter-issued") + "#documents-heading", status_code=303
    )


def _maybe_viewer(request: Request) -> Viewer | None:
    try:
        return current_viewer(request)
    except LoginRequired:
        return None


@router.get("/verify", response_model=None)
def verify_page(
    request: Request, reference: str | None = None, digest: str | None = None
) -> Response:
    """The public verification page; a link may carry ``?reference=``."""
    viewer = _maybe_viewer(request)
    values = {"reference": reference or "", "digest": digest or ""}
    if not (reference or digest):
        return render(request, "verify.html", viewer, values=values, errors={}, verdict=None)
    return _check(request, viewer, values, None)


@router.post("/verify", response_model=None)
async def verify_submit(request: Request) -> Response:
    """No login and nothing written, so no session token is needed; the file is read up to
    the upload limit only."""
    viewer = _maybe_viewer(request)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("reference", "digest")}
    upload = form.get("file")
    content: bytes | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        store = BlobStore.from_environment()
        content = await upload.read(store.max_bytes + 1)
        if not content:
            return render(
                request,
                "verify.html",
                viewer,
                422,
                values=values,
                errors={"file": "The file is empty."},
                verdict=None,
            )
    return _check(request, viewer, values, content)


def _check(
    request: Request, viewer: Viewer | None, values: dict[str, str], content: bytes | None
) -> Response:
    given = digest(content) if content is not None else values["digest"] or None
    try:
        with database(request).read() as session:
            verdict = verification.verify(
                session, reference=values["reference"] or None, digest=given
            )
    except Invalid as error:
        errors: dict[str, str] = {}
        place_error(errors, error, values)
        return render(
            request, "verify.html", viewer, 422, values=values, errors=errors, verdict=None
        )
    return render(request, "verify.html", viewer, values=values, errors={}, verdict=verdict)


__all__ = ["DocumentsPanel", "panel", "router"]

"""The web UI as a sub-application of the API's FastAPI app, mounted at ``/ui``.

A separate app keeps HTML error pages and cookie sessions apart from the JSON API (which
uses bearer tokens), while both share one database and one assessor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm.exc import StaleDataError
from starlette.routing import Route

from openatt.api.errors import STATUS
from openatt.errors import ErrorKind, OpenattError
from openatt.web.rendering import render_error
from openatt.web.routes import (
    accounts,
    cases,
    deciding,
    dialogue,
    documents,
    licences,
    monitoring,
    queue,
    queues,
    reference,
    reports,
    session,
    workspace,
)
from openatt.web.routes import advice as advice_pages
from openatt.web.security import CsrfFailure, LoginRequired

STATIC = Path(__file__).parent / "static"
PREFIX = "/ui"

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

ERROR_TITLES: dict[ErrorKind, str] = {
    ErrorKind.invalid: "That could not be done",
    ErrorKind.not_found: "Not found",
    ErrorKind.forbidden: "Not allowed",
    ErrorKind.unauthenticated: "Please sign in",
    ErrorKind.conflict: "The case has moved on",
    ErrorKind.throttled: "Too many attempts",
    ErrorKind.unavailable: "Not available on this server",
    ErrorKind.refused: "That could not be done",
}
"""The heading of the error page for each kind of refusal (the status comes from the API's
table, so the page and the API answer alike)."""


def create_web(parent: FastAPI) -> FastAPI:
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, title="openatt web")
    web.state.db = parent.state.db
    web.state.parent = parent
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        session,
        queue,
        cases,
        deciding,
        licences,
        reference,
        reports,
        monitoring,
        documents,
        queues,
    ):
        web.include_router(module.router)
    web.include_router(dialogue.router)
    web.include_router(advice_pages.router)
    web.include_router(workspace.router)
    web.include_router(accounts.router)
    from openatt.web.routes import classification

    web.include_router(classification.router)

    @web.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(f"{PREFIX}/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @web.exception_handler(LoginRequired)
    async def _login(request: Request, _error: Exception) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            target = f"{PREFIX}/"
        return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)

    @web.exception_handler(CsrfFailure)
    async def _csrf(request: Request, _error: Exception) -> Response:
        return render_error(
            request,
            403,
            "The form has expired",
            "The form was not sent from this session (its security token is missing or "
            "stale). Go back, reload the page and try again.",
        )

    @web.exception_handler(OpenattError)
    async def _refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, OpenattError)
        if error.kind is ErrorKind.unauthenticated:
            return await _login(request, error)
        message = f"{error.where}: {error.message}" if error.where else error.message
        return render_error(request, STATUS[error.kind], ERROR_TITLES[error.kind], message)

    @web.exception_handler(StaleDataError)
    async def _stale(request: Request, _error: Exception) -> Response:
        return render_error(
            request,
            409,
            "Someone else changed this case",
            "Another user changed this case at the same time. Reload it and try again.",
        )

    @web.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
        return render_error(
            request, 422, "That address is not valid", f"{where}: {first.get('msg', 'invalid')}"
        )

    @web.exception_handler(OverflowError)
    async def _overflow(request: Request, _error: Exception) -> Response:
        return render_error(request, 404, "Not found", "There is no record with that number.")

    @web.exception_handler(404)
    async def _not_found(request: Request, _error: Exception) -> Response:
        return render_error(request, 404, "Not found", "There is no page at this address.")

    @web.exception_handler(Exception)
    async def _unexpected(request: Request, _error: Exception) -> Response:
        page = render_error(
            request,
            500,
            "Something went wrong",
            "The page could not be shown. Nothing was changed by this request unless a "
            "confirmation said so; the error is in the server's log.",
        )
        # Starlette answers this outside the middleware that adds the headers: the page
        # carries the logout form's token, so it must not be framed or kept either (found
        # in review, 2026-12-05)
        for name, value in _SECURITY_HEADERS.items():
            page.headers.setdefault(name, value)
        page.headers.setdefault("Cache-Control", "no-store")
        return page

    return web


async def _to_ui(_request: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


def mount(app: FastAPI) -> None:
    """Mount the web UI on the API's app at ``/ui`` and send ``/`` there."""
    app.mount(PREFIX, create_web(app), name="web")
    app.router.routes.append(Route("/", _to_ui, methods=["GET"], include_in_schema=False))

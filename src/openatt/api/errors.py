"""openatt's errors to HTTP, in one table: :data:`STATUS` maps each error kind to a status.

A 422 carries the field's path in FastAPI's own ``detail`` shape, so a client reads a refused
value the same way whether pydantic or a service refused it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from openatt.errors import ErrorKind, OpenattError
from openatt.register.logins import Throttled

STATUS: dict[ErrorKind, int] = {
    ErrorKind.invalid: 422,
    ErrorKind.not_found: 404,
    ErrorKind.forbidden: 403,
    ErrorKind.unauthenticated: 401,
    ErrorKind.conflict: 409,
    ErrorKind.throttled: 429,
    ErrorKind.unavailable: 503,
    ErrorKind.refused: 400,
}


def status_of(error: OpenattError) -> int:
    """The HTTP status for ``error``'s kind."""
    return STATUS[error.kind]


def _body(error: OpenattError, status: int) -> dict[str, object]:
    if status == 422:
        return {
            "detail": [
                {"loc": ["body", *(error.field or ())], "msg": error.message, "type": "value_error"}
            ]
        }
    detail: dict[str, object] = {"detail": error.message}
    if error.field:
        detail["field"] = list(error.field)
    return detail


class ErrorJSON(JSONResponse):
    """An error's JSON, which may echo what the request sent. A lone surrogate ("\\ud800") is
    valid in JSON text and so reaches a Python string, but cannot be written as UTF-8: such a
    body is written with its non-ASCII characters escaped, the same JSON to any reader,
    instead of failing with a 500 (found 2026-12-06: FastAPI's own 422 for a body with one
    raised UnicodeEncodeError)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            text = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
            return text.encode("ascii")


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: Exception) -> JSONResponse:
        """FastAPI's own 422 (the same ``detail``), written as :class:`ErrorJSON`."""
        assert isinstance(error, RequestValidationError)
        return ErrorJSON({"detail": jsonable_encoder(error.errors())}, status_code=422)

    @app.exception_handler(OpenattError)
    async def _openatt_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, OpenattError)
        status = status_of(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, Throttled):
            headers = {"Retry-After": str(error.retry_after)}
        return ErrorJSON(_body(error, status), status_code=status, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _error: Exception) -> JSONResponse:
        return ErrorJSON(
            {"detail": "the change conflicts with a record written at the same time"},
            status_code=409,
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, error: Exception) -> JSONResponse:
        reason = str(getattr(error, "orig", error)).splitlines()[0]
        return ErrorJSON(
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": f"value cannot be stored: {reason}",
                        "type": "value_error",
                    }
                ]
            },
            status_code=422,
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _error: Exception) -> JSONResponse:
        return ErrorJSON(
            {"detail": "someone else changed this record at the same time; reload it"},
            status_code=409,
        )

"""Register errors to HTTP: 404, 403, 401, 409, and 422 with the field's path."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from openatt.register.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RegisterError,
    Unauthenticated,
)
from openatt.register.logins import Throttled

_STATUS: dict[type[RegisterError], int] = {
    Throttled: 429,
    NotFound: 404,
    Forbidden: 403,
    Unauthenticated: 401,
    Conflict: 409,
    Invalid: 422,
}


def _body(error: RegisterError, status: int) -> dict[str, object]:
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


def install(app: FastAPI) -> None:
    @app.exception_handler(RegisterError)
    async def _register_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RegisterError)
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, Throttled):
            headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(_body(error, status), status_code=status, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _error: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "the change conflicts with a record written at the same time"},
            status_code=409,
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, error: Exception) -> JSONResponse:
        reason = str(getattr(error, "orig", error)).splitlines()[0]
        return JSONResponse(
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
        return JSONResponse(
            {"detail": "someone else changed this record at the same time; reload it"},
            status_code=409,
        )

"""Log in and out; who am I; users (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow
from openatt.register import logins, users
from openatt.register.permissions import Permission
from openatt.register.users import Actor

router = APIRouter(tags=["auth"])
_bearer = HTTPBearer(auto_error=False)


@router.post(
    "/auth/token",
    response_model=schemas.TokenOut,
    responses={429: {"description": "too many failed logins; see Retry-After"}},
)
def login(body: schemas.LoginIn, db: DB, request: Request) -> schemas.TokenOut:
    """Exchange a username and password (and a TOTP code, where enrolled) for a bearer token
    that expires. Failed logins are throttled per account and per address, and logged."""
    address = request.client.host if request.client else "unknown"
    token, expires = logins.login(db, body.username, body.password, address, body.otp)
    return schemas.TokenOut(access_token=token, expires_at=expires)


@router.post("/auth/logout", status_code=204)
def logout(
    db: DB,
    _actor: Annotated[Actor, Allow(None)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if credentials is not None:
        with db.write() as session:
            users.logout(session, credentials.credentials)


@router.get("/auth/me", response_model=schemas.UserOut)
def me(db: DB, actor: Annotated[Actor, Allow(None)]) -> schemas.UserOut:
    with db.read() as session:
        return views.user(next(u for u in users.list_users(session) if u.id == actor.id))


@router.get("/users", response_model=list[schemas.UserOut])
def list_users(
    db: DB, _actor: Annotated[Actor, Allow(Permission.users_manage)]
) -> list[schemas.UserOut]:
    with db.read() as session:
        return [views.user(u) for u in users.list_users(session)]


@router.post("/users", response_model=schemas.UserOut, status_code=201)
def add_user(
    body: schemas.UserIn, db: DB, actor: Annotated[Actor, Allow(Permission.users_manage)]
) -> schemas.UserOut:
    with db.write() as session:
        row = users.add_user(
            session,
            username=body.username,
            password=body.password,
            role=body.role,
            company=body.company,
            by=actor,
        )
        return views.user(row)

"""Account administration (admin): disable, enable, set a password; a user may change their
own password. Each ends the user's sessions where it must (see ``register.accounts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import Field

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow
from openatt.register import accounts, logins
from openatt.register.permissions import Permission
from openatt.register.users import Actor

router = APIRouter(prefix="/users", tags=["auth"])
Username = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")]


class PasswordIn(schemas._In):
    password: str = Field(min_length=1, max_length=200)


@router.post("/{username}/disable", response_model=schemas.UserOut)
def disable(
    username: Username, db: DB, actor: Annotated[Actor, Allow(Permission.users_manage)]
) -> schemas.UserOut:
    """Disable a user and end every session of theirs."""
    with db.write() as session:
        return views.user(accounts.set_active(session, actor, username, False))


@router.post("/{username}/enable", response_model=schemas.UserOut)
def enable(
    username: Username, db: DB, actor: Annotated[Actor, Allow(Permission.users_manage)]
) -> schemas.UserOut:
    with db.write() as session:
        return views.user(accounts.set_active(session, actor, username, True))


@router.post("/{username}/password", response_model=schemas.UserOut)
def set_password(
    username: Username,
    body: PasswordIn,
    db: DB,
    actor: Annotated[Actor, Allow(Permission.users_manage)],
) -> schemas.UserOut:
    """Reset a user's password (short and common ones are refused); their sessions end."""
    with db.write() as session:
        return views.user(accounts.change_password(session, actor, username, body.password))


class OwnPasswordIn(PasswordIn):
    current_password: str = Field(min_length=1, max_length=200)


own_router = APIRouter(tags=["auth"])


@own_router.post("/auth/password", status_code=204)
def change_own_password(
    body: OwnPasswordIn, db: DB, actor: Annotated[Actor, Allow(None)], request: Request
) -> None:
    """Change your own password, giving the current one; every session of yours ends
    (log in again). The current password is checked as a login is: throttled and logged."""
    address = request.client.host if request.client else "unknown"
    logins.check_password(db, actor.username, body.current_password, address)
    with db.write() as session:
        accounts.change_password(session, actor, actor.username, body.password)

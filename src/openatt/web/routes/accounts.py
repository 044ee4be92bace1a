"""The administrator's page of users (issue 13): disable, enable, reset a password. Each
change ends the user's sessions where it must and is an event in the log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from openatt.register import accounts, users
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.permissions import Permission
from openatt.web.rendering import posted, render
from openatt.web.security import Page, Viewer, database

router = APIRouter()
Admin = Annotated[Viewer, Page(Permission.users_manage)]


def _page(
    request: Request, viewer: Viewer, *, done: str = "", error: str = "", status: int = 200
) -> Response:
    with database(request).read() as session:
        listed = users.list_users(session)
    return render(request, "accounts.html", viewer, status, users=listed, done=done, error=error)


@router.get("/admin/users", response_model=None)
def users_page(request: Request, viewer: Admin, done: str = "") -> Response:
    return _page(request, viewer, done=done[:40])


@router.post("/admin/users/{username}", response_model=None)
async def change_user(request: Request, username: str, viewer: Admin) -> Response:
    """``action`` is disable, enable or password (with ``password``)."""
    fields = await posted(request)
    action = fields.get("action", "")
    try:
        with database(request).write() as session:
            if action in ("disable", "enable"):
                accounts.set_active(session, viewer.actor, username, action == "enable")
            elif action == "password":
                accounts.change_password(
                    session, viewer.actor, username, fields.get("password", "")
                )
            else:
                raise Invalid("choose disable, enable or password", field=("action",))
    except (Invalid, Conflict, NotFound) as error:
        return _page(request, viewer, error=f"{username}: {error.message}", status=422)
    return RedirectResponse(f"/ui/admin/users?done={action}", status_code=303)

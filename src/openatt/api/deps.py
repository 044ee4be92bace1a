"""Dependencies shared by the routers: the database, the assessor and the acting user.

Every endpoint except login, health and the docs takes an ``Allow(...)`` dependency; the
role x endpoint test walks the routes and fails on any endpoint without one.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openatt.api.read_cache import CHECKED_ACTOR
from openatt.register import token_check
from openatt.register.assessor import Assessor, default_assessor
from openatt.register.db import Database
from openatt.register.errors import Unauthenticated
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

if TYPE_CHECKING:
    from openatt.screening.store import ListStore

_bearer = HTTPBearer(auto_error=False, description="a token from POST /auth/token")


async def get_db(request: Request) -> Database:
    """Async on purpose: FastAPI runs a plain ``def`` dependency in the thread pool, a hop
    that cost more than the attribute it returns (issue 16)."""
    db: Database = request.app.state.db
    return db


_assessor_lock = threading.Lock()


async def get_assessor(request: Request) -> Assessor:
    """The app's assessor (loaded at start-up; loaded once here if the app was not started).
    Async so that the common case, a loaded assessor, costs no trip through the thread pool."""
    state = request.app.state
    if state.assessor is None:
        await run_in_threadpool(_load_assessor, state)
    assessor: Assessor = state.assessor
    return assessor


def _load_assessor(state: Any) -> None:
    with _assessor_lock:
        if state.assessor is None:
            state.assessor = default_assessor()


def get_lists(request: Request) -> ListStore:
    """The app's list store (``create_app(lists=...)``), else the lists under OPENATT_HOME."""
    from openatt.register.screening import default_store

    store: ListStore | None = request.app.state.lists
    return store if store is not None else default_store()


LOG_IN_FIRST = "log in first: POST /auth/token, then send 'Authorization: Bearer'"
DB = Annotated[Database, Depends(get_db)]
AssessorDep = Annotated[Assessor, Depends(get_assessor)]
ListsDep = Annotated["ListStore", Depends(get_lists)]


class Authorizer:
    """Checks the acting user's role against one permission (``None``: any logged-in user).

    The token check (against the database, on every request) and the permission run here in
    one dependency, so a request makes one trip through the thread pool before its endpoint
    instead of three (issue 16)."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        if credentials is None:
            raise Unauthenticated(LOG_IN_FIRST)
        actor: Actor | None = request.scope.get(CHECKED_ACTOR)  # checked by the read cache
        if actor is None:
            actor = token_check.authenticate(request.app.state.db, credentials.credentials)
        if self.permission is not None:
            require(actor, self.permission)
        return actor


def Allow(permission: Permission | None) -> object:
    return Depends(Authorizer(permission))

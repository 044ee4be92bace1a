"""``POST /assess`` on a path of its own (issue 16: 500 previews a second on 2 cores).

An exporter's pre-check is the engine and little else: it reads nothing from the register
but the caller's token. Through FastAPI it cost about 3.4 ms of CPU, two thirds of it the
framework: routing through the included routers, solving the dependencies (two trips through
the thread pool, one for the token check and one for the endpoint), validating the body and
the query. This middleware answers the ordinary request itself, in one trip through the
thread pool:

* the same token check as every other request (:func:`openatt.register.token_check.check`,
  against the database, never cached) and the same permission (``preview_assess``); on
  PostgreSQL the check's statement is awaited on the event loop before the trip
  (``register/token_check_async.py``), so no thread waits on PostgreSQL;
* the body parsed once, by the same model with the same validation as the endpoint's
  (``json.loads`` then :class:`~openatt.core.model.Application`, which is what FastAPI does);
* the regimes of the query string checked by the same validator (:data:`schemas.Regime`);
* the app's assessor, and the findings serialised once by the same call as the endpoint's
  (:func:`openatt.api.fast_json.json_response`), so the answer is the same bytes.

Anything out of the ordinary goes on to the application untouched, body included, which then
answers as it always did: no token or one that fails a check, a session whose last activity
is due to be written, a role without the permission, a body that is not JSON or fails
validation, a content type other than JSON, an unknown regime or an engine that raises. So
every refusal (401, 403, 422 and its error shape) is the FastAPI path's own, byte for byte
(``tests/register/test_register_assess_fast.py``). It sits inside the body limit (the limit
is applied first) and outside FastAPI's routing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from openatt.api import schemas
from openatt.api.fast_json import json_response
from openatt.api.read_cache import CHECKED_ACTOR, _bearer
from openatt.core.model import Application
from openatt.register import token_check
from openatt.register.assessor import Assessor
from openatt.register.permissions import Permission, allowed
from openatt.register.token_check_async import AsyncTokenCheck
from openatt.register.users import Actor

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/assess"
_REGIMES = TypeAdapter(list[schemas.Regime])


def _regimes(query_string: bytes) -> tuple[str, ...] | None:
    """The regimes the query asks for (every regime when it names none), or ``None`` when
    one fails the endpoint's validator (the application then refuses it in its own words).
    Other parameters are ignored, as the endpoint ignores them."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    asked = [value for name, value in pairs if name == "regimes"]
    if not asked:
        return tuple(schemas.all_regimes())
    try:
        return tuple(_REGIMES.validate_python(asked))
    except ValidationError:
        return None


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request says its body is JSON exactly as the endpoint's ordinary clients
    do; any other content type is left to FastAPI's own rules."""
    for name, value in headers:
        if name == b"content-type":
            return value.strip().lower() in (
                b"application/json",
                b"application/json; charset=utf-8",
            )
    return False


class AssessFast:
    """ASGI middleware: answer an ordinary ``POST /assess`` without the framework."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answered = 0  # by this path
        self.passed = 0  # left to the application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        token = _bearer(scope["headers"])
        regimes = _regimes(scope["query_string"])
        body, end = await _whole_body(receive)
        if token is None or regimes is None or end is not None or not _is_json(scope["headers"]):
            await self._pass(scope, receive, send, body, end)
            return
        state = scope["app"].state
        checker: AsyncTokenCheck | None = getattr(state, "async_token_check", None)
        if checker is None:
            answered, actor = await run_in_threadpool(_answer, state, token, body, regimes)
        else:
            answered, actor = await _answer_async(checker, state, token, body, regimes)
        if answered is None:
            if actor is not None:
                scope[CHECKED_ACTOR] = actor  # no second token check for the same request
            await self._pass(scope, receive, send, body, end)
            return
        self.answered += 1
        await answered(scope, receive, send)

    async def _pass(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, end: Message | None
    ) -> None:
        """The request as it came, body and all, to the application."""
        self.passed += 1
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                if end is not None and not body:
                    return end
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _whole_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The request's body (the body limit outside has bounded it), and the message that
    ended it early if the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


async def _answer_async(
    checker: AsyncTokenCheck, state: Any, token: str, body: bytes, regimes: tuple[str, ...]
) -> tuple[Response | None, Actor | None]:
    """On PostgreSQL: the token check awaited on the event loop (one round trip; no thread
    is held while PostgreSQL answers), then the engine in the thread pool, one trip as
    before. Returns as :func:`_answer` does."""
    try:
        checked = await checker.check(token)
    except Exception:
        return None, None  # the application checks again and answers in its own words
    if checked.seen_due:
        return None, None  # the application writes the session's last activity
    actor = checked.actor
    assessor = state.assessor
    if assessor is None or not allowed(actor.role, Permission.preview_assess):
        return None, actor
    return await run_in_threadpool(_assessed, assessor, body, regimes), actor


def _assessed(assessor: Assessor, body: bytes, regimes: tuple[str, ...]) -> Response | None:
    """The body, the engine and the JSON; ``None`` on anything the application should
    answer itself (a body that fails validation, an engine that raises)."""
    try:
        application = Application.model_validate(json.loads(body))
        return json_response(assessor.assess(application, regimes, None))
    except Exception:
        return None


def _answer(
    state: Any, token: str, body: bytes, regimes: tuple[str, ...]
) -> tuple[Response | None, Actor | None]:
    """In the thread pool: the token check, the permission, the body, the engine and the
    JSON. Returns the answer, or ``None`` (with the checked actor, if the token passed) to
    leave the request to the application."""
    try:
        checked = token_check.check(state.db, token)
    except Exception:
        return None, None
    if checked.seen_due:
        return None, None  # the application writes the session's last activity
    actor = checked.actor
    assessor = state.assessor
    if assessor is None or not allowed(actor.role, Permission.preview_assess):
        return None, actor
    return _assessed(assessor, body, regimes), actor

"""A per-process cache of the register's hottest reads (issue 16, reads at 800/s).

An authority's officers ask for the same page of the register, the same cases and the same
queue all day, far more often than the register changes. Each answer is kept in memory,
keyed by

* the request (its path and its query string, as sent),
* what the caller may see: the role and the company (the only parts of the caller that the
  page and the case read: ``summaries``' statements and the company wall), and for the queue
  also the username (``assignee=me``),
* today's date (what is overdue changes at midnight with no change to the register),
* the register's generation: the audit chain's head, which every change to a case moves
  in the same transaction as the change (``register/token_check.py``).

Authentication is never cached. Every request's bearer token is checked against the database
(:func:`openatt.register.token_check.check`, the same rules as every other request; on
PostgreSQL the same statement awaited on the event loop, ``register/token_check_async.py``),
and the generation is read in that same statement, so a disabled user or an ended session is
refused at once and a change is seen by the very next read. Anything out of the ordinary goes
on to the application untouched, which then checks and answers as it always does: no token, a
token that fails a check (the application refuses it with its own message), a session whose
last activity is due to be written, an applicant (their views are not cached), a method other
than GET, any other path. Only a 200 answer is kept, and only for the generation it was read
under, which was read before the application's own reads (so the kept answer is never older
than its key says).

The cache is pure ASGI and sits outside every other layer: a hit costs the token check and a
dictionary look-up, not FastAPI's routing, validation and dependencies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import psycopg
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from openatt.register import audience, token_check
from openatt.register.errors import Unauthenticated
from openatt.register.token_check_async import AsyncTokenCheck

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# What one process keeps, at most: when either bound is passed, everything kept is dropped
# and the cache fills again (a page of fifty cases is about 20 kB).
MAX_ENTRIES = 2048
MAX_BYTES = 64 << 20
MAX_BODY = 1 << 20  # a larger answer is not kept

_CASE = re.compile(r"/applications/[1-9][0-9]{0,18}")
Key = tuple[Any, ...]
# The scope entry under which a read that goes on to the application carries the actor its
# token was checked as here, moments before: the application uses it instead of checking the
# same token a second time (``deps.Authorizer``). Only this middleware sets it.
CHECKED_ACTOR = "openatt.checked_actor"


def _kind(path: str) -> str | None:
    """Which cached read a path is, if any: the page, the case or the queue."""
    if path == "/applications":
        return "page"
    if path == "/worklist":
        return "queue"
    if path.startswith("/applications/") and _CASE.fullmatch(path):
        return "case"
    return None


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


class ReadCache:
    """ASGI middleware: answer a repeated read from memory while the register is unchanged."""

    def __init__(self, app: ASGIApp, max_entries: int = MAX_ENTRIES) -> None:
        self.app = app
        self.max_entries = max_entries
        self.generation: token_check.Generation | None = None
        self.entries: dict[Key, tuple[list[tuple[bytes, bytes]], bytes]] = {}
        self.size = 0  # bytes of the bodies kept
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _kind(scope["path"]) if scope["type"] == "http" else None
        if kind is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        token = _bearer(scope["headers"])
        if token is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        checker: AsyncTokenCheck | None = getattr(state, "async_token_check", None)
        try:
            if checker is None:
                checked = await run_in_threadpool(token_check.check, state.db, token)
            else:  # PostgreSQL: awaited on the event loop, a hit then needs no thread at all
                checked = await checker.check(token)
        except (Unauthenticated, SQLAlchemyError, psycopg.Error):
            checked = None  # the application checks again and answers as it always does
        if checked is None or checked.seen_due or not audience.sees_internal(checked.actor):
            await self.app(scope, receive, send)  # it checks, refuses or writes as usual
            return
        actor = checked.actor
        # today's date in every key: targets and deadlines read as overdue from one day on
        key: Key = (
            scope["path"],
            scope["query_string"],
            actor.role.value,
            actor.company,
            dt.date.today(),
        )
        if kind == "queue":
            key += (actor.username,)
        if checked.generation == self.generation:
            found = self.entries.get(key)
            if found is not None:
                self.hits += 1
                headers, body = found
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        self.misses += 1
        scope[CHECKED_ACTOR] = actor
        await self._answer_and_keep(scope, receive, send, key, checked.generation)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: Key, generation: Any
    ) -> None:
        """Let the application answer, and keep a 200 answer under ``generation``."""
        start: Message = {}
        chunks: list[bytes] = []
        keep = True

        async def copying(message: Message) -> None:
            nonlocal keep
            if message["type"] == "http.response.start":
                start.update(message)
                keep = message["status"] == 200 and not any(
                    name == b"set-cookie" for name, _ in message.get("headers", ())
                )
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > MAX_BODY:
                    keep = False
                elif not message.get("more_body", False):
                    self._keep(key, generation, list(start.get("headers", ())), b"".join(chunks))
            await send(message)

        await self.app(scope, receive, copying)

    def _keep(
        self, key: Key, generation: Any, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        if generation != self.generation:
            current = self.generation
            if current is not None and _older(generation, current):
                return  # a request that began before the latest change: not kept
            self.generation = generation
            self.entries, self.size = {}, 0
        if len(self.entries) >= self.max_entries or self.size + len(body) > MAX_BYTES:
            self.entries, self.size = {}, 0
        self.entries[key] = (headers, body)
        self.size += len(body)


def _older(generation: token_check.Generation, current: token_check.Generation) -> bool:
    """Whether ``generation`` is behind ``current`` (a register restored to an earlier
    chain has a smaller sequence: its answers are kept once the chain has passed it)."""
    return (generation[0] or 0) < (current[0] or 0)

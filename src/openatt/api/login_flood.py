"""Refused logins that cost the server (almost) nothing: issue 13's login flood.

Measured with ``benchmarks/register_load.py --only flood``: 20 connections sending wrong
passwords were answered 429 about 300 times a second, each answer a trip through the whole
framework and the thread pool (about 1 ms of CPU), so the flood took a third of a core from
the writers even though no password was checked. Two changes make a refusal cheap and slow:

* an address already locked out (remembered in memory by :mod:`openatt.register.logins`) is
  refused here, before routing, body parsing or a thread;
* every 429 on a login path is held back for ``OPENATT_LOGIN_TARPIT_SECONDS`` (default 1,
  never longer than its Retry-After) on the event loop, where waiting costs no CPU: a flooding
  connection then sends at most one attempt a second instead of hundreds.

Nothing is weakened: a held or early refusal is the same 429 with the same Retry-After that
the login itself would have given.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from openatt.register import logins

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_LOGIN = "/auth/token"
LOGIN_PATHS = frozenset({API_LOGIN, "/ui/login"})


def tarpit_seconds() -> float:
    """How long a refused login is held before its answer (``OPENATT_LOGIN_TARPIT_SECONDS``)."""
    from openatt.settings import get_settings

    return max(0.0, get_settings().login_tarpit_seconds)


def _retry_after(headers: list[tuple[bytes, bytes]]) -> float:
    for name, value in headers:
        if name.lower() == b"retry-after" and value.isdigit():
            return float(value)
    return 1.0


class LoginTarpit:
    """ASGI middleware in front of the login paths (``POST /auth/token``, ``POST /ui/login``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or scope.get("path") not in LOGIN_PATHS
        ):
            await self.app(scope, receive, send)
            return
        hold = tarpit_seconds()
        if scope["path"] == API_LOGIN:
            address = (scope.get("client") or ("unknown", 0))[0]
            wait = logins.address_refused_for(scope["app"].state.db, address)
            if wait:
                await asyncio.sleep(min(hold, wait))
                await _refuse(send, wait)
                return

        async def held(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                await asyncio.sleep(min(hold, _retry_after(list(message.get("headers") or []))))
            await send(message)

        await self.app(scope, receive, held)


async def _refuse(send: Send, wait: int) -> None:
    content = json.dumps({"detail": f"too many failed logins; try again in {wait} s"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"retry-after", str(wait).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})

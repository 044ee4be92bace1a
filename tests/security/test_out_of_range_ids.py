"""Issue 13, attack 8 (ids past 2^63): ``/ui/applications/9223372036854775808`` raised a 500,
the database's BIGINT overflowing. The UI's case page was fixed and tested; this walks EVERY
GET route of the API and of the UI that takes an id in its path, as an officer, with ids
past 2^63 and below zero, and requires a 4xx (a page, for the UI), never a 5xx. Query-string
errors in the UI (a page number that is not one) are pages too, not FastAPI's JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from register_helpers import Api
from starlette.routing import BaseRoute, Mount

from openatt.web.security import SESSION_COOKIE

OUT_OF_RANGE = ("9223372036854775808", "99999999999999999999999", "-1")
ID_PARAM = re.compile(r"\{(\w*id)\}")


def _get_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    for route in routes:
        if isinstance(route, Mount):  # the UI is mounted under /ui
            yield from _get_routes(route.routes, prefix + route.path)
        elif isinstance(route, APIRoute):
            if "GET" in route.methods:
                yield prefix + route.path
        elif hasattr(route, "original_router"):  # FastAPI's lazily included routers
            included = route.original_router
            yield from _get_routes(included.routes, prefix + route.include_context.prefix)


def _id_routes(api: Api) -> list[str]:
    app = api.client.app
    return sorted({p for p in _get_routes(app.routes) if ID_PARAM.search(p)})  # type: ignore[attr-defined]


def test_every_get_route_with_an_id_refuses_ids_out_of_range(api: Api) -> None:
    api.client.cookies.set(SESSION_COOKIE, api.tokens["officer"], path="/ui")
    routes = _id_routes(api)
    assert any(path.startswith("/ui/") for path in routes) and len(routes) > 10
    failures = []
    for template in routes:
        for value in OUT_OF_RANGE:
            path = ID_PARAM.sub(value, template)
            path = re.sub(r"\{[^}]+\}", "x", path)  # other parameters (names, formats)
            try:
                response = api.client.get(path, headers=api.headers("officer"))
            except Exception as error:  # the test client re-raises what became a 500
                failures.append(f"{path}: {error!r}")
                continue
            page = "text/html" in response.headers.get("content-type", "")
            if response.status_code >= 500 or (path.startswith("/ui/") and not page):
                failures.append(f"{path}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=99999999999999999999"])
def test_a_bad_query_string_in_the_ui_is_a_page(api: Api, query: str) -> None:
    api.client.cookies.set(SESSION_COOKIE, api.tokens["officer"], path="/ui")
    response = api.client.get(f"/ui/applications?{query}")
    assert response.status_code == 422 and "text/html" in response.headers["content-type"]
    assert "page" in response.text

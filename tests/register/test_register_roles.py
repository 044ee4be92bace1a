"""Role x endpoint: every endpoint is authorised, and each role gets exactly its grants."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from register_helpers import USERS, Api, application

from openatt.api.deps import Authorizer
from openatt.register.models import Role
from openatt.register.permissions import GRANTS, Permission

PUBLIC = {
    ("POST", "/auth/token"),
    ("GET", "/health"),
    # the public check of a letter (issue 12): no login, read only
    ("GET", "/verify"),
    ("POST", "/verify"),
}


def _permission(route: APIRoute) -> tuple[bool, Permission | None]:
    """(has an Authorizer, its permission) for a route, searching nested dependencies."""
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, Authorizer):
            return True, dependency.call.permission
        stack.extend(dependency.dependencies)
    return False, None


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


def _endpoints(api: Api) -> list[tuple[str, str, Permission | None]]:
    found = []
    for route in api_routes(api.client.app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods):
            if (method, route.path) in PUBLIC:
                continue
            authorised, permission = _permission(route)
            assert authorised, f"{method} {route.path} has no Allow(...) dependency"
            found.append((method, route.path, permission))
    # Logging out ends the token: do it last.
    return sorted(found, key=lambda e: e[1] == "/auth/logout")


def test_only_declared_public_endpoints_are_open(api: Api) -> None:
    routes = api_routes(api.client.app.routes)  # type: ignore[attr-defined]
    assert len(routes) > 25
    open_routes = {(m, r.path) for r in routes for m in r.methods if not _permission(r)[0]}
    assert open_routes == PUBLIC
    for method, path, _ in _endpoints(api):
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = api.client.request(method, url, json={})
        assert response.status_code == 401, f"{method} {path} without login: {response.status_code}"


def test_role_by_endpoint_table(api: Api) -> None:
    own = api.post("/applications", "applicant", application()).json()["id"]
    table: list[str] = []
    for method, path, permission in _endpoints(api):
        url = re.sub(r"\{[^}]+\}", str(own), path)
        for user, (role, _company) in USERS.items():
            if user == "other_applicant":
                continue
            allowed = permission is None or role in GRANTS[permission]
            response = api.client.request(method, url, json={}, headers=api.headers(user))
            got = response.status_code
            table.append(f"{method} {path} {role.value}: {got}")
            if allowed:
                assert got not in (401, 403), f"{method} {path} as {role.value}: {got}"
            else:
                assert got == 403, f"{method} {path} as {role.value}: {got}, expected 403"
    assert len(table) > 25 * len(Role)
    covered = {(m, p): permission for m, p, permission in _endpoints(api)}
    assert covered[("POST", "/screening")] == Permission.screening_run
    assert covered[("POST", "/screening/batch")] == Permission.screening_run
    assert covered[("POST", "/screening/rescreen")] == Permission.screening_run
    assert (
        covered[("POST", "/applications/{application_id}/screening/false-positives")]
        == Permission.screening_false_positive
    )


def test_grants_cover_every_permission() -> None:
    assert set(GRANTS) == set(Permission)
    assert GRANTS[Permission.licence_revoke] == {Role.senior_reviewer}
    for permission, roles in GRANTS.items():
        if permission not in (
            Permission.application_read,
            Permission.register_export,
            Permission.audit_read,
            Permission.denial_read,
            Permission.case_history,
            Permission.preview_assess,
            Permission.report_read,  # reading the register into a report (issue 7)
            Permission.monitoring_read,
            Permission.casework_read,  # queues, flags and routing rules, read only (issue 12)
            Permission.case_internal,  # reading the authority's work on a case (issue 12)
            Permission.indicator_rejections,  # reading the officers' rejections (issue 18)
            Permission.classification_read,  # reading the goods' classifications (issue 15)
        ):
            assert Role.auditor not in roles, f"auditor is read-only, but has {permission}"
            assert Role.monitor not in roles, f"monitor is read-only, but has {permission}"


def test_monitor_reads_monitoring_only() -> None:
    """The monitor role (issue 8) reads the monitoring results and nothing of the register."""
    granted = {p for p, roles in GRANTS.items() if Role.monitor in roles}
    assert granted == {Permission.monitoring_read}
    assert Role.applicant not in GRANTS[Permission.monitoring_read]
    assert GRANTS[Permission.monitoring_run] == {Role.officer, Role.senior_reviewer}

"""Write docs/reference.md: every CLI command, every permission and every REST endpoint.

The narrative docs explain; this page lists, generated from the code so that nothing can be
missing from it: the CLI's commands from the command table (openatt.cli.main.COMMANDS), the
permissions and the roles that hold them (openatt.register.permissions.GRANTS), and the
REST API's endpoints with the permission each requires (from its ``Allow(...)`` dependency).
``tests/test_docs_reference.py`` fails when the committed page differs from what the code
says (the way datasette's tests fail when a setting or hook is undocumented).

    python scripts/reference_docs.py           # rewrite docs/reference.md
    python scripts/reference_docs.py --check   # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "reference.md"


def _first_line(text: str | None) -> str:
    """The first paragraph of a docstring or help text, on one line."""
    paragraph = (text or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split()).replace("|", "\\|")


def cli_rows() -> list[tuple[str, str]]:
    from openatt.cli.main import COMMANDS, load_commands

    modules = tuple(sorted({module for entry in COMMANDS.values() for module in entry}))
    root = load_commands(modules)
    rows: list[tuple[str, str]] = []

    def walk(command: Any, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name in sorted(children):
                walk(children[name], [*path, name])
        else:
            rows.append((" ".join(path), _first_line(command.help)))

    for name in sorted(root.commands):
        walk(root.commands[name], [name])
    return rows


def permission_rows() -> list[tuple[str, str]]:
    from openatt.register.permissions import GRANTS

    return [
        (permission.value, ", ".join(sorted(role.value for role in roles)))
        for permission, roles in sorted(GRANTS.items(), key=lambda item: item[0].value)
    ]


def endpoint_rows() -> list[tuple[str, str, str, str]]:
    from fastapi.routing import APIRoute

    from openatt.api.app import create_app
    from openatt.api.deps import Authorizer

    def permission_of(dependant: Any) -> str:
        for dependency in dependant.dependencies:
            call = dependency.call
            if isinstance(call, Authorizer):
                return "any logged-in user" if call.permission is None else call.permission.value
            found = permission_of(dependency)
            if found:
                return found
        return ""

    def api_routes(routes: list[Any], prefix: str) -> list[tuple[str, APIRoute]]:
        found: list[tuple[str, APIRoute]] = []
        for route in routes:
            if isinstance(route, APIRoute):
                if route.include_in_schema:
                    found.append((prefix + route.path, route))
            elif hasattr(route, "original_router"):  # a router included in the app
                context = route.include_context
                if context.include_in_schema:
                    found += api_routes(route.original_router.routes, prefix + context.prefix)
        return found

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{folder}/reference.sqlite")
        rows = []
        for path, route in api_routes(list(app.routes), ""):
            for method in sorted(route.methods - {"HEAD"}):
                rows.append(
                    (
                        method,
                        path,
                        permission_of(route.dependant) or "none (public)",
                        _first_line(route.description or route.summary or route.name),
                    )
                )
    return sorted(rows, key=lambda row: (row[1], row[0]))


def render() -> str:
    lines = [
        "# Reference: commands, permissions, endpoints",
        "",
        "Generated from the code by `python scripts/reference_docs.py`; a test fails when it is",
        "out of date. The other pages explain what these do and why.",
        "",
        "## CLI commands",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    lines += [f"| `openatt {command}` | {text} |" for command, text in cli_rows()]
    lines += [
        "",
        "## Permissions",
        "",
        "Each REST endpoint and web page checks one permission; roles hold permissions as below",
        "(`register/permissions.py`). Services check more (a company's own cases, four eyes).",
        "",
        "| permission | roles |",
        "|---|---|",
    ]
    lines += [f"| `{permission}` | {roles} |" for permission, roles in permission_rows()]
    lines += [
        "",
        "## REST endpoints",
        "",
        "The OpenAPI schema with every field is served at `/openapi.json` (browsable at `/docs`).",
        "",
        "| method | path | permission | what it does |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {method} | `{path}` | {permission} | {text} |"
        for method, path, permission, text in endpoint_rows()
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/reference.md is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text("utf-8") != text:
            print("docs/reference.md is out of date: run python scripts/reference_docs.py")
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The report kinds registry: one toy kind registered is found by the CLI and the REST API
(the web form's test is in tests/web/test_report_kinds_page.py); what a kind accepts is
checked the same way everywhere."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from report_fixtures import OFFICER, Register
from toy_kind import toy_registered
from typer.testing import CliRunner

from openatt.api import create_app
from openatt.cli.main import build_app
from openatt.register.demo import DEMO_USERS
from openatt.register.errors import Invalid
from openatt.reports import kinds, service

runner = CliRunner()


def _token(client: TestClient, username: str) -> dict[str, str]:
    password = next(p for u, p, _, _ in DEMO_USERS if u == username)
    response = client.post("/auth/token", json={"username": username, "password": password})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_builtin_kinds_are_rows_of_the_registry() -> None:
    names = [k.name for k in kinds.all_kinds()]
    assert names[:3] == ["att-annual", "unroca", "national"]
    national = kinds.get_kind("national")
    assert national.formats == ("html", "pdf", "json", "zip") and national.bases == ("both",)
    problems = national.problems(year=2200, basis="authorised", fmt="xlsx", options={"years": 0})
    assert set(problems) == {"year", "basis", "format", "years"}


def test_a_toy_kind_is_in_the_cli_and_the_api(register: Register, tmp_path: Path) -> None:
    with toy_registered() as toy:
        app = build_app()
        listed = runner.invoke(app, ["report", "--help"])
        assert toy.name in listed.output
        out = tmp_path / "toy.json"
        result = runner.invoke(
            app,
            [
                "report",
                toy.name,
                "--year",
                str(register.year),
                "--out",
                str(out),
                "--shout",
                "--database",
                register.url,
            ],
        )
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["licences"] > 0
        too_early = runner.invoke(
            app,
            ["report", toy.name, "--year", "2019", "--out", str(out), "--database", register.url],
        )
        assert too_early.exit_code == 2
        api = create_app(register.url)
        with TestClient(api) as client:
            officer = _token(client, "officer")
            described = client.get("/reports/kinds", headers=officer).json()
            assert toy.name in [k["name"] for k in described]
            body = {"year": register.year, "shout": True}
            response = client.post(f"/reports/{toy.name}", json=body, headers=officer)
            assert response.status_code == 200, response.text
            assert response.headers["X-Report-Version"] == "1"
            wrong = client.post(
                f"/reports/{toy.name}", json={"year": register.year, "loud": 1}, headers=officer
            )
            assert wrong.status_code == 422 and "loud" in wrong.text
        api.state.db.dispose()
    assert toy.name not in [k.name for k in kinds.all_kinds()]


def test_every_interface_refuses_what_the_kind_does_not_accept(register: Register) -> None:
    for call, field in (
        (lambda: service.generate(register.db, OFFICER, "att-annual", year=2200), "year"),
        (lambda: service.generate(register.db, OFFICER, "unroca", year=2025, fmt="pdf"), "format"),
        (lambda: service.generate(register.db, OFFICER, "nope", year=2025), "kind"),
        (
            lambda: service.generate(
                register.db, OFFICER, "national", year=2025, options={"rates": "USD:x"}
            ),
            "rates",
        ),
    ):
        try:
            call()
        except Invalid as error:
            assert error.field == (field,), error.message
        else:
            raise AssertionError(f"{field} was accepted")
    api = create_app(register.url)
    with TestClient(api) as client:
        officer = _token(client, "officer")
        national = client.post(
            "/reports/national",
            json={"year": register.year, "basis": "both", "format": "json"},
            headers=officer,
        )
        assert national.status_code == 200, national.text
        wrong = client.post(
            "/reports/national", json={"year": register.year, "basis": "actual"}, headers=officer
        )
        assert wrong.status_code == 422 and "basis" in wrong.text
    api.state.db.dispose()

"""The command line and the REST API over the demo register."""

from __future__ import annotations

import io
import json
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from report_fixtures import Register
from sqlalchemy import text
from typer.testing import CliRunner

from openatt.api import create_app
from openatt.cli.main import build_app
from openatt.register.demo import DEMO_USERS
from openatt.reports.writers import att

runner = CliRunner()


def _cli(register: Register, *args: str) -> tuple[int, str]:
    result = runner.invoke(build_app(), [*args, "--database", register.url])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def test_cli_writes_the_att_report_and_records_it(register: Register, tmp_path: Path) -> None:
    out = tmp_path / "att.xlsx"
    code, output = _cli(
        register, "report", "att-annual", "--year", str(register.year), "--out", str(out)
    )
    assert code == 0, output
    workbook = load_workbook(out)
    assert tuple(workbook.sheetnames) == att.SHEETS
    code, output = _cli(register, "report", "list")
    assert code == 0 and "att-annual" in output
    code, output = _cli(register, "report", "verify", "1")
    assert code == 0 and "reproduces" in output
    code, output = _cli(
        register,
        "report",
        "unroca",
        "--year",
        str(register.year),
        "--out",
        str(tmp_path / "unroca.json"),
    )
    assert code == 0, output
    assert json.loads((tmp_path / "unroca.json").read_text())["form"] == "unroca"
    code, output = _cli(
        register,
        "report",
        "national",
        "--year",
        str(register.year),
        "--out",
        str(tmp_path / "national"),
    )
    assert code == 0, output
    assert (tmp_path / "national" / "report.html").is_file()
    assert (tmp_path / "national" / "charts" / "exports_by_region.svg").is_file()


def test_cli_bad_input_is_one_line_and_exit_2(register: Register, tmp_path: Path) -> None:
    for args, field in (
        (("--basis", "planned", "--out", str(tmp_path / "a.xlsx")), "--basis"),
        (("--out", str(tmp_path / "a.docx")), "--out"),
        (("--out", str(tmp_path / "a.xlsx"), "--as-of", "yesterday"), "--as-of"),
        (("--out", str(tmp_path / "a.xlsx"), "--state", "Atlantis"), "--state"),
    ):
        code, output = _cli(register, "report", "att-annual", "--year", "2026", *args)
        assert code == 2, output
        assert field in output and "Traceback" not in output


def test_cli_refuses_a_report_that_does_not_add_up(register: Register, tmp_path: Path) -> None:
    with register.db.engine.begin() as connection:
        connection.execute(text("UPDATE shipments SET quantity = quantity + 1000"))
    code, output = _cli(
        register,
        "report",
        "att-annual",
        "--year",
        str(register.year),
        "--basis",
        "actual",
        "--out",
        str(tmp_path / "a.xlsx"),
    )
    assert code == 1
    assert "refused" in output and "exceeds licence LIC-" in output
    assert not (tmp_path / "a.xlsx").exists()


def test_cli_prints_a_licence_number_as_written_not_as_rich_markup(register: Register) -> None:
    """A licence number quoted in an error is text, not rich markup: ``[/]`` raised a
    MarkupError (a traceback, exit 1) and ``[holdings]`` vanished."""
    for number in ("LIC [/]", "ACME [holdings] Ltd"):
        code, output = _cli(
            register, "report", "withhold", number, "--grounds", "none", "--reason", "test"
        )
        assert code == 2 and f"error: licence {number} not found" in output, output


def _token(client: TestClient, username: str) -> dict[str, str]:
    password = next(p for u, p, _, _ in DEMO_USERS if u == username)
    response = client.post("/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_api_downloads_for_officers_and_auditors_only(register: Register) -> None:
    app = create_app(register.url)
    with TestClient(app) as client:
        officer, auditor = _token(client, "officer"), _token(client, "auditor")
        body = {"year": register.year, "basis": "authorised", "format": "xlsx"}
        response = client.post("/reports/att-annual", json=body, headers=officer)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        workbook = load_workbook(io.BytesIO(response.content))
        assert tuple(workbook.sheetnames) == att.SHEETS
        report_id = response.headers["X-Report-Id"]
        assert client.post("/reports/att-annual", json=body, headers=auditor).status_code == 200
        for username in ("nordarms", "admin"):
            denied = client.post("/reports/att-annual", json=body, headers=_token(client, username))
            assert denied.status_code == 403, username
        listed = client.get("/reports", headers=auditor).json()
        assert [r["id"] for r in listed] == [int(report_id), int(report_id) + 1]
        verified = client.get(f"/reports/{report_id}/verify", headers=auditor).json()
        assert verified["reproduces"] is True
        # Auditors read; only officers submit.
        assert (
            client.post(f"/reports/{report_id}/submit", json={}, headers=auditor).status_code == 403
        )
        submitted = client.post(
            f"/reports/{report_id}/submit", json={"note": "sent"}, headers=officer
        )
        assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
        bad = client.post("/reports/att-annual", json={"year": 1800}, headers=officer)
        assert bad.status_code == 422
        national = client.post(
            "/reports/national", json={"year": register.year, "format": "json"}, headers=officer
        )
        assert national.status_code == 200 and national.json()["kind"] == "national"
    app.state.db.dispose()


def test_api_refusal_names_the_shipment(register: Register) -> None:
    with register.db.engine.begin() as connection:
        connection.execute(text("UPDATE shipments SET quantity = quantity + 1000"))
    app = create_app(register.url)
    with TestClient(app) as client:
        response = client.post(
            "/reports/att-annual",
            json={"year": register.year, "basis": "actual", "format": "json"},
            headers=_token(client, "officer"),
        )
        assert response.status_code == 409
        assert any("exceeds licence" in p for p in response.json()["problems"])
    app.state.db.dispose()

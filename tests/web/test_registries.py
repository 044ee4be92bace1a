"""Adding a regime or a list format touches one registry: a toy of each, registered the way an
authority or a plug-in would, is found by the CLI, the API and the web UI alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.core.loading import parse_applications
from openatt.register.demo import DEMO_USERS
from openatt.screening.importers import IMPORTERS, register_importer
from openatt.screening.model import ImportResult, MalformedList

Browser = Any  # the logged-in client of tests/web/conftest.py
PASSWORDS = {username: password for username, password, _role, _company in DEMO_USERS}

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "04-lebanon-government.yaml"
TOY_REGIME = """\
id: toy
title: Toy regime of Ruritania
base: att
valid_from: 2020-01-01
citations:
  - {instrument: Ruritanian export act (invented for a test), provision: sec. 1}
binding:
  kind: states
  states: [BEL]
  description: A regime invented for a test; it binds Belgium only.
"""


class ToyImporter:
    """A list format invented for the test: a file that starts with ``toy-list``."""

    FORMAT = "toy-list"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"toy-list")

    def read(self, path: Path) -> ImportResult:
        raise MalformedList(f"{path.name}: a toy list holds no entity")


@pytest.fixture
def toy_regime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    overlay = tmp_path / "toy.yaml"
    overlay.write_text(TOY_REGIME, "utf-8")
    monkeypatch.setenv("OPENATT_OVERLAYS", str(overlay))
    return overlay


@pytest.fixture
def toy_importer() -> Iterator[ToyImporter]:
    toy = ToyImporter()
    register_importer(toy)
    try:
        yield toy
    finally:
        IMPORTERS.pop(toy.FORMAT, None)


def test_the_cli_finds_the_toy_regime_and_importer(
    toy_regime: Path, toy_importer: ToyImporter, tmp_path: Path
) -> None:
    runner = CliRunner()
    listed = runner.invoke(build_app(), ["law", "list", "--regime", "toy"])
    assert listed.exit_code == 0, listed.output
    assert "Toy regime of Ruritania (toy)" in listed.stdout
    assessed = runner.invoke(
        build_app(), ["assess", str(EXAMPLE), "--regime", "att,toy", "--format", "json"]
    )
    assert assessed.exit_code == 0, assessed.output
    assert '"regime": "toy"' in assessed.stdout
    unknown = runner.invoke(build_app(), ["assess", str(EXAMPLE), "--regime", "nope"])
    assert unknown.exit_code == 2 and "toy" in unknown.output
    toy_file = tmp_path / "list.txt"
    toy_file.write_text("toy-list\n", "utf-8")
    imported = runner.invoke(
        build_app(),
        ["lists", "import", str(toy_file)],
        env={"OPENATT_HOME": str(tmp_path / "home")},
    )
    assert imported.exit_code == 2
    assert "a toy list holds no entity" in imported.output  # detected, then read by the toy


def test_the_api_finds_the_toy_regime_and_importer(
    toy_regime: Path, toy_importer: ToyImporter, web: Browser
) -> None:
    client = web.client
    token = client.post(
        "/auth/token", json={"username": "officer", "password": PASSWORDS["officer"]}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    regimes = {r["id"]: r["title"] for r in client.get("/regimes", headers=auth).json()}
    assert regimes["toy"] == "Toy regime of Ruritania" and "att" in regimes
    assert "toy-list" in client.get("/screening/formats", headers=auth).json()
    [application] = parse_applications(EXAMPLE.read_text("utf-8"), EXAMPLE.name)
    refused = client.post(
        "/assess?regimes=nope",
        json=application.model_dump(mode="json"),
        headers=auth,
    )
    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"][:2] == ["query", "regimes"]
    assert "unknown regime 'nope'" in detail["msg"] and "toy" in detail["msg"]


def test_the_web_ui_lists_the_toy_regime_and_importer(
    toy_regime: Path, toy_importer: ToyImporter, web: Browser
) -> None:
    web.login("officer")
    page = web.get("/ui/reference")
    assert page.status_code == 200
    assert "Toy regime of Ruritania" in page.text and "toy-list" in page.text

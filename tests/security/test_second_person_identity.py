"""Issue 13, attack 1, the next try: the "second person" is the same person under another
account whose name reads the same in the log and on the case ("Officer" beside "officer",
a trailing space, a Cyrillic "o", U+043E). Four-eyes holds between accounts; an account whose name
passes for another's is refused when it is made (the API, the CLI and the admin page all
create users through ``users.add_user``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import PASSWORD, Api

from openatt.cli.main import build_app


@pytest.mark.parametrize("name", ["Officer", "OFFICER", "Senior"])
def test_an_account_named_like_another_but_for_case_is_refused(api: Api, name: str) -> None:
    body = {"username": name, "password": PASSWORD, "role": "senior_reviewer"}
    response = api.post("/users", "admin", body)
    assert response.status_code == 409, response.text
    assert response.json()["detail"] and "exists" in response.text
    names = [u["username"] for u in api.get("/users", "admin").json()]
    assert name not in names


@pytest.mark.parametrize("name", ["\u043efficer", "officer ", "of\u200bficer"])
def test_a_look_alike_username_is_refused_by_the_cli(api: Api, name: str) -> None:
    result = CliRunner().invoke(
        build_app(),
        ["users", "add", name, "--role", "senior_reviewer", "--database", api.url],
        env={"OPENATT_NEW_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 2, result.output
    assert "username" in result.output
    names = [u["username"] for u in api.get("/users", "admin").json()]
    assert name not in names

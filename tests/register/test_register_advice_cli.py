"""``openatt teams add / member / list`` on SQLite and PostgreSQL: teams are data in the
register, every change an event; bad input exits 2 naming the field, nothing written."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import audit
from openatt.register.db import Database
from openatt.register.models import Event

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(
        build_app(), list(args), env={"OPENATT_NEW_PASSWORD": "adviser-password-1"}
    )
    return result.exit_code, result.output


def _events(url: str) -> int:
    db = Database(url)
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(Event)).scalar_one())
    finally:
        db.dispose()


def test_teams_add_member_and_list(database_url: str) -> None:
    db = ["--database", database_url]
    assert run("users", "add", "admin", "--role", "admin", *db)[0] == 0
    code, out = run("teams", "add", "defence", "--name", "Ministry of Defence", *db)
    assert code == 0, out
    code, out = run(
        "teams",
        "add",
        "foreign-affairs",
        "--name",
        "Foreign Affairs",
        "--topic",
        "human_rights",
        "--topic",
        "ihl",
        *db,
    )
    assert code == 0, out
    assert run("users", "add", "amira", "--role", "adviser", *db)[0] == 0
    code, out = run("teams", "member", "defence", "amira", *db)
    assert code == 0 and "amira advises for defence" in out
    before = _events(database_url)
    for args, field in (
        (("teams", "add", "Bad Code", "--name", "X"), "code:"),
        (("teams", "add", "tech", "--name", "T", "--topic", "weather"), "topics:"),
        (("teams", "member", "defence", "nobody"), "username:"),
        (("teams", "member", "nowhere", "amira"), "team:"),
    ):
        code, out = run(*args, *db)
        assert code == 2 and field in out, (args, out)
    code, out = run("teams", "add", "tech", "--name", "T", "--user", "amira", *db)
    assert code == 2 and "may not team.manage" in out
    assert _events(database_url) == before
    code, out = run("teams", "list", *db)
    assert code == 0
    assert "defence" in out and "amira" in out and "human_rights, ihl" in out
    check = Database(database_url)
    try:
        with check.read() as s:
            assert audit.verify(s).intact
    finally:
        check.dispose()


def test_team_names_print_as_written_not_as_rich_markup(database_url: str) -> None:
    """A team's name is text, not rich markup: ``[/]`` raised a MarkupError (a traceback,
    exit 1) and ``[holdings]`` vanished from what ``teams add`` and ``teams list`` print."""
    db = ["--database", database_url]
    assert run("users", "add", "admin", "--role", "admin", *db)[0] == 0
    code, out = run("teams", "add", "defence", "--name", "ACME [holdings] Ltd", *db)
    assert code == 0 and "added team defence (ACME [holdings] Ltd)" in out, out
    code, out = run("teams", "add", "tech", "--name", "Ali [/]", *db)
    assert code == 0 and "added team tech (Ali [/])" in out, out
    code, out = run("teams", "list", *db)
    assert code == 0 and "ACME [holdings] Ltd" in out and "Ali [/]" in out, out

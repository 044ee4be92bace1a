"""``openatt queues``, ``flags`` and ``routing``: as a user runs them, with one-line errors
and exit code 2 for bad input, and nothing written when a file is refused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import users
from openatt.register.db import Database
from openatt.register.models import Event, Role

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "casework" / "routing-rules.yaml"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(build_app(), list(args))
    return result.exit_code, result.output


def _events(url: str) -> int:
    db = Database(url)
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(Event)).scalar_one())
    finally:
        db.dispose()


def test_queues_flags_and_rules_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    with db.write() as s:
        users.add_user(
            s,
            username="senior",
            password="a long password",
            role=Role.senior_reviewer,
            company=None,
        )
        users.add_user(
            s, username="clerk", password="a long password", role=Role.officer, company=None
        )
    db.dispose()
    at = ("--database", database_url)
    for name, team in (
        ("Licensing", "Licensing casework"),
        ("Technical assessment", "Technical"),
        ("Sanctions and denials", "Sanctions"),
    ):
        code, out = run("queues", "add", name, "--team", team, "--user", "senior", *at)
        assert code == 0, out
    code, out = run("queues", "add", "Licensing", "--team", "X", "--user", "senior", *at)
    assert code == 2 and "name" in out and "already exists" in out
    code, out = run("queues", "add", "Mine", "--team", "X", "--user", "clerk", *at)
    assert code == 2 and "may not casework.configure" in out
    code, out = run(
        "flags",
        "add",
        "Major platform",
        "--level",
        "goods",
        "--cleared-by",
        "officer",
        "--colour",
        "purple",
        "--user",
        "senior",
        *at,
    )
    assert code == 0 and "goods" in out, out
    code, out = run(
        "flags",
        "add",
        "Odd",
        "--level",
        "planet",
        "--cleared-by",
        "officer",
        "--user",
        "senior",
        *at,
    )
    assert code == 2 and "--level" in out

    # A file naming a queue that does not exist is refused as a whole: nothing written.
    broken = tmp_path / "rules.yaml"
    broken.write_text(EXAMPLE.read_text("utf-8").replace("[Licensing]", "[Nowhere]"), "utf-8")
    before = _events(database_url)
    code, out = run("routing", "load", str(broken), "--user", "senior", *at)
    assert code == 2 and "rules.0.then" in out and "Nowhere" in out
    assert _events(database_url) == before
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        "rules:\n  - name: x\n    when: {destination: [SAU]}\n    then: {queues: [Licensing]}\n"
    )
    code, out = run("routing", "load", str(typo), "--user", "senior", *at)
    assert code == 2 and "rules.0.when.destination" in out

    code, out = run("routing", "load", str(EXAMPLE), "--user", "senior", *at)
    assert code == 0 and out.count("v1: created") == 4, out
    code, out = run("routing", "load", str(EXAMPLE), "--user", "senior", *at)
    assert out.count("v1: unchanged") == 4
    code, out = run("routing", "list", "--user", "clerk", *at)
    assert code == 0 and "Major platforms" in out and "Every case to Licensing" in out
    code, out = run("queues", "list", "--user", "clerk", *at)
    assert code == 0 and "Sanctions and denials" in out
    code, out = run("audit", "verify", *at)
    assert code == 0 and "intact" in out


def test_queue_names_print_as_written_not_as_rich_markup(database_url: str) -> None:
    """A queue's name and team are text, not rich markup: ``[/]`` raised a MarkupError (a
    traceback, exit 1) and ``[holdings]`` vanished."""
    db = Database(database_url)
    with db.write() as s:
        users.add_user(s, username="senior", password="a long password", role=Role.senior_reviewer)
    db.dispose()
    at = ("--database", database_url, "--user", "senior")
    code, out = run("queues", "add", "ACME [holdings] Ltd", "--team", "Ali [/]", *at)
    assert code == 0 and "ACME [holdings] Ltd (Ali [/])" in out, out
    code, out = run("queues", "list", *at)
    assert code == 0 and "ACME [holdings] Ltd" in out and "Ali [/]" in out, out

"""``openatt indicators rejections`` lists the demo's rejected offer with the officer's
reasons, and filters by mapping version (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from openatt.cli.main import build_app


def test_rejections_from_the_demo(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(build_app(), ["demo", "--database", database_url]).exit_code == 0
    listed = runner.invoke(
        build_app(), ["indicators", "rejections", "--json", "--database", database_url]
    )
    assert listed.exit_code == 0, listed.output
    [rejection] = json.loads(listed.output)
    assert rejection["destination"] == "ARE" and "search radars" in rejection["reasons"]
    assert rejection["mapping"].startswith("indicator-mapping-v")
    other = runner.invoke(
        build_app(),
        ["indicators", "rejections", "--json", "--mapping", "no-such", "--database", database_url],
    )
    assert json.loads(other.output) == []


def test_reasons_print_as_written_not_as_rich_markup(database_url: str) -> None:
    """An officer's reasons are text, not rich markup: ``[/]`` raised a MarkupError (a
    traceback, exit 1) and ``[holdings]`` vanished from the table."""
    from sqlalchemy import update

    from openatt.register.db import Database
    from openatt.register.models import OfferDecisionRow

    runner = CliRunner()
    assert runner.invoke(build_app(), ["demo", "--database", database_url]).exit_code == 0
    db = Database(database_url)  # the demo's rejection, its reasons as an officer might write
    try:
        with db.write() as session:
            session.execute(
                update(OfferDecisionRow).values(reasons="ACME [holdings] Ltd; see Ali [/]")
            )
    finally:
        db.dispose()
    listed = runner.invoke(
        build_app(),
        ["indicators", "rejections", "--database", database_url],
        env={"COLUMNS": "300"},
    )
    assert listed.exit_code == 0, listed.output
    assert "ACME [holdings] Ltd; see Ali [/]" in listed.output, listed.output

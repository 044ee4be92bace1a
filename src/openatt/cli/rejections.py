"""``openatt indicators rejections``: the officers' rejections of indicator evidence offered
on cases, read from the register (the evidence the next mapping version is revised on)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from openatt.cli.output import console
from openatt.cli.register import DatabaseOption, _database

_out = console()  # data printed as written, not read as rich markup


def rejections(
    mapping: Annotated[
        str | None, typer.Option("--mapping", help="one mapping version, e.g. indicator-mapping-v2")
    ] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="one rule of the mapping")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print JSON, one object a rejection")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """List the rejections of indicator evidence, newest first, with the officers' reasons."""
    from openatt.register import offers
    from openatt.register.users import SYSTEM

    db = _database(database)
    try:
        with db.read() as session:
            rows = offers.rejections(session, SYSTEM, mapping=mapping, rule=rule)
    finally:
        db.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "application_id": r.application_id,
                        "destination": r.destination,
                        "offer": r.offer_key,
                        "mapping": r.mapping,
                        "rule": r.rule,
                        "indicator": r.indicator,
                        "variable": r.variable,
                        "value": r.value,
                        "year": r.year,
                        "band": r.band,
                        "reasons": r.reasons,
                        "decided_at": r.decided_at.isoformat(),
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    table = Table(title=f"Rejected indicator evidence ({len(rows)})")
    for column in ("case", "to", "mapping", "rule", "indicator", "value", "year", "reasons", "on"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.application_id),
            r.destination,
            r.mapping,
            r.rule,
            f"{r.indicator} {r.variable}",
            "" if r.value is None else f"{r.value:g}",
            "" if r.year is None else str(r.year),
            r.reasons,
            r.decided_at.date().isoformat(),
        )
    _out.print(table)


def register(_app: typer.Typer) -> None:
    """Attach ``rejections`` to the ``indicators`` command group."""
    from openatt.cli.monitoring import indicators_app

    indicators_app.command("rejections")(rejections)

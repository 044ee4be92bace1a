"""``openatt law classify`` and ``openatt law entry``: the control lists on the command line.

Thin like the other commands: parse the options, call the pure lookup in
``openatt.reference``, render. The lists are imported inside the commands so that
``openatt --help`` does not load them.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from openatt.cli.errors import fail, parse_date

if TYPE_CHECKING:
    from openatt.reference.control_lists import ControlLists, Placement


class ListId(StrEnum):
    eu_cml = "eu-cml"
    usml = "usml"
    uk_ml = "uk-ml"


class Output(StrEnum):
    table = "table"
    json = "json"


def _lists(overlay: Path | None) -> ControlLists:
    from openatt.reference.control_lists import (
        ControlListError,
        default_control_lists,
        parse_list,
    )

    lists = default_control_lists()
    if overlay is None:
        return lists
    try:
        text = overlay.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--overlay: {overlay}: cannot read: {exc}")
    try:
        return lists.with_overlay(parse_list(overlay.name, text))
    except ControlListError as exc:
        fail(f"--overlay: {exc}")


def _placement_text(where: Placement) -> str:
    rows = [f"ATT {where.att_subcategory or where.att_category.value}"]
    if where.article:
        rows.append(f"Art. {where.article}")
    rows.append(
        f"UNROCA {where.unroca_subcategory}" if where.unroca_subcategory else "no UNROCA row"
    )
    return ", ".join(rows)


def _placement_json(where: Placement) -> dict[str, object]:
    return {
        "att_category": where.att_category.value,
        "att_subcategory": where.att_subcategory,
        "unroca_category": where.unroca_category,
        "unroca_subcategory": where.unroca_subcategory,
        "article": where.article,
        "art3_4": where.art3_4,
        "note": where.note,
    }


def classify(
    description: str = typer.Argument(..., help="What the goods are, in words."),
    list_id: ListId = typer.Option(ListId.eu_cml, "--list", help="eu-cml, usml or uk-ml."),
    limit: int = typer.Option(5, "--limit", "-n", min=1, max=50, help="How many entries."),
    on: str | None = typer.Option(None, "--on", help="The list as in force on this day."),
    overlay: Path | None = typer.Option(None, "--overlay", help="A national list overlay file."),
    output: Output = typer.Option(Output.table, "--format", "-f", help="table or json."),
) -> None:
    """Rank control-list entries (and item kinds) for a description, with wording and citation."""
    from openatt.reference.control_lists import ControlListError
    from openatt.reference.control_suggest import ALGORITHM, suggest

    if not description.strip():
        fail("description: give the goods in words, e.g. '81 mm mortar'")
    day = parse_date(on, "--on")
    try:
        found = suggest(
            description, list_id.value, limit, day, _lists(overlay) if overlay else None
        )
    except ControlListError as exc:
        fail(str(exc))
    if output is Output.json:
        rows = [
            {
                "rank": s.rank,
                "entry": s.entry,
                "kind": s.kind,
                "reference": s.reference,
                "heading": s.heading,
                "wording": s.wording,
                "kind_label": s.kind_label,
                "score": s.score,
                "citation": s.placement.citation,
                "placement": _placement_json(s.placement),
            }
            for s in found
        ]
        typer.echo(
            json.dumps(
                {"algorithm": ALGORITHM, "list": list_id.value, "suggestions": rows}, indent=2
            )
        )
        return
    if not found:
        typer.echo(f"No entry of {list_id.value} matches {description!r}.")
        raise typer.Exit(1)
    typer.echo(f"{description!r}: {list_id.value} entries, best first ({ALGORITHM})")
    for s in found:
        typer.echo(f"\n{s.rank}. {s.reference}  {s.heading}")
        if s.kind_label:
            typer.echo(f"   kind: {s.kind_label}")
        typer.echo(f"   wording: {s.wording}")
        note = f" - {s.placement.note}" if s.placement.note else ""
        typer.echo(f"   placement: {_placement_text(s.placement)}{note}")
        typer.echo(f"   citation: {s.placement.citation}")


def entry(
    reference: str = typer.Argument(..., help="e.g. ML10.c, USML IV(b), UK ML4"),
    on: str | None = typer.Option(None, "--on", help="The list as in force on this day."),
    overlay: Path | None = typer.Option(None, "--overlay", help="A national list overlay file."),
) -> None:
    """Show one entry: its wording, item kinds and where each lands in the reports."""
    from openatt.reference.control_lists import ControlListError

    lists = _lists(overlay)
    day = parse_date(on, "--on")
    try:
        ref = lists.resolve(reference, day)
        found = lists.entry(ref.list_id, ref.entry, day)
        typer.echo(f"{ref.list_id} {found.id}: {found.heading}")
        typer.echo(f"  {found.wording}")
        if found.placement is not None:
            where = lists.placement(ref.list_id, found.id, None, day)
            typer.echo(f"  placement: {_placement_text(where)}")
        for kind in found.kinds:
            where = lists.placement(ref.list_id, found.id, kind.id, day)
            typer.echo(f"  kind {kind.id}: {kind.label} -> {_placement_text(where)}")
        first_kind = found.kinds[0].id if found.kinds else None
        citation = lists.placement(ref.list_id, found.id, first_kind, day).citation
        typer.echo(f"  citation: {citation}")
    except ControlListError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    """Add ``classify`` and ``entry`` to the ``law`` group."""
    from openatt.cli.core_commands import law_app

    names = {command.name for command in law_app.registered_commands}
    if "classify" not in names:  # build_app may run more than once in a process
        law_app.command("classify")(classify)
        law_app.command("entry")(entry)

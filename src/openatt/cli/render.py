"""Render assessments for people (rich tables, markdown) and for programs (JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from openatt.core.findings import Assessment, Outcome, Recommendation
from openatt.core.model import Application
from openatt.reference.states import state_name

OUTCOME_STYLE = {
    Outcome.prohibited: "bold red",
    Outcome.risk: "red",
    Outcome.requires_authorisation: "magenta",
    Outcome.unknown: "yellow",
    Outcome.concern: "dark_orange",
    Outcome.clear: "green",
    Outcome.not_applicable: "dim",
}
RECOMMENDATION_STYLE = {
    Recommendation.deny: "bold white on red",
    Recommendation.refer: "bold black on yellow",
    Recommendation.approve_with_conditions: "bold black on dark_orange",
    Recommendation.approve: "bold white on green",
}
NOTABLE = (
    Outcome.prohibited,
    Outcome.risk,
    Outcome.requires_authorisation,
    Outcome.unknown,
    Outcome.concern,
)


def grouped(assessment: Assessment) -> list[tuple[Outcome, str, list[str]]]:
    """Notable findings grouped by (outcome, reason), worst first, so repeats read once."""
    groups: dict[tuple[Outcome, str], list[str]] = {}
    for finding in assessment.findings:
        if finding.outcome in NOTABLE:
            groups.setdefault((finding.outcome, finding.reason), []).append(finding.criterion)
    ordered = sorted(groups.items(), key=lambda kv: NOTABLE.index(kv[0][0]))
    return [
        (outcome, reason, list(dict.fromkeys(criteria))) for (outcome, reason), criteria in ordered
    ]


def _text(value: str) -> Text:
    """A cell or title from the application, the law or an overlay, as it is written: a panel's
    string title is always read as rich markup, and a table's string cells and title are when
    the console reads markup (an application id or file named ``Ali [/]`` raised a MarkupError,
    ``ACME [holdings] Ltd`` lost ``[holdings]``: found 2026-12-06). Not highlighted, as a
    table's string cells are not."""
    return Text(value)


def _title(app: Application, source: str) -> str:
    route = " → ".join(
        state_name(s) for s in (app.exporting_state, *app.transit_states, app.importing_state)
    )
    ident = app.id or source
    return f"{ident}: {app.kind.value}, {route}, {app.date.isoformat()}"


def assessment_panel(
    app: Application, source: str, assessments: Sequence[Assessment], verbose: bool
) -> Panel:
    summary = Table(show_header=True, header_style="bold", expand=True)
    summary.add_column("Regime")
    summary.add_column("Binding")
    summary.add_column("Recommendation")
    summary.add_column("Decisive findings")
    for a in assessments:
        notable = grouped(a)
        lines = Text()
        for outcome, reason, criteria in notable:
            lines.append(f"{', '.join(criteria)} ", style="bold")
            lines.append(outcome.value, style=OUTCOME_STYLE[outcome])
            lines.append(f": {reason}\n")
        summary.add_row(
            Text(a.regime, style="bold"),
            Text("binding" if a.binding else "advisory", style="green" if a.binding else "yellow"),
            Text(f" {a.recommendation.value} ", style=RECOMMENDATION_STYLE[a.recommendation]),
            lines if notable else Text("no concerns", style="green"),
        )
    parts: list[Any] = [summary]
    parties = f"End user: {app.end_user.name} ({app.end_user.kind.value}, {state_name(app.end_user.country)})"
    items = "; ".join(f"{i.quantity} × {i.description} [{i.category.value}]" for i in app.items)
    parts.insert(0, Text(f"{parties}\nItems: {items}", style="dim"))
    for a in assessments:
        if a.conditions:
            parts.append(
                Text(f"{a.regime} conditions: " + "; ".join(a.conditions), style="dark_orange")
            )
    if verbose:
        for a in assessments:
            title = Text(
                f"{a.regime_title}: {a.binding_reason}", style="table.title"
            )  # as rich styles a str title
            table = Table(title=title, expand=True)
            for column in ("Rule", "Outcome", "Reason", "Citation"):
                table.add_column(column)
            for f in a.findings:
                table.add_row(
                    _text(f.criterion),
                    Text(f.outcome.value, style=OUTCOME_STYLE[f.outcome]),
                    _text(f.reason),
                    _text("; ".join(str(c) for c in f.citations[:2])),
                )
            parts.append(table)
    return Panel(Group(*parts), title=_text(_title(app, source)), title_align="left")


def print_tables(
    console: Console, results: Sequence[tuple[str, Application, list[Assessment]]], verbose: bool
) -> None:
    for source, app, assessments in results:
        console.print(assessment_panel(app, source, assessments, verbose))


def to_json(
    results: Sequence[tuple[str, Application, list[Assessment]]], law_version: str
) -> dict[str, Any]:
    from openatt import __version__

    return {
        "openatt_version": __version__,
        "law_version": law_version,
        "assessments": [
            {"source": source, **a.model_dump(mode="json")}
            for source, _, assessments in results
            for a in assessments
        ],
    }


def to_markdown(results: Sequence[tuple[str, Application, list[Assessment]]]) -> str:
    out: list[str] = []
    for source, app, assessments in results:
        out.append(f"## {_title(app, source)}\n")
        out.append("| Regime | Binding | Recommendation | Decisive findings |")
        out.append("|---|---|---|---|")
        for a in assessments:
            cell = (
                "<br>".join(
                    f"**{', '.join(criteria)}** {outcome.value}: {reason}"
                    for outcome, reason, criteria in grouped(a)
                )
                or "no concerns"
            )
            binding = "binding" if a.binding else "advisory"
            out.append(
                f"| {a.regime} | {binding} | **{a.recommendation.value}** | {cell.replace('|', '/')} |"
            )
        for a in assessments:
            if a.conditions:
                out.append(f"\n*{a.regime} conditions:* " + "; ".join(a.conditions))
        out.append("")
    return "\n".join(out)

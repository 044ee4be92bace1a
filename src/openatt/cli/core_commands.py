"""Commands over the pure core: assess, law show/list/sources, embargoes, reference.

The engine, the law and the renderers are imported inside the commands, so that
``openatt --help`` and the other features' commands start without loading them.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from openatt.cli.errors import fail, parse_date, parse_list

if TYPE_CHECKING:
    from openatt.core.findings import Assessment
    from openatt.core.model import Application

DEFAULT_CLI_REGIMES = "att,eu,us"


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except IsADirectoryError:
        fail(f"{path}: is a folder; give application files (e.g. {path}/*.yaml)")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror}")


def assess(
    files: list[Path] = typer.Argument(
        ..., help="Application files (YAML or JSON).", show_default=False
    ),
    regime: str = typer.Option(
        DEFAULT_CLI_REGIMES, "--regime", "-r", help="Regimes, comma-separated."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Assess as of this date instead of each application's."
    ),
    output: Format = typer.Option(Format.table, "--format", "-f", help="table, json or markdown."),
    overlay: list[Path] = typer.Option(
        [], "--overlay", help="A national overlay file; adds a regime."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show every finding with its citation."
    ),
) -> None:
    """Assess applications under several regimes side by side."""
    from openatt.cli.output import console
    from openatt.cli.render import print_tables, to_json, to_markdown
    from openatt.core.engine import Engine, engine_with_overlays
    from openatt.core.loading import InputError, parse_applications
    from openatt.law.loader import LawError

    try:
        engine = engine_with_overlays(overlay) if overlay else Engine.default()
    except LawError as exc:
        fail(str(exc))
    regimes = parse_list(regime, "--regime", engine.regimes())
    if overlay:  # each overlay adds its own regime, assessed beside those asked for
        builtin = set(Engine.default().regimes())
        regimes.extend(r for r in engine.regimes() if r not in builtin and r not in regimes)
    day = parse_date(as_of, "--as-of")
    results: list[tuple[str, Application, list[Assessment]]] = []
    for path in files:
        try:
            applications = parse_applications(_read(path), str(path))
        except InputError as exc:
            fail(str(exc))
        for app in applications:
            results.append((str(path), app, engine.assess(app, regimes, day)))
    if output is Format.json:
        typer.echo(json.dumps(to_json(results, engine.law_version), indent=2, ensure_ascii=False))
    elif output is Format.markdown:
        typer.echo(to_markdown(results))
    else:
        print_tables(console(), results, verbose)


law_app = typer.Typer(
    help="The law: regimes and rules, with citations and dates.", no_args_is_help=True
)


@law_app.command("show")
def law_show(
    rule_id: str = typer.Argument(..., help="A rule id, e.g. att.6.1"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Show the version in force on this date."
    ),
) -> None:
    """Show a rule: its text, citations, threshold and the version in force on a date."""
    from rich.text import Text

    from openatt.cli.output import console as plain_console
    from openatt.core.engine import Engine
    from openatt.law.loader import LawError

    day = parse_date(as_of, "--as-of")
    engine = Engine.default()
    try:
        regime, rule = engine.law.find_rule(rule_id)
    except LawError as exc:
        fail(str(exc))
    console = plain_console()  # the law's titles, summaries and citations, as written

    def styled(*parts: str | tuple[str, str]) -> Text:  # highlighted as a printed string is
        return console.highlighter(Text.assemble(*parts))

    console.print(
        styled(
            (rule.id, "bold"),
            f"  {rule.title}  ",
            (f"({regime.title}; {rule.kind.value}, evaluator {rule.evaluator})", "dim"),
        )
    )
    if rule.topics:
        console.print(f"weighs: {', '.join(t.value for t in rule.topics)}")
    for version in rule.versions:
        in_force = day is not None and version.applies_on(day)
        if day is not None and not in_force:
            continue
        until = version.valid_until.isoformat() if version.valid_until else "today"
        marked: list[str | tuple[str, str]] = [" ", ("(in force)", "green")] if in_force else []
        console.print(
            styled("\n", (f"{version.valid_from.isoformat()} – {until}", "bold"), *marked)
        )
        console.print(version.summary.strip())
        threshold = regime.threshold(version.threshold or rule.threshold)
        if rule.kind.value in ("risk", "diversion", "synthesis"):
            console.print(
                styled(
                    "threshold: ",
                    (threshold.wording, "bold"),
                    f": {threshold.interpretation.strip()}",
                )
            )
        if version.wording:
            console.print(f"text: {version.wording.strip()}")
        if rule.kind.value in ("risk", "diversion"):
            effect = version.effect or rule.effect
            console.print(
                "consequence: "
                + (
                    "a risk above the threshold is a ground for denial"
                    if effect.value == "deny"
                    else "taken into account: a risk above the threshold is a concern, not a denial"
                )
            )
        for citation in version.citations:
            console.print(f"  cites: {citation}" + (f" <{citation.url}>" if citation.url else ""))
        if version.checked:
            console.print(
                f"  checked {version.checked.on.isoformat()} against: "
                + "; ".join(version.checked.against)
                + (f" (doubt: {version.checked.doubt})" if version.checked.doubt else "")
            )
        elif version.unchecked:
            console.print(f"  not checked: {version.unchecked}")
    if day is not None and rule.version_on(day) is None:
        fail(
            f"{rule_id}: no version in force on {day.isoformat()} (versions from {rule.versions[0].valid_from})",
            1,
        )


@law_app.command("list")
def law_list(
    regime: str | None = typer.Option(None, "--regime", "-r", help="Only this regime."),
) -> None:
    """List the regimes and their rules."""
    from rich.table import Table

    from openatt.cli.output import console as plain_console
    from openatt.core.engine import Engine

    engine = Engine.default()
    wanted = parse_list(regime, "--regime", engine.regimes()) if regime else engine.regimes()
    console = plain_console()
    for regime_id in wanted:
        shown = engine.law.regime(regime_id)
        table = Table("Rule", "Title", "Kind", "In force from", "Citation")
        table.title = f"{shown.title} ({shown.id})"
        for rule in shown.rules:
            latest = rule.versions[-1]
            table.add_row(
                rule.id,
                rule.title,
                rule.kind.value,
                rule.versions[0].valid_from.isoformat(),
                str(latest.citations[0]),
            )
        console.print(table)


class CheckedFilter(StrEnum):
    all = "all"
    checked = "checked"
    unchecked = "unchecked"


@law_app.command("sources")
def law_sources(
    show: CheckedFilter = typer.Option(
        CheckedFilter.all, "--show", help="all, checked or unchecked entries."
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="Only entries whose kind contains this (e.g. 'un embargo')."
    ),
    output: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """What was checked against which primary source, and when; and what was not checked."""
    from openatt.law.loader import default_law
    from openatt.law.sources import source_ledger
    from openatt.reference.loader import default_reference

    entries = source_ledger(default_law(), default_reference())
    if kind:
        entries = [e for e in entries if kind.casefold() in e.kind.casefold()]
    if show is CheckedFilter.checked:
        entries = [e for e in entries if e.is_checked]
    elif show is CheckedFilter.unchecked:
        entries = [e for e in entries if not e.is_checked]
    done = sum(e.is_checked for e in entries)
    reasoned = sum(e.unchecked is not None for e in entries)
    summary = (
        f"{len(entries)} entries: {done} checked, {len(entries) - done} not checked "
        f"({reasoned} saying why)"
    )
    if output is Format.json:
        rows = [
            {
                "id": e.id,
                "kind": e.kind,
                "cited": e.cited,
                "checked_on": e.checked.on.isoformat() if e.checked else None,
                "against": list(e.checked.against) if e.checked else [],
                "doubt": e.checked.doubt if e.checked else None,
                "unchecked": e.unchecked,
            }
            for e in entries
        ]
        typer.echo(json.dumps({"summary": summary, "entries": rows}, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    from openatt.cli.output import console

    table = Table(title=summary)
    table.add_column("Entry", overflow="fold")
    table.add_column("Kind")
    table.add_column("Checked on", no_wrap=True)
    table.add_column("Against (doubt)")
    for e in entries:
        if e.checked:
            against = "; ".join(e.checked.against)
            if e.checked.doubt:
                against += f" (doubt: {e.checked.doubt})"
            table.add_row(e.id, e.kind, e.checked.on.isoformat(), against)
        else:
            why = f"why: {e.unchecked}; " if e.unchecked else ""
            table.add_row(e.id, e.kind, "not checked", f"{why}cited: {e.cited}")
    console().print(table)


def _state_option(value: str | None) -> str | None:
    from openatt.reference.states import UnknownState, resolve_state

    if value is None:
        return None
    try:
        return resolve_state(value)
    except UnknownState as exc:
        fail(f"--state: {exc}")


def embargoes(
    as_of: str | None = typer.Option(None, "--as-of", help="Date (default: today)."),
    state: str | None = typer.Option(None, "--state", help="Only embargoes on this state."),
    authority: str = typer.Option("un,eu", "--authority", help="un, eu, osce, comma-separated."),
    output: Format = typer.Option(Format.table, "--format", "-f"),
) -> None:
    """Arms embargoes in force on a date, with their scope and exemptions."""
    import datetime as dt

    from rich.table import Table

    from openatt.cli.output import console
    from openatt.core.engine import Engine
    from openatt.reference.states import state_name

    day = parse_date(as_of, "--as-of") or dt.date.today()
    target = _state_option(state)
    ref = Engine.default().reference
    rows: list[dict[str, Any]] = []
    for auth in parse_list(authority, "--authority", ["un", "eu", "osce"]):
        for active in ref.measures_on(day, auth, any_target=True):
            embargo, measure = active.embargo, active.measure
            if target is not None and embargo.target != target:
                continue
            rows.append(
                {
                    "authority": embargo.authority,
                    "embargo": embargo.id,
                    "target": embargo.target,
                    "name": embargo.name,
                    "measure": measure.id,
                    "direction": measure.direction.value,
                    "coverage": measure.coverage.value,
                    "categories": [c.value for c in measure.categories] or "all",
                    "groups": list(measure.groups),
                    "regions": list(measure.regions),
                    "from": measure.valid_from.isoformat(),
                    "until": measure.valid_until.isoformat() if measure.valid_until else None,
                    "exemptions": [
                        {"id": e.id, "procedure": e.procedure.value, "description": e.description}
                        for e in measure.exemptions
                        if e.applies_on(day)
                    ],
                    "citations": [str(c) for c in measure.citations],
                }
            )
    if output is Format.json:
        typer.echo(
            json.dumps(
                {"as_of": day.isoformat(), "reference_version": ref.digest, "measures": rows},
                indent=2,
            )
        )
        return
    table = Table(title=f"Arms embargoes in force on {day.isoformat()}")
    for column in ("Authority", "Target", "Measure", "Scope", "From", "Exemptions", "Citation"):
        table.add_column(column)
    for row in rows:
        scope = f"{row['direction']}, {row['coverage']}" + (
            f" {row['groups']}" if row["groups"] else ""
        )
        table.add_row(
            {"UN Security Council": "UN", "European Union": "EU"}.get(
                str(row["authority"]), str(row["authority"])
            ),
            state_name(str(row["target"])) if row["target"] else "(listed groups)",
            str(row["measure"]),
            scope,
            str(row["from"]),
            "\n".join(f"{e['procedure']}: {e['id']}" for e in row["exemptions"]),
            "\n".join(row["citations"][:2]),
        )
    console().print(table)
    if not rows:
        console().print(
            f"no embargo in force on {day.isoformat()}" + (f" for {target}" if target else "")
        )


def reference(
    as_of: str | None = typer.Option(None, "--as-of", help="Date (default: today)."),
    state: str | None = typer.Option(None, "--state", help="What the data says of one state."),
    output: Format = typer.Option(Format.table, "--format", "-f"),
) -> None:
    """What the reference data said on a date: ATT parties, EU members, 126.1, embargoes."""
    import datetime as dt

    from rich.table import Table

    from openatt.cli.output import console
    from openatt.core.engine import Engine
    from openatt.reference.states import state_name

    day = parse_date(as_of, "--as-of") or dt.date.today()
    ref = Engine.default().reference
    code = _state_option(state)
    att_parties = [p.state for p in ref.treaties["att"].parties if p.applies_on(day)]
    data: dict[str, Any] = {
        "as_of": day.isoformat(),
        "reference_version": ref.digest,
        "att_states_parties": sorted(att_parties),
        "eu_members": ref.members_on("eu", day),
        "us_126_1": sorted(
            {e.state: e.policy.value for e in ref.us_126_1 if e.applies_on(day)}.items()
        ),
        "un_measures_in_force": sorted(
            {m.measure.id for m in ref.measures_on(day, "un", any_target=True)}
        ),
        "eu_measures_in_force": sorted(
            {m.measure.id for m in ref.measures_on(day, "eu", any_target=True)}
        ),
    }
    if code:
        data = {
            "as_of": day.isoformat(),
            "state": code,
            "name": state_name(code),
            "att": {
                **ref.participation("att", code),
                "party_on_date": ref.is_party("att", code, day),
            },
            "eu_member": ref.in_group("eu", code, day),
            "us_126_1": [e.paragraph + " " + e.policy.value for e in ref.denial_policy(code, day)],
            "un_measures": [m.measure.id for m in ref.measures_on(day, "un", code)],
            "eu_measures": [m.measure.id for m in ref.measures_on(day, "eu", code)],
        }
    if output is Format.json:
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table("Fact", f"As of {day.isoformat()}", show_lines=True)
    for key, value in data.items():
        if isinstance(value, list):
            shown = ", ".join(
                str(v if not isinstance(v, tuple) else f"{v[0]} ({v[1]})") for v in value
            )
            table.add_row(f"{key} ({len(value)})", shown or "none")
        else:
            table.add_row(key, str(value))
    console().print(table)


def schema() -> None:
    """Print the JSON Schema of an application (published as schema/application.schema.json)."""
    sys.stdout.write(application_schema_json())


def application_schema_json() -> str:
    from openatt.core.model import Application

    document = Application.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["$id"] = "https://openatt.org/schema/application.schema.json"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def register(app: typer.Typer) -> None:
    """Attach the core's commands to ``app``."""
    app.command()(schema)
    app.command()(assess)
    app.add_typer(law_app, name="law")
    app.command()(embargoes)
    app.command()(reference)

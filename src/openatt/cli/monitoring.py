"""``openatt monitor`` and ``openatt indicators``: world transfer monitoring from the shell.

Thin commands: parse the options, call :mod:`openatt.monitoring.service`, render with rich.
The service (DuckDB, the engine, matplotlib) is imported inside the commands, so that the
rest of the CLI starts without it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from openatt.cli.errors import fail, parse_date, parse_list, refuse
from openatt.cli.output import console, styled
from openatt.evidence.mapping import DEFAULT_MAPPING, MAPPINGS, UnknownMapping, load_mapping
from openatt.evidence.providers import PROVIDERS

_OUT = console(highlight=False)  # names from the SIPRI and indicator files, as written
_OPTIONS = {
    "by": "--by",
    "regime": "--regime",
    "criterion": "--criterion",
    "spark": "--spark",
    "directory": "DIR",
}
"""How these commands spell the fields the monitoring service names in its errors."""
_CORES = os.cpu_count() or 1

monitor_app = typer.Typer(help="World transfer data: import, assess, audit.", no_args_is_help=True)
indicators_app = typer.Typer(help="Country indicators as cited evidence.", no_args_is_help=True)

DbOption = typer.Option(
    None, "--db", help="DuckDB file (default: OPENATT_HOME/monitoring/monitoring.duckdb)"
)


MappingOption = typer.Option(
    DEFAULT_MAPPING,
    "--mapping",
    help=f"evidence mapping version ({', '.join(MAPPINGS)}; v1 reproduces earlier runs)",
)


def _mapping(name: str) -> str:
    try:
        return load_mapping(name).id
    except UnknownMapping as exc:
        fail(f"--mapping: {exc}")


class _Bar:
    """A progress bar redrawn by the calls that move it (at most ten times a second), not
    by rich's thread: assessing and auditing fork their workers, and a fork copies a lock
    that thread may hold (the terminal's, a stream's) into each worker, held by no one
    (found in review, 2026-12-06)."""

    def __init__(self, description: str, total: int | None = None) -> None:
        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            auto_refresh=False,
        )
        self.task = self.bar.add_task(description, total=total)
        self.drawn = 0.0

    def __enter__(self) -> _Bar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def total(self, count: int) -> None:
        self.bar.update(self.task, total=count)
        self._draw()

    def advance(self, count: int) -> None:
        self.bar.advance(self.task, count)
        self._draw()

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self.drawn >= 0.1:
            self.drawn = now
            self.bar.refresh()


@monitor_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="a SIPRI trade-register or deliveries export (CSV)"),
    db: Path | None = DbOption,
) -> None:
    """Import a SIPRI export (either layout, raw or cleaned); report every unmapped name."""
    from openatt.monitoring import service
    from openatt.monitoring.sipri import LayoutError

    if not file.is_file():
        fail(f"FILE: {file} does not exist")
    lines = sum(1 for _ in file.open("rb"))
    with _Bar("reading", lines) as bar:
        try:
            report = service.import_transfers(file, db, progress=bar.advance)
        except (LayoutError, UnicodeDecodeError) as exc:
            fail(f"FILE: {exc}")
    table = Table(title=f"Imported {file.name} ({report.layout})")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("rows", report.rows),
        ("deals", report.deals),
        ("transfers (deal-years)", report.transfers),
        ("open orders (nothing delivered)", report.open_orders),
        *((f"party: {k}", v) for k, v in sorted(report.party_kinds.items())),
        *((f"not assessable: {k}", v) for k, v in sorted(report.not_assessable.items())),
    ):
        table.add_row(label, str(value))
    _OUT.print(table)
    unmapped = {**report.unmapped_names, **report.unmapped_descriptions}
    if unmapped:
        _OUT.print(styled("Unmapped", "bold yellow", " (add them to the mapping files):"))
        for name, count in sorted(unmapped.items()):
            _OUT.print(f"  {name}: {count}")
    else:
        _OUT.print("Every supplier, recipient and weapon description was mapped.")


@monitor_app.command("assess")
def assess_command(
    regime: str = typer.Option("att,eu", "--regime", help="comma-separated regime ids"),
    year_from: int | None = typer.Option(None, "--from", help="first delivery year"),
    year_to: int | None = typer.Option(None, "--to", help="last delivery year"),
    workers: int = typer.Option(_CORES, "--workers", min=1, help="processes (default: one a core)"),
    spark: str | None = typer.Option(
        None,
        "--spark",
        help="run the pipeline on Apache Spark at this master, e.g. local[4] or spark://host:7077"
        " (needs openatt[spark] and Java 17)",
    ),
    mapping: str = MappingOption,
    db: Path | None = DbOption,
) -> None:
    """Assess every imported transfer under the regimes, as of each delivery's date."""
    from openatt.core.engine import Engine
    from openatt.monitoring import service

    regimes = parse_list(regime, "--regime", Engine.default().regimes())
    chosen = _mapping(mapping)
    if year_from and year_to and year_from > year_to:
        fail(f"--from: {year_from} is after --to {year_to}")
    with _Bar("assessing") as bar:
        try:
            summary = service.assess(
                regimes,
                year_from,
                year_to,
                db=db,
                workers=workers,
                spark_master=spark,
                mapping=chosen,
                progress_total=bar.total,
                progress=bar.advance,
            )
        except service.MonitoringError as exc:
            raise refuse(exc, _OPTIONS) from exc
    _OUT.print(
        f"{summary.assessed} of {summary.transfers} transfers assessed "
        f"({summary.signatures} distinct applications) in {summary.seconds:.1f} s; "
        f"{summary.embargo_hits} embargo-interval hits; indicators: "
        f"{', '.join(summary.indicators) or 'none (risk criteria stay unknown)'}; "
        f"evidence mapping: {summary.mapping}"
    )
    table = Table(title="Recommendations")
    table.add_column("regime")
    names = ("deny", "refer", "approve_with_conditions", "approve")
    for name in names:
        table.add_column(name, justify="right")
    for reg, counts in summary.recommendations.items():
        table.add_row(reg, *(str(counts.get(n, 0)) for n in names))
    _OUT.print(table)


@monitor_app.command("audit")
def audit_command(
    by: str = typer.Option("supplier", "--by", help="supplier, recipient, region or decade"),
    criterion: str | None = typer.Option(None, "--criterion", help="a rule id, e.g. att.7.3"),
    regime: str | None = typer.Option(None, "--regime", help="one assessed regime"),
    out: Path = typer.Option(Path("report.html"), "--out", help="the HTML report to write"),
    sample: int | None = typer.Option(
        None,
        "--counterfactual-sample",
        min=0,
        help="re-assess a random sample of this many transfers (default: every transfer)",
    ),
    alternatives: int = typer.Option(
        20, "--alternatives", min=1, help="same-obligation suppliers per transfer"
    ),
    workers: int = typer.Option(_CORES, "--workers", min=1, help="processes (default: one a core)"),
    db: Path | None = DbOption,
) -> None:
    """The evenhandedness audit: tables (CSV, JSON, XLSX), charts and an HTML report."""
    from openatt.monitoring import service

    if out.suffix.lower() not in (".html", ".htm"):
        fail(f"--out: {out} must end in .html")
    with _Bar("auditing") as bar:
        try:
            result = service.run_audit(
                out,
                by=by,
                regime=regime,
                criterion=criterion,
                db=db,
                counterfactual_sample=sample,
                alternatives=alternatives,
                workers=workers,
                progress_total=bar.total,
                progress=bar.advance,
            )
        except service.MonitoringError as exc:
            raise refuse(exc, _OPTIONS) from exc
    cf = result["counterfactual"]
    _OUT.print(f"Report: {result['report']} ({len(result['files'])} files beside it)")
    _OUT.print(
        f"Counterfactual: {cf['identical']} of {cf['same_obligation_reassessments']} "
        f"re-assessments with same-obligation suppliers identical; "
        f"{cf['changed']} of {cf['different_obligation_reassessments']} changed with other "
        "obligations"
    )


@indicators_app.command("import")
def indicators_import(
    directory: Path = typer.Argument(..., help="folder holding the indicator files"),
    db: Path | None = DbOption,
) -> None:
    """Import the country indicators found under DIR (PTS, UCDP, V-Dem, CPI, GPI, FSI)."""
    from openatt.monitoring import service

    if not directory.is_dir():
        fail(f"DIR: {directory} is not a folder")
    try:
        tables = service.import_indicators(directory, db)
    except service.MonitoringError as exc:
        raise refuse(exc, _OPTIONS) from exc
    table = Table(title="Indicators imported")
    for column in ("id", "release", "file", "state-years", "years"):
        table.add_column(column)
    for t in tables.values():
        years = sorted({y for _, y in t.data})
        table.add_row(t.id, t.release, t.file, str(t.rows), f"{years[0]}-{years[-1]}")
    _OUT.print(table)
    missing = sorted(set(PROVIDERS) - set(tables))
    if missing:
        _OUT.print(f"Not found: {', '.join(missing)}")


@indicators_app.command("show")
def indicators_show(
    state: str = typer.Argument(..., help="a state: alpha-3, alpha-2 or English name"),
    date: str | None = typer.Option(None, "--date", help="decision date (default: today)"),
    category: str | None = typer.Option(
        None, "--category", help="the item's ATT category (I..VIII, ammunition, parts, other)"
    ),
    mapping: str = MappingOption,
    db: Path | None = DbOption,
) -> None:
    """The indicator evidence about STATE for a decision on --date, as an officer would see it
    (kind indicator: to accept, weigh or override with reasons)."""
    import datetime as dt

    from openatt.core.model import Category
    from openatt.evidence.offer import indicator_evidence
    from openatt.monitoring import service
    from openatt.reference.states import UnknownState, resolve_state

    try:
        code = resolve_state(state)
    except UnknownState as exc:
        fail(f"STATE: {exc}")
    day = parse_date(date, "--date") or dt.date.today()
    tables = service.stored_indicators(db)
    if not tables:
        fail("no indicators imported yet: run 'openatt indicators import DIR'")
    chosen = load_mapping(_mapping(mapping))
    try:
        kinds = (Category(category),) if category else None
    except ValueError:
        fail(f"--category: {category!r} is not one of {', '.join(c.value for c in Category)}")
    evidence = indicator_evidence(code, day, tables, chosen, kinds)
    table = Table(title=f"Evidence for {code} as of {day} ({chosen.id})")
    for column in ("criterion", "likelihood", "severity", "source", "threshold"):
        table.add_column(column)
    for item in evidence:
        threshold = (item.note or "").split(". ", 1)[0]
        table.add_row(
            item.criterion, item.likelihood.value, item.severity.value, item.source, threshold
        )
    _OUT.print(table)
    _OUT.print("Indicators lag: each value is for a year before the decision date (see the notes).")


def register(app: typer.Typer) -> None:
    """Attach ``monitor`` and ``indicators`` to the openatt command."""
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(indicators_app, name="indicators")

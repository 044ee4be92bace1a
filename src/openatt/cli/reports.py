"""Report commands: ``openatt report att-annual | unroca | national | list | submit |
withhold | verify``.

Thin: parse, call :mod:`openatt.reports.service`, write the file, print one line. A report
that does not reconcile with the register is refused with exit code 1 and the list of what
breaks it; bad input exits 2 with one line naming the option.
"""

from __future__ import annotations

import datetime as dt
import getpass
import inspect
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from openatt.cli.errors import fail
from openatt.cli.output import console, styled

if TYPE_CHECKING:
    from openatt.register.db import Database
    from openatt.register.users import Actor
    from openatt.reports.kinds import Option, ReportKind
    from openatt.reports.service import Generated

T = TypeVar("T")

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="database URL (else OPENATT_DATABASE_URL, else SQLite)"),
]

# Licences, states, notes and the register's problems are printed as written, not as markup.
_out = console(highlight=False)
_err = console(stderr=True, highlight=False)


def _actor() -> Actor:
    """The person at the terminal, logged as ``cli:<login>`` acting as an officer."""
    from openatt.register.models import Role
    from openatt.register.users import Actor

    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(id=0, username=f"cli:{login}", role=Role.officer, company=None)


def _database(url: str | None) -> Database:
    from openatt.register.db import Database

    try:
        return Database(url)
    except Exception as error:  # a bad URL or an unreachable server: one line
        fail(f"--database: {type(error).__name__}: {error}".splitlines()[0])


def _state(value: str | None) -> str | None:
    from openatt.reference.states import UnknownState, resolve_state

    if value is None:
        return None
    try:
        return resolve_state(value)
    except UnknownState as error:
        fail(f"--state: {error}")


def _as_of(value: str | None) -> str | None:
    from openatt.reports.loading import end_of_day, moment

    if value is None:
        return None
    try:
        if len(value) == 10:
            return end_of_day(dt.date.fromisoformat(value))
        return moment(dt.datetime.fromisoformat(value))
    except ValueError:
        fail(f"--as-of: {value!r} is not a date (YYYY-MM-DD) or an ISO date-time")


def _format(out: Path, allowed: tuple[str, ...]) -> str:
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in allowed:
        fail(f"--out: {out.name!r} must end in one of: {', '.join('.' + a for a in allowed)}")
    return fmt


def _run(call: Callable[[], T]) -> T:
    """Run a service call; refusals and register errors become one clear message."""
    from openatt.register.errors import RegisterError
    from openatt.reports.reconcile import ReportRefused
    from openatt.reports.writers.national import PdfUnavailable

    try:
        return call()
    except ReportRefused as refused:
        _err.print(styled("refused:", "red", " the report does not reconcile with the register"))
        for problem in refused.problems:
            _err.print(f"  - {problem}")
        raise typer.Exit(1) from refused
    except PdfUnavailable as error:
        fail(str(error))
    except RegisterError as error:
        if error.field:
            fail(f"--{str(error.field[0]).replace('_', '-')}: {error.message}")
        fail(error.message)


def _written(out: Path, generated: Generated) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(generated.content)
    _out.print(
        f"wrote {out} (report {generated.report_id}, version {generated.version}, "
        f"as of {generated.as_of}, figures sha256 {generated.figures_sha256[:16]})"
    )


def _generate(
    kind: ReportKind,
    *,
    year: int,
    out: Path,
    basis: str | None,
    state: str | None,
    as_of: str | None,
    database: str | None,
    options: dict[str, object],
) -> None:
    from openatt.reports import service

    folder = kind.folder_format is not None and out.suffix == ""
    fmt = kind.folder_format if folder and kind.folder_format else _format(out, kind.formats)
    if basis is not None and basis not in kind.bases:
        fail(f"--basis: {basis!r} must be " + " or ".join(kind.bases))
    reporting_state = _state(state)
    moment = _as_of(as_of)
    db = _database(database)
    generated = _run(
        lambda: service.generate(
            db,
            _actor(),
            kind.name,
            year=year,
            fmt=fmt,
            basis=basis,
            reporting_state=reporting_state,
            as_of=moment,
            options=options,
        )
    )
    if not folder:
        _written(out, generated)
        return
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(generated.content)) as archive:
        archive.extractall(out)
        names = archive.namelist()
    _out.print(
        f"wrote {len(names)} files to {out} (report {generated.report_id}, version "
        f"{generated.version}, figures sha256 {generated.figures_sha256[:16]})"
    )


def _option_parameter(option: Option) -> inspect.Parameter:
    flag = "--" + option.name.replace("_", "-")
    if option.type == "bool":
        info = typer.Option(option.default, f"{flag}/--no-{option.name}", help=option.help)
        annotation: object = bool
    elif option.type == "int":
        info = typer.Option(
            option.default, flag, min=option.minimum, max=option.maximum, help=option.help
        )
        annotation = int
    else:
        allowed = f" ({', '.join(option.choices)})" if option.choices else ""
        info = typer.Option(option.default, flag, help=option.help + allowed)
        annotation = str
    return inspect.Parameter(
        option.name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation
    )


def kind_command(kind: ReportKind) -> Callable[..., None]:
    """The ``openatt report NAME`` command of one report kind, its options from the kind."""
    formats = ", ".join(f"FILE.{f}" for f in kind.formats)
    if kind.folder_format:
        formats += f", or a folder (the {kind.folder_format} unpacked)"

    def command(**given: Any) -> None:
        options = {o.name: given[o.name] for o in kind.options}
        _generate(
            kind,
            year=given["year"],
            out=given["out"],
            basis=given["basis"],
            state=given["state"],
            as_of=given["as_of"],
            database=given["database"],
            options=options,
        )

    keyword = inspect.Parameter.KEYWORD_ONLY
    common = [
        inspect.Parameter(
            "year",
            keyword,
            default=typer.Option(
                ..., "--year", min=kind.first_year, max=kind.last_year(), help="calendar year"
            ),
            annotation=int,
        ),
        inspect.Parameter(
            "out", keyword, default=typer.Option(..., "--out", help=formats), annotation=Path
        ),
        inspect.Parameter(
            "basis",
            keyword,
            default=typer.Option(
                None,
                "--basis",
                help=(kind.bases_help or " or ".join(kind.bases)) + f" (default {kind.bases[0]})",
            ),
            annotation=str | None,
        ),
        inspect.Parameter(
            "state",
            keyword,
            default=typer.Option(
                None, "--state", help="reporting state (default: every licence in the register)"
            ),
            annotation=str | None,
        ),
        inspect.Parameter(
            "as_of",
            keyword,
            default=typer.Option(
                None,
                "--as-of",
                help="compute from the register as it was at this moment (YYYY-MM-DD = end "
                "of that day, or an ISO date-time in UTC); default: now",
            ),
            annotation=str | None,
        ),
    ]
    extra = [_option_parameter(option) for option in kind.options]
    database = inspect.Parameter(
        "database",
        keyword,
        default=typer.Option(
            None, "--database", help="database URL (else OPENATT_DATABASE_URL, else SQLite)"
        ),
        annotation=str | None,
    )
    parameters = [*common, *extra, database]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = f"The {kind.title}."
    command.__name__ = kind.name.replace("-", "_")
    return command


def list_reports(
    year: Annotated[int | None, typer.Option("--year")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="a report kind's name")] = None,
    database: DatabaseOption = None,
) -> None:
    """Every report generated, with its version, status and checksums."""
    from openatt.reports import records

    db = _database(database)
    with db.read() as session:
        rows = _run(lambda: records.list_reports(session, _actor(), kind=kind, year=year))
        if not rows:
            _out.print("no reports yet")
        for r in rows:
            linked = f", supersedes {r.supersedes_id}" if r.supersedes_id else ""
            _out.print(
                f"{r.id}: {r.kind} {r.year} {r.basis} {r.reporting_state or 'all'} "
                f"v{r.version}{linked} {r.status} {r.format}, as of {r.as_of}, "
                f"figures sha256 {r.figures_sha256[:16]}",
                soft_wrap=True,
            )


def submit(
    report_id: Annotated[int, typer.Argument(help="the report's id (openatt report list)")],
    note: Annotated[str, typer.Option(help="e.g. where and when it was sent")] = "",
    database: DatabaseOption = None,
) -> None:
    """Mark a report version as submitted; a later correction becomes a new linked version."""
    from openatt.reports import records

    db = _database(database)
    with db.write() as session:
        row = _run(lambda: records.submit(session, _actor(), report_id, note=note))
        _out.print(f"report {row.id} (version {row.version}) marked submitted")


def withhold(
    licence: Annotated[str, typer.Argument(help="licence number, e.g. LIC-2026-...-1")],
    grounds: Annotated[
        str, typer.Option(help="commercially_sensitive, national_security, or none to clear")
    ],
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
    database: DatabaseOption = None,
) -> None:
    """Flag a licence as withheld from the itemised ATT report (Art. 13(3)), or clear it."""
    from openatt.reports import records

    chosen = None if grounds == "none" else grounds
    db = _database(database)
    with db.write() as session:
        _run(lambda: records.withhold(session, _actor(), licence, grounds=chosen, reason=reason))
    _out.print(f"licence {licence}: withheld = {chosen or 'no'}")


def verify(
    report_id: Annotated[int, typer.Argument(help="the report's id")],
    database: DatabaseOption = None,
) -> None:
    """Recompute a recorded report as of its moment; exit 1 if the figures differ."""
    from openatt.reports import records, service

    db = _database(database)
    with db.read() as session:
        row = _run(lambda: records.get(session, _actor(), report_id))
        checksum = _run(lambda: service.recompute(session, row).checksum())
    if checksum != row.figures_sha256:
        _err.print(
            styled(
                "DIFFERENT",
                "red",
                f" report {report_id}: recorded {row.figures_sha256}, recomputed {checksum}",
            )
        )
        raise typer.Exit(1)
    _out.print(f"report {report_id} reproduces: figures sha256 {checksum}")


def register(app: typer.Typer) -> None:
    """Attach ``openatt report ...`` to ``app``."""
    report_app = typer.Typer(
        help="Reports: ATT annual report, UN Register, national report.", no_args_is_help=True
    )
    from openatt.reports.kinds import all_kinds

    for kind in all_kinds():
        report_app.command(kind.name)(kind_command(kind))
    report_app.command("list")(list_reports)
    report_app.command("submit")(submit)
    report_app.command("withhold")(withhold)
    report_app.command("verify")(verify)
    app.add_typer(report_app, name="report")

"""Register commands: serve, db, users, demo, audit, backup, restore, export, denials.

Thin: parse, call a register service, print. Every command takes ``--database URL``
(else OPENATT_DATABASE_URL, else the SQLite file in OPENATT_HOME).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import TypeAdapter, ValidationError
from rich.table import Table

from openatt.cli.output import console, styled
from openatt.register.errors import RegisterError

if TYPE_CHECKING:
    from openatt.register.db import Database

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="database URL (else OPENATT_DATABASE_URL, else SQLite)"),
]

# Names, references, paths and messages are printed as they are written, never as markup.
_out = console()
_err = console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    _err.print(styled("error:", "red", f" {message}"))
    return typer.Exit(code)


def _database(url: str | None, *, migrate: bool = True) -> Database:
    from openatt.register.db import Database

    try:
        return Database(url, migrate=migrate)
    except Exception as error:  # a bad URL or an unreachable server: one line, no traceback
        raise _fail(f"database: {type(error).__name__}: {error}".splitlines()[0]) from error


def serve(
    database: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="server processes (one per core; SQLite's writers queue on its lock)",
        ),
    ] = 1,
) -> None:
    """Run the web UI (/ui/) and the REST API (OpenAPI at /docs); creates the database on first start."""
    import os

    import uvicorn

    from openatt.api import create_app
    from openatt.settings import database_url

    url = database_url(database)
    try:
        app = create_app(url, freeze_heap=True)  # migrates once here, before any worker starts
    except Exception as error:
        raise _fail(f"database: {error}".splitlines()[0]) from error
    from openatt.cli.trust import start_checkpoints, warn_demo_logins

    warn_demo_logins(url)
    start_checkpoints(url)
    _out.print(
        f"openatt web UI on http://{host}:{port}/ui/ (REST API at /docs; database {_safe(url)}"
        + (f"; {workers} workers)" if workers > 1 else ")")
    )
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    # Each worker process builds its own app (engine, pool, loaded law) from the URL.
    os.environ["OPENATT_DATABASE_URL"] = url
    uvicorn.run(
        "openatt.api.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def db_upgrade(database: DatabaseOption = None) -> None:
    """Create or migrate the register's tables to the latest schema."""
    from openatt.register.db import current_revision

    db = _database(database)
    _out.print(f"schema at revision {current_revision(db.engine)}")


def db_downgrade(
    database: DatabaseOption = None,
    revision: Annotated[str, typer.Argument(help="target revision, 'base' drops all")] = "base",
) -> None:
    """Migrate down (drops tables: only for development)."""
    from openatt.register.db import current_revision, downgrade

    db = _database(database, migrate=False)
    downgrade(db.engine, revision)
    _out.print(f"schema at revision {current_revision(db.engine)}")


def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str,
        typer.Option(help="applicant, officer, senior_reviewer, auditor, admin, monitor, adviser"),
    ],
    company: Annotated[str | None, typer.Option(help="the applicant's company")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, envvar="OPENATT_NEW_PASSWORD"
        ),
    ] = "",
    database: DatabaseOption = None,
) -> None:
    """Add a user (the password is asked for, or read from OPENATT_NEW_PASSWORD)."""
    from openatt.register import users
    from openatt.register.models import Role

    try:
        role_value = Role(role)
    except ValueError as error:
        raise _fail(f"--role: must be one of {', '.join(r.value for r in Role)}") from error
    db = _database(database)
    try:
        with db.write() as session:
            user = users.add_user(
                session, username=username, password=password, role=role_value, company=company
            )
            _out.print(f"added user {user.username} ({user.role})")
    except RegisterError as error:
        field = f"{'.'.join(map(str, error.field))}: " if error.field else ""
        raise _fail(f"{field}{error.message}") from error


def demo(database: DatabaseOption = None) -> None:
    """Fill a new register with example cases in every state, and print the logins."""
    from openatt.register import demo as demo_data
    from openatt.register.assessor import default_assessor

    db = _database(database)
    try:
        counts = demo_data.fill(db, default_assessor())
    except RegisterError as error:
        raise _fail(error.message) from error
    table = Table(title="Applications by state")
    table.add_column("state")
    table.add_column("count", justify="right")
    for state, count in sorted(counts.items()):
        table.add_row(state, str(count))
    _out.print(table)
    logins = Table(title="Demo logins (the web UI at /ui/, or POST /auth/token for the API)")
    for column in ("username", "password", "role", "company"):
        logins.add_column(column)
    for username, password, role, company in demo_data.DEMO_USERS:
        logins.add_row(username, password, role.value, company or "")
    _out.print(logins)
    _out.print("Next: openatt serve  (then open http://127.0.0.1:8000/ and log in; API at /docs)")


def audit_verify(database: DatabaseOption = None) -> None:
    """Recompute the hash chain; exit 1 and name the first broken record if tampered."""
    from openatt.register import audit

    db = _database(database)
    with db.read() as session:
        result = audit.verify(session)
    if result.broken is not None:
        _err.print(styled("TAMPERED", "red", f" {result.broken}"))
        raise typer.Exit(1)
    _out.print(f"intact: {result.events} events, chain head {result.head_seq}")


def backup(
    file: Annotated[Path, typer.Argument(help="where to write the backup (JSON)")],
    database: DatabaseOption = None,
) -> None:
    """Write the whole register to FILE."""
    from openatt.register import backup as backups

    db = _database(database)
    events = backups.backup(db.engine, file)
    _out.print(f"backed up {events} events to {file}")


def restore(
    file: Annotated[Path, typer.Argument(help="a file written by 'openatt backup'")],
    database: DatabaseOption = None,
) -> None:
    """Restore FILE into an empty register, then verify its audit chain."""
    from openatt.register import audit
    from openatt.register import backup as backups

    if not file.is_file():
        raise _fail(f"file: {file} does not exist")
    db = _database(database, migrate=False)
    try:
        events = backups.restore(db.engine, file)
    except RegisterError as error:
        raise _fail(error.message) from error
    with db.read() as session:
        result = audit.verify(session)
    if result.broken is not None:
        raise _fail(f"restored, but the audit chain is broken: {result.broken}", 1)
    _out.print(f"restored {events} events; audit chain intact")


def export(
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write (default stdout)")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    database: DatabaseOption = None,
) -> None:
    """Export the register, one row per application, as CSV or JSON."""
    from openatt.register import export as exports
    from openatt.register.users import SYSTEM

    if format not in ("csv", "json"):
        raise _fail("--format: must be csv or json")
    db = _database(database)
    with db.read() as session:
        records = exports.rows(session, SYSTEM)
    text = exports.to_csv(records) if format == "csv" else exports.to_json(records)
    if out is None:
        typer.echo(text, nl=False)
    else:
        from openatt.register.files import private_file

        with private_file(out) as handle:  # the register's contents: owner only
            handle.write(text.encode("utf-8"))
        _out.print(f"wrote {len(records)} applications to {out}")


def denials_import(
    file: Annotated[Path, typer.Argument(help="JSON list of denial notifications")],
    user: Annotated[str, typer.Option("--user", help="the officer recording the import")],
    database: DatabaseOption = None,
) -> None:
    """Import denial notifications received from other states."""
    from sqlalchemy import select

    from openatt.register import denials
    from openatt.register.models import User
    from openatt.register.users import actor_of

    try:
        notices = TypeAdapter(list[denials.DenialNotice]).validate_json(file.read_bytes())
    except OSError as error:
        raise _fail(f"file: {error}") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _fail(f"{where}: {first['msg']}") from error
    db = _database(database)
    try:
        with db.write() as session:
            found = session.execute(select(User).where(User.username == user)).scalar()
            if found is None:
                raise _fail(f"--user: no user {user!r}")
            added = denials.import_notices(session, actor_of(found), notices)
    except RegisterError as error:
        raise _fail(f"--user: {error.message}") from error
    _out.print(f"imported {added} of {len(notices)} notifications")


def register(app: typer.Typer) -> None:
    """Attach the register's commands to ``app``."""
    app.command()(serve)
    app.command()(demo)
    app.command()(backup)
    app.command()(restore)
    app.command()(export)
    db_app = typer.Typer(help="The register's database schema.", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    db_app.command("downgrade")(db_downgrade)
    app.add_typer(db_app, name="db")
    users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
    users_app.command("add")(users_add)
    app.add_typer(users_app, name="users")
    audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    audit_app.command("verify")(audit_verify)
    app.add_typer(audit_app, name="audit")
    from openatt.cli import trust

    trust.add_commands(app, users_app, audit_app)
    denials_app = typer.Typer(help="Denial notifications.", no_args_is_help=True)
    denials_app.command("import")(denials_import)
    app.add_typer(denials_app, name="denials")

"""Notification commands: ``openatt notify deadlines`` (for a scheduler), ``notify send``
and ``notify address``. Thin: parse, call the register's notification service, print."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from openatt.cli.output import console
from openatt.cli.register import DatabaseOption, _database, _fail
from openatt.register.errors import RegisterError

_out = console()  # data printed as written, not read as rich markup


def _field(error: RegisterError) -> str:
    return f"{'.'.join(map(str, error.field))}: " if error.field else ""


def _deliver(database: str | None) -> str:
    from openatt.register import notify
    from openatt.register.mailer import config_from_env

    config = config_from_env()
    result = notify.deliver(_database(database), config)
    if not result.configured:
        return f"no SMTP server configured (OPENATT_SMTP_HOST): {result.waiting} queued"
    return f"sent {result.sent}, failed {result.failed}"


def deadlines(
    database: DatabaseOption = None,
    today: Annotated[
        str | None, typer.Option("--today", help="YYYY-MM-DD (default: today)")
    ] = None,
    days_before: Annotated[
        int | None, typer.Option("--days-before", help="remind this many days before a deadline")
    ] = None,
) -> None:
    """Remind exporters of questions and appeal periods about to end, tell them and the
    officer of questions past their date, announce new decisions; then send the outbox."""
    from openatt.register import notify, periods

    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError as error:
        raise _fail(f"--today: {error}") from error
    lead = periods.reminder_days() if days_before is None else days_before
    try:
        db = _database(database)
        with db.write() as session:
            report = notify.announce_deadlines(session, day, lead)
            queued = (len(report.reminders), len(report.overdue), len(report.decisions))
        sent = _deliver(database)
    except RegisterError as error:
        name = "--days-before: " if error.field == ("days_before",) else _field(error)
        raise _fail(f"{name}{error.message}") from error
    _out.print(
        f"{queued[0]} reminders, {queued[1]} past-deadline notices, {queued[2]} decisions "
        f"queued; {sent}",
        highlight=False,
    )


def send(database: DatabaseOption = None) -> None:
    """Announce new decisions and send every queued notification."""
    from openatt.register import notify

    try:
        with _database(database).write() as session:
            notify.announce_decisions(session)
        _out.print(_deliver(database), highlight=False)
    except RegisterError as error:
        raise _fail(f"{_field(error)}{error.message}") from error


def address(
    username: Annotated[str, typer.Argument(help="the user")],
    mail: Annotated[str, typer.Argument(metavar="ADDRESS", help="their e-mail address")],
    database: DatabaseOption = None,
) -> None:
    """Set the e-mail address a user's notifications go to."""
    from openatt.register import notify
    from openatt.register.users import SYSTEM

    try:
        with _database(database).write() as session:
            notify.set_address(session, SYSTEM, username, mail)
    except RegisterError as error:
        raise _fail(f"{_field(error)}{error.message}") from error
    _out.print(f"{username}: notifications go to {mail.strip()}", highlight=False)


def register(app: typer.Typer) -> None:
    notify_app = typer.Typer(help="E-mail notifications and deadlines.", no_args_is_help=True)
    notify_app.command("deadlines")(deadlines)
    notify_app.command("send")(send)
    notify_app.command("address")(address)
    app.add_typer(notify_app, name="notify")

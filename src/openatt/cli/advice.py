"""Advising teams: ``openatt teams add / list / member``. Thin, like the API's handlers:
parse, call :mod:`openatt.register.advice_teams`, print. Changes are made by the user
``--user`` names (an admin or senior reviewer) and logged in the register's hash chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from openatt.cli.errors import refuse
from openatt.cli.output import console
from openatt.cli.register import DatabaseOption, _database, _fail
from openatt.register.errors import RegisterError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from openatt.register.users import Actor

_out = console()  # data printed as written, not read as rich markup


UserOption = Annotated[
    str, typer.Option("--user", help="who makes the change (an admin or senior reviewer)")
]


def _actor(session: Session, username: str) -> Actor:
    from sqlalchemy import select

    from openatt.register.models import User
    from openatt.register.users import actor_of

    found = session.execute(select(User).where(User.username == username)).scalar()
    if found is None:
        raise _fail(f"--user: no user {username!r}")
    return actor_of(found)


def _refused(error: RegisterError) -> typer.Exit:
    return refuse(error)


def teams_add(
    code: Annotated[str, typer.Argument(help="e.g. defence, foreign-affairs")],
    name: Annotated[str, typer.Option(help="the team's name")],
    topic: Annotated[
        list[str] | None,
        typer.Option(help="a finding topic its advisers are shown (repeat); none: all"),
    ] = None,
    user: UserOption = "admin",
    database: DatabaseOption = None,
) -> None:
    """Add an advising team."""
    from openatt.register import advice_teams

    db = _database(database)
    try:
        with db.write() as session:
            team = advice_teams.add_team(
                session, _actor(session, user), code=code, name=name, topics=tuple(topic or ())
            )
            _out.print(f"added team {team.code} ({team.name})")
    except RegisterError as error:
        raise _refused(error) from error


def teams_member(
    code: Annotated[str, typer.Argument(help="the team's code")],
    username: Annotated[str, typer.Argument(help="an adviser or officer")],
    user: UserOption = "admin",
    database: DatabaseOption = None,
) -> None:
    """Put a user on a team."""
    from openatt.register import advice_teams

    db = _database(database)
    try:
        with db.write() as session:
            advice_teams.add_member(session, _actor(session, user), team=code, username=username)
            _out.print(f"{username} advises for {code}")
    except RegisterError as error:
        raise _refused(error) from error


def teams_list(database: DatabaseOption = None) -> None:
    """List the advising teams, their topics and members."""
    from openatt.register import advice_teams
    from openatt.register.users import SYSTEM

    db = _database(database)
    with db.read() as session:
        teams = advice_teams.list_teams(session, SYSTEM)
        members = advice_teams.members_of(session)
        table = Table(title="Advising teams")
        for column in ("code", "name", "topics", "members"):
            table.add_column(column)
        for team in teams:
            table.add_row(
                team.code,
                team.name,
                ", ".join(advice_teams.topics_of(team)) or "all",
                ", ".join(members.get(team.id, [])),
            )
    _out.print(table)


def register(app: typer.Typer) -> None:
    teams_app = typer.Typer(help="Advising teams (issue 12).", no_args_is_help=True)
    teams_app.command("add")(teams_add)
    teams_app.command("member")(teams_member)
    teams_app.command("list")(teams_list)
    app.add_typer(teams_app, name="teams")

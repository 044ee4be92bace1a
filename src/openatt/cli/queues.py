"""Queue, flag and routing-rule commands: ``openatt queues add/list``, ``openatt flags
add/list``, ``openatt routing load/list``.

Thin: parse, call a register service as ``--user``, print. Bad input exits 2 naming the
option or the rule's field, and nothing is written (one transaction per command)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.table import Table

from openatt.cli.register import DatabaseOption, _database, _fail, _out
from openatt.register.errors import RegisterError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from openatt.register.users import Actor

UserOption = Annotated[str, typer.Option("--user", help="who does it (a staff username)")]
T = TypeVar("T")


def _as_user(database: str | None, user: str, work: Callable[[Session, Actor], T]) -> T:
    """Run ``work`` in one transaction as ``user``; a refusal exits 2 naming its field."""
    from sqlalchemy import select

    from openatt.register.models import User
    from openatt.register.users import actor_of

    db = _database(database)
    try:
        with db.write() as session:
            found = session.execute(select(User).where(User.username == user)).scalar()
            if found is None or not found.active:
                raise _fail(f"--user: no active user {user!r}")
            return work(session, actor_of(found))
    except RegisterError as error:
        where = ".".join(str(p) for p in error.field) if error.field else "--user"
        raise _fail(f"{where}: {error.message}") from error
    finally:
        db.dispose()


def queues_add(
    name: Annotated[str, typer.Argument(help="the queue's name")],
    team: Annotated[str, typer.Option("--team", help="the team that works it")],
    user: UserOption,
    description: Annotated[str, typer.Option("--description")] = "",
    database: DatabaseOption = None,
) -> None:
    """Add a team queue."""
    from openatt.register import queues

    row = _as_user(
        database,
        user,
        lambda s, a: queues.add_queue(s, a, name=name, team=team, description=description),
    )
    _out.print(f"queue {row.id}: {name} ({team})")


def queues_list(user: UserOption, database: DatabaseOption = None) -> None:
    """List the queues and how many cases each holds."""
    from openatt.register import queues, worklist

    def work(session: Session, actor: Actor) -> Table:
        counts = worklist.queue_counts(session, actor)
        table = Table(title="Queues")
        for column in ("id", "name", "team", "cases", "active"):
            table.add_column(column)
        for q in queues.list_queues(session, actor):
            table.add_row(str(q.id), q.name, q.team, str(counts.get(q.id, 0)), str(q.active))
        return table

    _out.print(_as_user(database, user, work))


def flags_add(
    name: Annotated[str, typer.Argument(help="the flag's name")],
    level: Annotated[str, typer.Option("--level", help="case, party, goods or destination")],
    cleared_by: Annotated[str, typer.Option("--cleared-by", help="the role that clears it")],
    user: UserOption,
    colour: Annotated[str, typer.Option("--colour")] = "orange",
    blocking: Annotated[bool, typer.Option("--blocking/--not-blocking")] = False,
    description: Annotated[str, typer.Option("--description")] = "",
    database: DatabaseOption = None,
) -> None:
    """Define a flag."""
    from pydantic import ValidationError

    from openatt.register import flags
    from openatt.register.casework_config import FlagSpec

    try:
        spec = FlagSpec.model_validate(
            {
                "name": name,
                "level": level,
                "colour": colour,
                "blocking": blocking,
                "cleared_by_role": cleared_by,
                "description": description,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        option = {"cleared_by_role": "cleared-by"}.get(str(first["loc"][0]), first["loc"][0])
        raise _fail(f"--{option}: {first['msg']}") from error
    row = _as_user(database, user, lambda s, a: flags.define(s, a, spec))
    _out.print(f"flag {row.id}: {row.name} ({row.level}{', blocking' if row.blocking else ''})")


def flags_list(user: UserOption, database: DatabaseOption = None) -> None:
    """List the flag definitions."""
    from openatt.register import flags

    def work(session: Session, actor: Actor) -> Table:
        table = Table(title="Flags")
        for column in ("id", "name", "level", "blocking", "cleared by", "active"):
            table.add_column(column)
        for f in flags.definitions(session, actor):
            table.add_row(
                str(f.id), f.name, f.level, str(f.blocking), f.cleared_by_role, str(f.active)
            )
        return table

    _out.print(_as_user(database, user, work))


def routing_load(
    file: Annotated[Path, typer.Argument(help="YAML: rules: [{name, tier, when, then}, ...]")],
    user: UserOption,
    database: DatabaseOption = None,
) -> None:
    """Create or update routing rules from a file (each change is a new rule version)."""
    from openatt.register import routing

    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"file: {error}") from error
    try:
        specs = routing.parse_file(text)
    except RegisterError as error:
        raise _fail(f"{file.name}: {error.message}") from error

    def work(session: Session, actor: Actor) -> list[tuple[str, int, str]]:
        saved = []
        for index, spec in enumerate(specs):
            try:
                row, outcome = routing.save(session, actor, spec)
            except RegisterError as error:
                where = ".".join(str(p) for p in (error.field or ()))
                raise _fail(f"rules.{index}.{where}: {error.message}") from error
            saved.append((row.name, row.rule_version, outcome))
        return saved

    for name, version, outcome in _as_user(database, user, work):
        _out.print(f"{name} v{version}: {outcome}")


def routing_list(user: UserOption, database: DatabaseOption = None) -> None:
    """List the routing rules in the order they run (one block per rule, not a table: the
    conditions are too long for a terminal's columns)."""
    from openatt.register import routing

    def work(session: Session, actor: Actor) -> list[str]:
        lines = []
        for r in routing.rules(session, actor):
            state = "active" if r.active else "inactive"
            lines.append(f"tier {r.tier}: {r.name} v{r.rule_version} ({state})")
            lines.append(f"  when {r.conditions}")
            lines.append(f"  then {r.actions}")
        return lines or ["no routing rules"]

    for line in _as_user(database, user, work):
        _out.print(line, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Attach ``queues``, ``flags`` and ``routing`` to ``app``."""
    for name, help_text, commands in (
        ("queues", "Team queues.", (("add", queues_add), ("list", queues_list))),
        ("flags", "Flag definitions.", (("add", flags_add), ("list", flags_list))),
        ("routing", "Routing rules.", (("load", routing_load), ("list", routing_list))),
    ):
        group = typer.Typer(help=help_text, no_args_is_help=True)
        for command, function in commands:
            group.command(command)(function)
        app.add_typer(group, name=name)

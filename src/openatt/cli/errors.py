"""One way to fail on the command line: a clear line on stderr and an exit code.

:data:`EXIT_CODES` is the one place an :class:`~openatt.errors.OpenattError`'s kind becomes an
exit code: 2 for whatever the user can fix by changing the command (the house rule for bad
input), 3 when an optional component is missing, 1 is left to "the check found a problem"
(a broken audit chain).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NoReturn

import typer

from openatt.cli.output import console, styled
from openatt.errors import ErrorKind, OpenattError

_ERR = console(stderr=True, highlight=False, soft_wrap=True)  # messages quote the input


EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.invalid: 2,
    ErrorKind.not_found: 2,
    ErrorKind.forbidden: 2,
    ErrorKind.unauthenticated: 2,
    ErrorKind.conflict: 2,
    ErrorKind.throttled: 2,
    ErrorKind.refused: 2,
    ErrorKind.unavailable: 3,
}


def exit_code(error: OpenattError) -> int:
    """The exit code for ``error``'s kind."""
    return EXIT_CODES[error.kind]


def describe(error: OpenattError, options: Mapping[str, str] | None = None) -> str:
    """``field: message``, the field written as the command spells it when ``options`` says
    (e.g. ``{"regime": "--regime"}``): services name fields, never options."""
    where = error.where
    if not where:
        return error.message
    return f"{(options or {}).get(where, where)}: {error.message}"


def refuse(error: OpenattError, options: Mapping[str, str] | None = None) -> typer.Exit:
    """Print ``error`` on stderr and return the exit to raise (``raise refuse(e) from e``)."""
    _ERR.print(styled("error:", "bold red", f" {describe(error, options)}"))
    return typer.Exit(exit_code(error))


def fail(message: str, code: int = 2) -> NoReturn:
    _ERR.print(styled("error:", "bold red", f" {message}"))
    raise typer.Exit(code)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (use YYYY-MM-DD)")


def parse_list(value: str, option: str, known: list[str]) -> list[str]:
    wanted = [part.strip() for part in value.split(",") if part.strip()]
    if not wanted:
        fail(f"{option}: give at least one of {', '.join(known)}")
    unknown = [w for w in wanted if w not in known]
    if unknown:
        fail(f"{option}: unknown {', '.join(unknown)}; known: {', '.join(known)}")
    return wanted

"""One way to fail on the command line: a clear line on stderr and exit code 2."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import typer
from rich.console import Console

_ERR = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    _ERR.print(f"[bold red]error:[/] {message}", markup=True)
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

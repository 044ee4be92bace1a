"""The ``openatt`` command, with every feature's commands loaded only when they are used.

``COMMANDS`` is the registry of top-level commands: each name says which module of
:mod:`openatt.cli` registers it (a module's ``register(app)`` adds its commands to a Typer app).
``openatt --version`` and ``openatt law list`` then import the engine's modules and nothing of
the register, the web, screening or monitoring, so they start fast and work with the core
install alone. A test checks that the table and the modules agree, so a new command is one
line here and one ``register`` function in its module.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command

from openatt import __version__

# Top-level command -> the modules of openatt.cli that register it (their help is shown).
COMMANDS: dict[str, tuple[str, ...]] = {
    "assess": ("core_commands",),
    "law": ("core_commands", "law_tests", "control_lists"),
    "embargoes": ("core_commands",),
    "reference": ("core_commands",),
    "schema": ("core_commands",),
    "lists": ("screening",),
    "screen": ("screening",),
    "monitor": ("monitoring",),
    "indicators": (
        "monitoring",
        "rejections",
    ),
    "demo": ("register",),
    "serve": ("register",),
    "db": ("register",),
    "users": ("register",),
    "audit": ("register",),
    "denials": ("register",),
    "backup": ("register",),
    "restore": ("register",),
    "export": ("register",),
    "licences": ("register",),
    "report": ("reports",),
    "documents": ("documents",),
    "notify": ("dialogue",),
    "teams": ("advice",),
    "queues": ("queues",),
    "flags": ("queues",),
    "routing": ("queues",),
}


# Which extra (pyproject.toml) brings a package the core install lacks.
EXTRA_FOR: dict[str, str] = {
    "sqlalchemy": "register",
    "alembic": "register",
    "argon2": "register",
    "cryptography": "register",
    "pyotp": "register",
    "psycopg": "register",
    "jinja2": "register",
    "fastapi": "web",
    "starlette": "web",
    "uvicorn": "web",
    "multipart": "web",
    "rapidfuzz": "screening",
    "anyascii": "screening",
    "iuliia": "screening",
    "numpy": "screening",
    "duckdb": "monitoring",
    "matplotlib": "reports",
    "openpyxl": "reports",
    "weasyprint": "pdf",
    "pyspark": "spark",
}


def missing_extra_message(exc: ModuleNotFoundError) -> str:
    """What to install when a command needs a package of an extra the install lacks."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_FOR.get(top, "all")
    return (
        f"openatt: this command needs the package '{top}', which the core install does not "
        f"bring; install the '{extra}' extra: pip install 'openatt[{extra}]'"
    )


def load_commands(modules: tuple[str, ...]) -> Any:
    """The click group holding what ``modules`` register (imports them now)."""
    holder = typer.Typer()

    @holder.callback()
    def _holder() -> None:  # a callback makes Typer build a group even for one command
        """Commands of one feature."""

    for name in modules:
        module = importlib.import_module(f"openatt.cli.{name}")
        module.register(holder)
    return get_command(holder)


class LazyGroup(TyperGroup):
    """A group that imports a feature's module when one of its commands is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        try:
            return load_commands(entry).commands.get(cmd_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.split(".")[0] not in EXTRA_FOR:
                raise
            return _needs_extra(cmd_name, exc)


def _needs_extra(name: str, exc: ModuleNotFoundError) -> Any:
    """A stand-in for a command whose extra is not installed: listed, and says what to install."""
    message = missing_extra_message(exc)

    def _explain() -> None:
        typer.echo(message, err=True)
        raise typer.Exit(2)

    extra = EXTRA_FOR[(exc.name or "").split(".")[0]]
    return TyperCommand(
        name,
        callback=_explain,
        help=f"(needs the '{extra}' extra, which is not installed)",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


def _version(value: bool) -> None:
    if value:
        typer.echo(f"openatt {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="openatt",
        cls=LazyGroup,
        help="Arms-transfer control: cited law, assessment, register, screening, reports.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ) -> None:
        """openatt: an open-source arms-transfer control system."""

    return app


def main() -> None:
    from openatt import settings, yaml_data
    from openatt.errors import OpenattError

    try:
        settings.check_environment()
        yaml_data.cache_in(settings.home() / "cache" / "yaml")
    except OpenattError as exc:  # the environment's settings: one line, exit 2
        typer.echo(f"error: {exc.where}: {exc.message}", err=True)
        raise SystemExit(2) from None
    try:
        build_app()()
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in EXTRA_FOR:
            raise
        typer.echo(missing_extra_message(exc), err=True)
        raise SystemExit(2) from None
    finally:
        screening = sys.modules.get("openatt.cli.screening")
        if getattr(screening, "freeze_at_exit", False):
            gc.freeze()  # see openatt.cli.screening.freeze_at_exit

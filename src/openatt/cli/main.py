"""The ``openatt`` command. Each feature registers its commands in :func:`build_app`."""

from __future__ import annotations

import typer

from openatt import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"openatt {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="openatt",
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

    # Each feature adds its commands here, one line each.
    from openatt.cli import (
        core_commands,
        dialogue,
        monitoring,
        queues,
        register,
        rejections,
        reports,
        screening,
    )

    core_commands.register(app)
    screening.register(app)
    monitoring.register(app)
    register.register(app)
    reports.register(app)
    rejections.register(app)
    from openatt.cli import documents

    documents.register(app)
    dialogue.register(app)
    from openatt.cli import advice

    advice.register(app)
    queues.register(app)
    from openatt.cli import control_lists

    control_lists.register(app)
    return app


def main() -> None:
    build_app()()

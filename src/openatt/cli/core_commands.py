"""Commands over the pure core: assess, law show, embargoes, reference."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the core's commands to ``app``."""

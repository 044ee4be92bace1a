"""Where openatt keeps its files and which database it uses, from the environment.

``OPENATT_HOME`` (default ``~/.openatt``) holds the embedded SQLite register and imported
lists; ``OPENATT_DATABASE_URL`` selects another database (PostgreSQL in production). Commands
that take ``--database`` pass it here, so every adapter resolves the same way.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The folder for openatt's own files; created on first use."""
    path = Path(os.environ.get("OPENATT_HOME") or Path.home() / ".openatt").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(explicit: str | None = None) -> str:
    """``--database`` if given, else ``OPENATT_DATABASE_URL``, else the SQLite default."""
    if explicit:
        return explicit
    from_env = os.environ.get("OPENATT_DATABASE_URL")
    if from_env:
        return from_env
    return f"sqlite:///{home() / 'openatt.sqlite'}"

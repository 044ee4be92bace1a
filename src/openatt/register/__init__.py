"""The licensing register: storage, lifecycle services and the hash-chained audit log.

Adapters (the REST API, the web UI, the CLI, reports) open a :class:`Database`, start a
transaction with ``db.write()`` or ``db.read()``, and call the service modules:
:mod:`applications`, :mod:`assessing`, :mod:`licensing`, :mod:`denials`, :mod:`export`,
:mod:`users`, :mod:`audit`, :mod:`backup`. Services check permissions themselves
(:mod:`permissions`), so every adapter enforces the same rules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openatt.register.db import Database
    from openatt.register.errors import (
        Conflict,
        Forbidden,
        Invalid,
        NotFound,
        RegisterError,
        Unauthenticated,
    )
    from openatt.register.models import Outcome, Role, State
    from openatt.register.users import Actor

# Imported on first use, so that importing ``openatt.register.errors`` (as the CLI does at
# start-up) does not load SQLAlchemy and the models.
_EXPORTS = {
    "Database": "openatt.register.db",
    "Conflict": "openatt.register.errors",
    "Forbidden": "openatt.register.errors",
    "Invalid": "openatt.register.errors",
    "NotFound": "openatt.register.errors",
    "RegisterError": "openatt.register.errors",
    "Unauthenticated": "openatt.register.errors",
    "Outcome": "openatt.register.models",
    "Role": "openatt.register.models",
    "State": "openatt.register.models",
    "Actor": "openatt.register.users",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'openatt.register' has no attribute {name!r}")


__all__ = [
    "Actor",
    "Conflict",
    "Database",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Outcome",
    "RegisterError",
    "Role",
    "State",
    "Unauthenticated",
]

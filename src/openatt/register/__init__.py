"""The licensing register: storage, lifecycle services and the hash-chained audit log.

Adapters (the REST API, the web UI, the CLI, reports) open a :class:`Database`, start a
transaction with ``db.write()`` or ``db.read()``, and call the service modules:
:mod:`applications`, :mod:`assessing`, :mod:`licensing`, :mod:`denials`, :mod:`export`,
:mod:`users`, :mod:`audit`, :mod:`backup`. Services check permissions themselves
(:mod:`permissions`), so every adapter enforces the same rules.
"""

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

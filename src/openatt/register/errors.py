"""What a register service refuses, in terms an adapter maps to its own (HTTP codes, exit codes).

Each class fixes its :class:`~openatt.errors.ErrorKind`; the adapters map kinds, not classes.
"""

from __future__ import annotations

from openatt.errors import ErrorKind, OpenattError


class RegisterError(OpenattError):
    """Base class. ``field`` names the input at fault, when there is one."""

    kind = ErrorKind.refused


class NotFound(RegisterError):
    """No such record, or not one this user may see (the two are not told apart)."""

    kind = ErrorKind.not_found


class Forbidden(RegisterError):
    """The user's role or company does not allow this."""

    kind = ErrorKind.forbidden


class Unauthenticated(RegisterError):
    """No valid, unexpired login."""

    kind = ErrorKind.unauthenticated


class Conflict(RegisterError):
    """The record is not in a state that allows this, or changed since it was read."""

    kind = ErrorKind.conflict


class Invalid(RegisterError):
    """The input is well-formed but not acceptable (e.g. missing reasons)."""

    kind = ErrorKind.invalid

"""What a register service refuses, in terms an adapter maps to its own (HTTP codes, exit codes)."""

from __future__ import annotations


class RegisterError(Exception):
    """Base class. ``field`` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: tuple[str | int, ...] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(RegisterError):
    """No such record, or not one this user may see (the two are not told apart)."""


class Forbidden(RegisterError):
    """The user's role or company does not allow this."""


class Unauthenticated(RegisterError):
    """No valid, unexpired login."""


class Conflict(RegisterError):
    """The record is not in a state that allows this, or changed since it was read."""


class Invalid(RegisterError):
    """The input is well-formed but not acceptable (e.g. missing reasons)."""

"""The root of every error openatt raises on purpose, and the kinds adapters map it by.

Our exception hierarchy::

    OpenattError                    (this module: message, field, kind)
    + LawError, CaseError           a regime, overlay or law case that does not load (openatt.law)
    + ReferenceDataError, UnknownState, ControlListError   reference data (openatt.reference)
    + InputError                    an application that does not parse (openatt.core)
    + RegisterError                 what a register service refuses (openatt.register)
    |   + NotFound, Forbidden, Unauthenticated, Conflict, Invalid, Throttled
    + MalformedList, UnknownFormat, ListNotLoaded, MatcherConfigError   (openatt.screening)
    + MonitoringError, BadOption, LayoutError, BadFilter, NothingStored (openatt.monitoring)
    + ReportRefused, MixedCurrencies, PdfUnavailable                    (openatt.reports)
    + UnknownMapping                (openatt.evidence)

A service says *what* went wrong (the message, in the user's terms, never an adapter's:
no ``--option`` and no HTTP code) and *which input* (``field``); its ``kind`` says what sort
of refusal it is. The adapters translate a kind once each: ``openatt.cli.errors`` to an exit
code, ``openatt.api.errors`` to an HTTP status, ``openatt.web.app`` to an error page. Errors
that were ``ValueError`` or ``LookupError`` before keep that base too, so callers that catch
those still do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

Field = tuple[str | int, ...]


class ErrorKind(StrEnum):
    """What sort of refusal an error is; each adapter maps every kind exactly once."""

    invalid = "invalid"
    """The input is well-formed but not acceptable; ``field`` names it."""
    not_found = "not_found"
    """No such record, or not one this user may see."""
    forbidden = "forbidden"
    """The user's role or company does not allow this."""
    unauthenticated = "unauthenticated"
    """No valid, unexpired login."""
    conflict = "conflict"
    """The record or store is not in a state that allows this yet, or changed."""
    throttled = "throttled"
    """Too many attempts; try again later."""
    unavailable = "unavailable"
    """An optional component this needs is not installed or not running."""
    refused = "refused"
    """Refused for another reason the message gives."""


class OpenattError(Exception):
    """Base class for the errors openatt raises on purpose.

    ``message`` is a sentence for the user; ``field`` is the path of the input at fault (a
    single name is accepted and kept as a one-part path); ``kind`` overrides the class's own
    :class:`ErrorKind` for one occurrence.
    """

    kind: ErrorKind = ErrorKind.invalid
    kinds: ClassVar[tuple[ErrorKind, ...]] = ()
    """Other kinds one occurrence of the class may take (documentation and the mapping test)."""

    def __init__(
        self,
        message: str,
        *,
        field: Field | str | None = None,
        kind: ErrorKind | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field: Field | None = (field,) if isinstance(field, str) else field
        if kind is not None:
            self.kind = kind

    @property
    def where(self) -> str:
        """The field's path written ``a.b.0``; empty when the error names no field."""
        return ".".join(str(part) for part in self.field or ())


def subclasses(root: type[OpenattError] = OpenattError) -> list[type[OpenattError]]:
    """Every subclass of ``root`` defined so far, depth first (for tests and the docs)."""
    found: list[type[OpenattError]] = []
    for child in root.__subclasses__():
        found.append(child)
        found.extend(subclasses(child))
    return found

"""Keyset cursors for lists ordered by a column and the id (the worklist, issue 16).

A list ordered by the id alone pages with the last id (``GET /applications?after=``). The
worklist is ordered by a date or a time first (created, updated, target), so where a page
ended is the last row's value of that column and its id: the next page starts after that pair
through the index, however deep, and cases added between two pages do not shift it (an offset
page shows a case again for each case added ahead of it). A case whose own value changes
during a walk is where its new value puts it: missed if that is ahead of the cursor, shown
again if it is behind it (a target date moved later by a corrected received date).

The cursor travels as an opaque token: the sort, the value and the id as compact JSON, in
URL-safe base64. It is a position, not a credential: a token made by hand can only start a
page at another place of the same list, which the same user could reach by paging.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal

from openatt.register.applications import MAX_ROW_ID
from openatt.register.errors import Invalid

TOKEN_MAX = 200  # characters: a sort name, an ISO time and an id, in base64

Kind = Literal["datetime", "date"]
_FIELD = ("query", "after")


@dataclass(frozen=True)
class After:
    """Where the previous page ended: its sort, the last row's value of the sort's column
    (None where that row has none, e.g. no target date) and its id."""

    sort: str
    value: dt.datetime | dt.date | None
    id: int

    def token(self) -> str:
        value = None if self.value is None else self.value.isoformat()
        raw = json.dumps([self.sort, value, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def parse(token: str, sort: str, kind: Kind, *, nullable: bool = False) -> After:
    """The cursor ``token`` stands for, checked against the list's ``sort`` and the kind of its
    column (``nullable``: whether a row may have no value in it). A token that is not one a
    page of this sort could give raises :class:`Invalid`."""
    if len(token) > TOKEN_MAX:
        raise Invalid(f"the cursor is longer than {TOKEN_MAX} characters", field=_FIELD)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        found = json.loads(raw)
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise Invalid(
            "the cursor is not one this list gave: pass the `next_after` of the previous page",
            field=_FIELD,
        ) from error
    if (
        not isinstance(found, list)
        or len(found) != 3
        or not isinstance(found[0], str)
        or not (found[1] is None or isinstance(found[1], str))
        or type(found[2]) is not int
    ):
        raise Invalid(
            "the cursor is not one this list gave: pass the `next_after` of the previous page",
            field=_FIELD,
        )
    made_for, text, row_id = found
    if made_for != sort:
        raise Invalid(
            f"the cursor was made for the sort {made_for!r}, and this page is sorted by "
            f"{sort!r}: start again from the first page",
            field=_FIELD,
        )
    if not 1 <= row_id <= MAX_ROW_ID:
        raise Invalid("the cursor's id is out of range", field=_FIELD)
    if text is None and not nullable:
        # no row of this sort lacks the value: ``column < NULL`` would give an empty page
        raise Invalid(f"the cursor of the sort {sort!r} has no value", field=_FIELD)
    return After(sort, None if text is None else _value(text, kind), row_id)


def _value(text: str, kind: Kind) -> dt.datetime | dt.date:
    """The value a cursor's text stands for: exactly as ``After.token`` writes it (Python
    reads other spellings too, "20261102" or a date for a time, and a page never gives them)."""
    value: dt.datetime | dt.date
    try:
        value = dt.date.fromisoformat(text) if kind == "date" else dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise Invalid(f"the cursor's {kind} {text[:40]!r} is not valid", field=_FIELD) from error
    if value.isoformat() != text:
        raise Invalid(f"the cursor's {kind} {text[:40]!r} is not valid", field=_FIELD)
    if not isinstance(value, dt.datetime):
        return value
    # SQLite hands back its times without a zone, and they are UTC (the register writes
    # ``datetime.now(UTC)``); its driver drops a zone when it binds a time, so a time with
    # another offset is moved to UTC first: the same instant on both databases
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as error:  # year 1 east of UTC, or year 9999 west of it
        raise Invalid(f"the cursor's {kind} {text[:40]!r} is not valid", field=_FIELD) from error

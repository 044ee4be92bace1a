"""Keyset cursors for lists ordered by a column and the id (the worklist, issue 16).

A list ordered by the id alone pages with the last id (``GET /applications?after=``). The
worklist is ordered by a date or a time first (received, updated, target), so where a page
ended is the last row's value of that column and its id: the next page starts after that pair
through the index, however deep, and a case is never shown twice in one walk, even when cases
are added or change between two pages (an offset shifts with them).

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


def parse(token: str, sort: str, kind: Kind) -> After:
    """The cursor ``token`` stands for, checked against the list's ``sort`` and the kind of its
    column. A token that is not one a page of this sort gave raises :class:`Invalid`."""
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
    return After(sort, None if text is None else _value(text, kind), row_id)


def _value(text: str, kind: Kind) -> dt.datetime | dt.date:
    try:
        if kind == "date":
            return dt.date.fromisoformat(text)
        value = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise Invalid(f"the cursor's {kind} {text[:40]!r} is not valid", field=_FIELD) from error
    # SQLite hands back its times without a zone, and they are UTC (the register writes
    # ``datetime.now(UTC)``): the same instant, so that PostgreSQL compares it rightly too
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)

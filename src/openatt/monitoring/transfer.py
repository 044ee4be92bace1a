"""One transfer: a SIPRI deal's deliveries in one year, with what openatt made of it.

SIPRI reports deliveries by calendar year only, so a transfer is dated 1 July of its delivery
year (the middle of the year): law and facts are taken as of that day. This is a convention,
stated in every report; a delivery in January of a year in which an embargo began in March is
therefore judged under the embargo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from openatt.core.model import Category
from openatt.monitoring.mapping import PartyKind, PartyRef

DELIVERY_DAY = (7, 1)


def delivery_date(year: int) -> dt.date:
    """The date a transfer delivered in ``year`` is assessed as of (1 July)."""
    return dt.date(year, *DELIVERY_DAY)


@dataclass(frozen=True)
class Transfer:
    """A deal's deliveries in one year. ``source_row`` is the file's row, unchanged."""

    id: str
    layout: str
    source_file: str
    source_line: int
    deal_id: str | None
    supplier_name: str
    recipient_name: str
    supplier: PartyRef | None
    recipient: PartyRef | None
    designation: str
    description: str
    armament_category: str | None
    category: Category | None
    category_reason: str | None
    control_entry: str | None
    order_year: int | None
    delivery_year: int
    number_delivered: float | None
    tiv_delivered: float | None
    tiv_split: bool  # True when the deal's TIV was spread evenly over its delivery years
    status: str
    source_row: dict[str, str] = field(compare=False, repr=False)

    @property
    def date(self) -> dt.date:
        return delivery_date(self.delivery_year)

    @property
    def partly_assessable(self) -> bool:
        """One party is one the source does not name (SIPRI's "unknown supplier(s)" or
        "unknown recipient(s)") and the other is a known state (or a group in one): what does
        not depend on the missing party is assessed (``monitoring.partial``)."""
        s, r = self.supplier, self.recipient
        if self.category is None or s is None or r is None or self.assessable:
            return False
        supplier_known = s.kind is PartyKind.state and s.state is not None
        if s.kind is PartyKind.unknown:
            return r.assessable
        return supplier_known and r.kind is PartyKind.unknown

    @property
    def assessable(self) -> bool:
        return bool(
            self.supplier is not None
            and self.recipient is not None
            and self.supplier.kind == "state"
            and self.supplier.state
            and self.recipient.assessable
            and self.category is not None
        )

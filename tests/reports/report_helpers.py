"""Independent readings of the register for the tests: straight from the tables, without
the report code, so that a report's totals can be compared with the register's."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register.models import ApplicationRow, LicenceRow, ShipmentRow

ATT = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")


def authorised_exports(session: Session, year: int) -> dict[str, int]:
    """Items in ATT categories on export licences issued in ``year``, per category."""
    totals: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(LicenceRow.issued_on, ApplicationRow.payload).join(
            ApplicationRow, ApplicationRow.id == LicenceRow.application_id
        )
    ).all()
    for issued_on, payload in rows:
        application = json.loads(payload)
        if issued_on.year != year or application["kind"] != "export":
            continue
        for item in application["items"]:
            if item["category"] in ATT:
                totals[item["category"]] += item["quantity"]
    return dict(totals)


def actual_exports(session: Session, year: int) -> dict[str, int]:
    """Items in ATT categories shipped in ``year`` on export licences, per category."""
    totals: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(
            ShipmentRow.item, ShipmentRow.quantity, ShipmentRow.shipped_on, ApplicationRow.payload
        )
        .join(LicenceRow, LicenceRow.id == ShipmentRow.licence_id)
        .join(ApplicationRow, ApplicationRow.id == LicenceRow.application_id)
    ).all()
    for index, quantity, shipped_on, payload in rows:
        application = json.loads(payload)
        category = application["items"][index]["category"]
        if shipped_on.year == year and application["kind"] == "export" and category in ATT:
            totals[category] += quantity
    return dict(totals)


def table_rows(content: bytes, sheet: str, first: int = 6) -> list[tuple[object, ...]]:
    """The data rows of a table sheet (below its header row)."""
    workbook = load_workbook(io.BytesIO(content))
    return [tuple(r) for r in workbook[sheet].iter_rows(min_row=first, values_only=True)]


def today() -> dt.date:
    return dt.date.today()

"""Read SIPRI Arms Transfers Database exports in both layouts, raw or cleaned.

Layouts (detected from the first lines, see :func:`detect_layout`):

- ``trade_register`` -- the classic trade register: one row per deal, with the delivery years
  in one field ("1979; 1980") and the TIV delivered for the whole deal. SIPRI's raw export is
  latin-1 with 11 header lines, '?' uncertainty columns and a few records broken over two
  lines; the cleaned copy has snake_case headers.
- ``deliveries`` -- the newer layout: one row per deal and delivery year, with SIPRI's deal id,
  armament category and the TIV of that year's deliveries. The raw export ends every line
  with ';' after 11 header lines.

Every deal-year becomes a :class:`Transfer`. For the classic register, numbers and TIV are
spread evenly over the delivery years (``tiv_split``), since that layout does not say how much
was delivered in which year.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openatt.errors import OpenattError
from openatt.monitoring.mapping import PartyKind, PartyMap, WeaponMap, party_map, weapon_map
from openatt.monitoring.transfer import Transfer, delivery_date

TRADE_REGISTER_COLUMNS = (
    "recipient",
    "supplier",
    "order_year",
    "order_year_uncertain",
    "number_ordered",
    "number_ordered_uncertain",
    "designation",
    "description",
    "number_delivered",
    "number_delivered_uncertain",
    "delivery_years",
    "status",
    "comments",
    "tiv_per_unit",
    "tiv_total_order",
    "tiv_delivered",
)
DELIVERIES_COLUMNS = (
    "sipri_deal_id",
    "supplier",
    "recipient",
    "designation",
    "description",
    "armament_category",
    "order_year",
    "order_year_is_estimate",
    "number_delivered",
    "number_delivered_is_estimate",
    "delivery_year",
    "delivery_year_is_estimate",
    "status",
    "sipri_estimate",
    "tiv_per_unit_deal",
    "tiv_delivered",
    "local_production",
)

LAYOUTS = ("trade_register_raw", "trade_register_clean", "deliveries_raw", "deliveries_clean")


class LayoutError(OpenattError, ValueError):
    """The file is not a SIPRI export openatt knows; the message says what was seen."""


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # SIPRI's classic export


def detect_layout(text: str) -> str:
    """Name the layout of a SIPRI export from its header."""
    lines = text.splitlines()[:14]
    for line in lines:
        head = line.strip().rstrip(";").casefold()
        if head.startswith("recipient,supplier,year of order"):
            return "trade_register_raw"
        if head.startswith("recipient,supplier,order_year"):
            return "trade_register_clean"
        if head.startswith("sipri at database id,"):
            return "deliveries_raw"
        if head.startswith("sipri_deal_id,"):
            return "deliveries_clean"
    first = lines[0][:80] if lines else "(empty file)"
    raise LayoutError(f"not a SIPRI trade register or deliveries export (starts {first!r})")


@dataclass
class ImportReport:
    """What an import read, made and could not map: shown to the user and stored with the data."""

    file: str
    layout: str
    rows: int = 0
    deals: int = 0
    transfers: int = 0
    open_orders: int = 0
    unmapped_names: Counter[str] = field(default_factory=Counter)
    unmapped_descriptions: Counter[str] = field(default_factory=Counter)
    fallback_descriptions: Counter[str] = field(default_factory=Counter)
    party_kinds: Counter[str] = field(default_factory=Counter)
    not_assessable: Counter[str] = field(default_factory=Counter)
    mapping_versions: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "layout": self.layout,
            "rows": self.rows,
            "deals": self.deals,
            "transfers": self.transfers,
            "open_orders": self.open_orders,
            "unmapped_names": dict(self.unmapped_names),
            "unmapped_descriptions": dict(self.unmapped_descriptions),
            "fallback_descriptions": dict(self.fallback_descriptions),
            "party_kinds": dict(self.party_kinds),
            "not_assessable": dict(self.not_assessable),
            "mapping_versions": self.mapping_versions,
        }


def _records(text: str, layout: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by normalized column name), values as in the file."""
    lines = text.splitlines()
    if layout in ("trade_register_clean", "deliveries_clean"):
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        for number, row in enumerate(reader, start=2):
            if row:
                yield number, dict(zip(header, row, strict=True))
        return
    columns = TRADE_REGISTER_COLUMNS if layout == "trade_register_raw" else DELIVERIES_COLUMNS
    start = next(
        i for i, line in enumerate(lines) if line.casefold().startswith(("recipient,", "sipri at"))
    )
    pending: list[str] | None = None
    pending_line = 0
    for index in range(start + 1, len(lines)):
        line = lines[index].rstrip("\r")
        if layout == "deliveries_raw":
            line = line.removesuffix(";")
        if not line.strip():
            continue
        row = next(csv.reader([line]))
        if pending is not None:
            # SIPRI's raw export breaks a Comments field that holds a line break in two.
            row = [*pending[:-1], f"{pending[-1]} {row[0]}".strip(), *row[1:]]
            line_number = pending_line
        else:
            line_number = index + 1
        if len(row) < len(columns):
            pending, pending_line = row, line_number
            continue
        pending = None
        if len(row) != len(columns):
            raise LayoutError(f"line {line_number}: {len(row)} fields, expected {len(columns)}")
        yield line_number, dict(zip(columns, row, strict=True))


def _number(value: str) -> float | None:
    value = value.strip()
    return float(value) if value else None


def _year(value: str) -> int | None:
    value = value.strip()
    return int(value) if value else None


def read_sipri(
    path: Path,
    *,
    parties: PartyMap | None = None,
    weapons: WeaponMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Transfer], ImportReport]:
    """Read a SIPRI export into transfers, one per deal and delivery year, with a report."""
    parties = parties or party_map()
    weapons = weapons or weapon_map()
    text = _read_text(path)
    layout = detect_layout(text)
    report = ImportReport(file=path.name, layout=layout)
    report.mapping_versions = {"sipri_parties": parties.version, "sipri_weapons": weapons.version}
    transfers: list[Transfer] = []
    register = layout.startswith("trade_register")
    deals: set[str] = set()
    for line_number, row in _records(text, layout):
        report.rows += 1
        if progress is not None:
            progress(1)
        if register:
            years = [int(y) for y in row["delivery_years"].replace(" ", "").split(";") if y]
            deal_id = None
            deals.add(str(line_number))
            if not years:
                report.open_orders += 1
                continue
            share = 1 / len(years)
            number = _number(row["number_delivered"])
            tiv = _number(row["tiv_delivered"])
            per_year = [
                (
                    y,
                    None if number is None else number * share,
                    None if tiv is None else tiv * share,
                )
                for y in years
            ]
            armament = None
        else:
            deal_id = row["sipri_deal_id"].strip()
            deals.add(deal_id)
            per_year = [
                (
                    int(row["delivery_year"]),
                    _number(row["number_delivered"]),
                    _number(row["tiv_delivered"]),
                )
            ]
            armament = row["armament_category"].strip() or None
        description = row["description"].strip()
        cat = weapons.resolve(description, armament)
        if cat is None:
            report.unmapped_descriptions[description] += 1
        elif cat.fallback:
            report.fallback_descriptions[description] += 1
        for year, number, tiv in per_year:
            day = delivery_date(year)
            supplier = parties.resolve(row["supplier"].strip(), day)
            recipient = parties.resolve(row["recipient"].strip(), day)
            for name, ref in ((row["supplier"], supplier), (row["recipient"], recipient)):
                if ref is None:
                    report.unmapped_names[name.strip()] += 1
                else:
                    report.party_kinds[ref.kind.value] += 1
            key = deal_id or f"L{line_number}"
            transfer = Transfer(
                id=f"{layout.split('_raw')[0].split('_clean')[0]}:{key}:{year}",
                layout=layout,
                source_file=path.name,
                source_line=line_number,
                deal_id=deal_id,
                supplier_name=row["supplier"].strip(),
                recipient_name=row["recipient"].strip(),
                supplier=supplier,
                recipient=recipient,
                designation=row["designation"].strip(),
                description=description,
                armament_category=armament,
                category=None if cat is None else cat.category,
                category_reason=None if cat is None else cat.reason,
                control_entry=None if cat is None else cat.control_entry,
                order_year=_year(row["order_year"]),
                delivery_year=year,
                number_delivered=number,
                tiv_delivered=tiv,
                tiv_split=register and len(per_year) > 1,
                status=row["status"].strip(),
                source_row=row,
            )
            transfers.append(transfer)
            reason = _why_not_assessable(transfer)
            if reason:
                report.not_assessable[reason] += 1
    report.deals = len(deals)
    report.transfers = len(transfers)
    return transfers, report


def _why_not_assessable(transfer: Transfer) -> str | None:
    supplier, recipient = transfer.supplier, transfer.recipient
    if supplier is None or recipient is None:
        return "unmapped name"
    if supplier.kind is not PartyKind.state:
        return f"supplier is {supplier.kind.value.replace('_', '-')}"
    if recipient.kind in (PartyKind.organisation, PartyKind.unknown):
        return f"recipient is {recipient.kind.value}"
    if supplier.state is None or recipient.state is None:
        return "state unknown on that date"
    if transfer.category is None:
        return "unmapped description"
    return None

"""The figures of the ATT annual report and the UN Register return: pure functions of a
snapshot of the register, a calendar year and a basis.

* authorised basis: the licences issued in the year, with the quantities and values they allow;
* actual basis: the shipments made in the year, valued pro rata of the licensed item's value.

Exports are export licences of the reporting state (partner: the final importing state);
imports are import licences (partner: the exporting state). Only the eight categories of ATT
Art. 2(1) are reported; ammunition, parts and other items are not in these forms. Licences
flagged as withheld (ATT Art. 13(3)) are counted in one aggregated row per form row, without
partner, value or description.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from openatt.core.model import Item, TransferKind
from openatt.register import canonical
from openatt.reports import forms
from openatt.reports.snapshot import LicenceRecord, Snapshot

WITHHELD_GROUNDS = {
    "commercially_sensitive": "commercially sensitive information",
    "national_security": "national-security information",
}


class Basis(StrEnum):
    authorised = "authorised"
    actual = "actual"


NUMBERS_ONLY = "-numbers"
"""Suffix of a report's recorded basis when it gives the number of items without values: a
series of its own, so that leaving values out is not mistaken for a correction."""


IMPORTS_SEPARATOR = "/"
"""Between the exports' and the imports' basis in a recorded basis (``authorised/actual``)
when the two tables are on different bases; one word when they are on the same."""


def series_basis(basis: Basis, values: bool, imports_basis: Basis | None = None) -> str:
    text = basis.value
    if imports_basis is not None and imports_basis is not basis:
        text += IMPORTS_SEPARATOR + imports_basis.value
    return text if values else text + NUMBERS_ONLY


def parse_series_basis(text: str) -> tuple[Basis, bool, Basis]:
    """The exports' basis, whether values are reported, and the imports' basis."""
    values = not text.endswith(NUMBERS_ONLY)
    exports, _, imports = text.removesuffix(NUMBERS_ONLY).partition(IMPORTS_SEPARATOR)
    return Basis(exports), values, Basis(imports or exports)


class Direction(StrEnum):
    exports = "exports"
    imports = "imports"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Entry(_Frozen):
    """One line of a table: one form row and one partner state (or the withheld aggregate)."""

    code: str
    label: str
    category: str
    group: str | None = None
    partner: str | None = Field(description="alpha-3; None on the withheld aggregate")
    number: int
    value: float | None = None
    currency: str | None = None
    description: str = ""
    comments: str = ""
    intermediate: tuple[str, ...] = Field(default=(), description="transit states, if any")
    origin: tuple[str, ...] = Field(
        default=(), description="states of origin other than the exporter (re-exports), if any"
    )
    withheld: bool = False
    sources: tuple[str, ...] = Field(
        default=(), description="licence numbers (authorised) or shipment ids (actual)"
    )


class Table(_Frozen):
    direction: Direction
    entries: tuple[Entry, ...]
    totals: dict[str, int] = Field(description="number of items per form row")
    category_totals: dict[str, int] = Field(description="number of items per ATT category")

    @property
    def nil(self) -> bool:
        return not self.entries


class Figures(_Frozen):
    kind: str = Field(description="att-annual or unroca")
    form: str
    year: int
    basis: Basis = Field(description="the basis of the exports table")
    imports_basis: Basis | None = Field(
        default=None, description="the basis of the imports table when it differs from exports'"
    )
    reporting_state: str | None
    as_of: str
    exports: Table
    imports: Table
    states_covered: tuple[str, ...] = Field(
        description="the licensing states of the licences counted (exporting state of exports, "
        "importing state of imports); more than one means no --state was given"
    )
    values_reported: bool = Field(
        default=True, description="False when the State reports by number of items only"
    )
    withheld_entries: int = Field(description="licences left out of the itemised tables")
    withheld_grounds: tuple[str, ...]
    national_definitions: dict[str, str] = Field(
        description="the reporting State's own definitions (Annex 2); empty when none given"
    )
    value_definition: str | None = Field(
        default=None, description="the reporting State's definition of value, if declared"
    )
    voluntary: tuple[Entry, ...] = Field(
        default=(), description="exports in the State's voluntary national categories"
    )

    def table(self, direction: Direction) -> Table:
        return self.exports if direction is Direction.exports else self.imports

    def basis_of(self, direction: Direction) -> Basis:
        if direction is Direction.imports and self.imports_basis is not None:
            return self.imports_basis
        return self.basis

    def checksum(self) -> str:
        """SHA-256 of the canonical JSON of the figures, without the as-of moment: the same
        figures computed at two moments have the same checksum (and the same version). An
        imports basis equal to the exports' is left out, so earlier reports keep theirs."""
        exclude = {"as_of"} if self.imports_basis is not None else {"as_of", "imports_basis"}
        return canonical.digest(self.model_dump(mode="json", exclude=exclude))


@dataclass(frozen=True)
class Contribution:
    """One licensed item or one shipment that the report counts."""

    direction: Direction
    licence: LicenceRecord
    item_index: int
    item: Item
    quantity: int
    value: float | None
    source: str


def in_year(day: dt.date, year: int) -> bool:
    return day.year == year


def as_of_day(snapshot: Snapshot) -> dt.date:
    """The UTC day of the snapshot's moment: nothing dated after it has happened yet."""
    return dt.date.fromisoformat(snapshot.as_of[:10])


def direction_of(licence: LicenceRecord, reporting_state: str | None) -> Direction | None:
    """Exports and imports of the reporting state (all of the register's when None)."""
    if licence.kind is TransferKind.export:
        if reporting_state is None or licence.exporting_state == reporting_state:
            return Direction.exports
    elif licence.kind is TransferKind.import_ and (
        reporting_state is None or licence.importing_state == reporting_state
    ):
        return Direction.imports
    return None


def _pro_rata(item: Item, quantity: int) -> float | None:
    if item.value is None:
        return None
    return item.value.amount * quantity / item.quantity


def contributions(
    snapshot: Snapshot,
    year: int,
    basis: Basis,
    reporting_state: str | None,
    *,
    conventional_only: bool = True,
) -> Iterator[Contribution]:
    """What a report for ``year`` on ``basis`` counts, item by item or shipment by shipment."""
    if basis is Basis.authorised:
        for licence in snapshot.licences:
            direction = direction_of(licence, reporting_state)
            if direction is None or not in_year(licence.issued_on, year):
                continue
            for index, item in enumerate(licence.items):
                if conventional_only and not forms.effective_category(item).is_conventional_arm:
                    continue
                value = item.value.amount if item.value else None
                yield Contribution(
                    direction, licence, index, item, item.quantity, value, licence.number
                )
        return
    last_day = as_of_day(snapshot)
    for shipment in snapshot.shipments:
        # A shipment counts by its own date, and only once that date has come by the
        # report's moment (a shipment dated 22 Dec recorded on 2 Dec is not an export yet).
        if not in_year(shipment.shipped_on, year) or shipment.shipped_on > last_day:
            continue
        licensed = snapshot.licence(shipment.licence_id)
        if licensed is None or not 0 <= shipment.item < len(licensed.items):
            continue  # reconcile.shipment_problems names these; the report is refused
        direction = direction_of(licensed, reporting_state)
        item = licensed.items[shipment.item]
        conventional = forms.effective_category(item).is_conventional_arm
        if direction is None or (conventional_only and not conventional):
            continue
        yield Contribution(
            direction,
            licensed,
            shipment.item,
            item,
            shipment.quantity,
            _pro_rata(item, shipment.quantity),
            f"shipment {shipment.id} ({licensed.number})",
        )


def _join(values: list[str]) -> str:
    return "; ".join(dict.fromkeys(v for v in values if v))


def _value(parts: list[Contribution]) -> tuple[float | None, str | None, str]:
    by_currency: dict[str, float] = defaultdict(float)
    unvalued = 0
    for part in parts:
        if part.value is None or part.item.value is None:
            unvalued += 1
        else:
            by_currency[part.item.value.currency] += part.value
    note = f"{unvalued} item(s) without a value" if unvalued and by_currency else ""
    if len(by_currency) == 1:
        currency, amount = next(iter(by_currency.items()))
        return round(amount, 2), currency, note
    if len(by_currency) > 1:
        listed = ", ".join(f"{c} {a:,.2f}" for c, a in sorted(by_currency.items()))
        return None, None, f"values in several currencies: {listed}"
    return None, None, note


def _table(
    form_: forms.Form,
    direction: Direction,
    parts: list[Contribution],
    basis: Basis,
    values: bool = True,
) -> Table:
    order = {row.code: i for i, row in enumerate(form_.rows)}
    grouped: dict[tuple[str, str | None], list[Contribution]] = defaultdict(list)
    placed: dict[int, forms.Placement] = {}
    for part in parts:
        placement = forms.place(form_, part.item)
        if placement is None:
            continue
        placed[id(part)] = placement
        partner = None
        if part.licence.withheld is None:
            partner = (
                part.licence.importing_state
                if direction is Direction.exports
                else part.licence.exporting_state
            )
        grouped[(placement.row.code, partner)].append(part)
    entries = []
    for (code, partner), group in sorted(
        grouped.items(), key=lambda kv: (order[kv[0][0]], kv[0][1] is None, kv[0][1] or "")
    ):
        row = placed[id(group[0])].row
        number = sum(p.quantity for p in group)
        if partner is None:
            grounds = sorted({WITHHELD_GROUNDS.get(p.licence.withheld or "", "") for p in group})
            licences = len({p.licence.id for p in group})
            entries.append(
                Entry(
                    code=code,
                    label=row.label,
                    category=row.category,
                    group=row.group,
                    partner=None,
                    number=number,
                    comments=f"{licences} licence(s) not itemised under ATT Art. 13(3): "
                    + ", ".join(g for g in grounds if g),
                    withheld=True,
                    sources=tuple(dict.fromkeys(p.source for p in group)),
                )
            )
            continue
        value, currency, value_note = _value(group) if values else (None, None, "")
        defaults = [p for p in group if placed[id(p)].by_default]
        count = len({p.licence.id for p in group})
        noun = "licence(s) issued" if basis is Basis.authorised else "shipment(s) from licence(s)"
        comments = [f"{len(group) if basis is Basis.actual else count} {noun}"]
        if defaults:
            why = "; ".join(dict.fromkeys(placed[id(p)].why_default for p in defaults))
            comments.append(f"sub-category not confirmed ({why}): default row")
        if value_note:
            comments.append(value_note)
        end_users = sorted({p.licence.end_user_kind.replace("_", " ") for p in group})
        comments.append("end user: " + ", ".join(end_users))
        entries.append(
            Entry(
                code=code,
                label=row.label,
                category=row.category,
                group=row.group,
                partner=partner,
                number=number,
                value=value,
                currency=currency,
                description=_join([p.item.description for p in group]),
                comments="; ".join(comments),
                intermediate=tuple(sorted({t for p in group for t in p.licence.transit_states})),
                origin=tuple(
                    sorted(
                        {
                            p.item.origin_state
                            for p in group
                            if p.item.origin_state
                            and p.item.origin_state != p.licence.exporting_state
                        }
                    )
                ),
                sources=tuple(dict.fromkeys(p.source for p in group)),
            )
        )
    totals: dict[str, int] = defaultdict(int)
    category_totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        totals[entry.code] += entry.number
        category_totals[entry.category] += entry.number
    return Table(
        direction=direction,
        entries=tuple(entries),
        totals=dict(totals),
        category_totals=dict(category_totals),
    )


def compute(
    snapshot: Snapshot,
    *,
    year: int,
    basis: Basis,
    reporting_state: str | None,
    kind: str = "att-annual",
    values: bool = True,
    imports_basis: Basis | None = None,
    form_name: str | None = None,
    profile: forms.StateProfile | None = None,
) -> Figures:
    """The figures of an ATT annual report (the ATT form's rows) or of a UN Register return
    (``form_name="unroca"``, the UNROCA rows). ``values=False`` reports the number of items
    only (the value is optional in the ATT template). The exports table is on ``basis``, the
    imports table on ``imports_basis`` (default: the same)."""
    form_name = form_name or ("unroca" if kind == "unroca" else "att")
    form_ = forms.form(form_name)
    declared = profile if profile is not None else forms.profile_of(reporting_state)
    imports_on = imports_basis or basis
    parts = [
        p
        for p in contributions(snapshot, year, basis, reporting_state)
        if p.direction is Direction.exports
    ] + [
        p
        for p in contributions(snapshot, year, imports_on, reporting_state)
        if p.direction is Direction.imports
    ]
    withheld = [p for p in parts if p.licence.withheld is not None]
    grounds = sorted({p.licence.withheld for p in withheld if p.licence.withheld})
    return Figures(
        kind=kind,
        form=form_name,
        year=year,
        basis=basis,
        imports_basis=imports_on if imports_on is not basis else None,
        reporting_state=reporting_state,
        as_of=snapshot.as_of,
        exports=_table(
            form_,
            Direction.exports,
            [p for p in parts if p.direction is Direction.exports],
            basis,
            values,
        ),
        imports=_table(
            form_,
            Direction.imports,
            [p for p in parts if p.direction is Direction.imports],
            imports_on,
            values,
        ),
        states_covered=tuple(
            sorted(
                {
                    p.licence.exporting_state
                    if p.direction is Direction.exports
                    else p.licence.importing_state
                    for p in parts
                }
            )
        ),
        values_reported=values,
        withheld_entries=len({p.licence.id for p in withheld}),
        withheld_grounds=tuple(grounds),
        national_definitions=dict(declared.national_definitions),
        value_definition=declared.value_definition,
        voluntary=_voluntary(
            form_, declared, snapshot, year, basis, reporting_state, values=values
        ),
    )


def _voluntary(
    form_: forms.Form,
    declared: forms.StateProfile,
    snapshot: Snapshot,
    year: int,
    basis: Basis,
    reporting_state: str | None,
    *,
    values: bool,
) -> tuple[Entry, ...]:
    """Exports in the State's voluntary categories: items of the entries it names that are in
    none of the form's rows, itemised like the form's (withheld ones without a partner)."""
    if not declared.voluntary_categories:
        return ()
    grouped: dict[tuple[str, str | None], list[Contribution]] = defaultdict(list)
    labels: dict[str, str] = {}
    for part in contributions(snapshot, year, basis, reporting_state, conventional_only=False):
        if part.direction is not Direction.exports or forms.place(form_, part.item):
            continue
        heading = forms.ml_heading(part.item)
        for category in declared.voluntary_categories:
            if heading in category.entries:
                partner = None if part.licence.withheld else part.licence.importing_state
                grouped[(category.code, partner)].append(part)
                labels[category.code] = category.label
                break
    entries = []
    for (code, partner), group in sorted(
        grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        value, currency, _ = _value(group) if values and partner else (None, None, "")
        entries.append(
            Entry(
                code=code,
                label=labels[code],
                category="national",
                partner=partner,
                number=sum(p.quantity for p in group),
                value=value,
                currency=currency,
                description="" if partner is None else _join([p.item.description for p in group]),
                withheld=partner is None,
                sources=tuple(dict.fromkeys(p.source for p in group)),
            )
        )
    return tuple(entries)

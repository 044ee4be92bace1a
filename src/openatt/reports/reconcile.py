"""The checks a report must pass before it is written: it refuses, and names the licence or
shipment that breaks it, rather than publish figures that do not add up.

1. Every licence the report draws on is consistent with its shipments: each shipment is for an
   item the licence has, inside the licence's validity, and no item is shipped beyond the
   quantity licensed.
2. The report's totals per direction and ATT category equal the register's own totals,
   computed by another path (the licences directly; for shipments, the database's sums).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from openatt.errors import ErrorKind, OpenattError
from openatt.reports import forms
from openatt.reports.figures import Basis, Direction, Figures, direction_of, in_year
from openatt.reports.national import NationalFigures
from openatt.reports.snapshot import Snapshot

Totals = dict[tuple[str, str], int]
"""Number of items per (direction, ATT category)."""


class ReportRefused(OpenattError, ValueError):
    """The register does not add up for this report; ``problems`` name what breaks it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "the report does not reconcile with the register: " + "; ".join(problems),
            kind=ErrorKind.conflict,
        )


def licences_in_scope(
    snapshot: Snapshot, year: int, basis: Basis, reporting_state: str | None
) -> set[int]:
    if basis is Basis.authorised:
        return {
            lic.id
            for lic in snapshot.licences
            if in_year(lic.issued_on, year) and direction_of(lic, reporting_state) is not None
        }
    ids = {s.licence_id for s in snapshot.shipments if in_year(s.shipped_on, year)}
    return {
        lic.id
        for lic in snapshot.licences
        if lic.id in ids and direction_of(lic, reporting_state) is not None
    }


def shipment_problems(snapshot: Snapshot, licence_ids: set[int]) -> list[str]:
    """What is wrong between these licences and their shipments (empty when all is well)."""
    problems: list[str] = []
    shipped: dict[tuple[int, int], int] = defaultdict(int)
    for shipment in sorted(snapshot.shipments, key=lambda s: (s.shipped_on, s.id)):
        if shipment.licence_id not in licence_ids:
            continue
        licence = snapshot.licence(shipment.licence_id)
        if licence is None:
            problems.append(
                f"shipment {shipment.id} is on licence id {shipment.licence_id}, "
                "which the register did not hold at the report's date"
            )
            continue
        if not 0 <= shipment.item < len(licence.items):
            problems.append(
                f"shipment {shipment.id} on licence {licence.number} is for item "
                f"{shipment.item}, which the licence does not have"
            )
            continue
        if not licence.issued_on <= shipment.shipped_on <= licence.valid_until:
            problems.append(
                f"shipment {shipment.id} on licence {licence.number} was shipped on "
                f"{shipment.shipped_on}, outside the licence's validity "
                f"({licence.issued_on} to {licence.valid_until})"
            )
        key = (licence.id, shipment.item)
        shipped[key] += shipment.quantity
        allowed = licence.items[shipment.item].quantity
        if shipped[key] > allowed:
            problems.append(
                f"shipment {shipment.id} exceeds licence {licence.number}: item "
                f"{shipment.item} licensed {allowed}, shipped {shipped[key]}"
            )
    return problems


def authorised_totals(
    snapshot: Snapshot, year: int, reporting_state: str | None, form_name: str = "att"
) -> Totals:
    """The register's totals on the authorised basis, straight from the licences."""
    totals: Totals = defaultdict(int)
    for licence in snapshot.licences:
        direction = direction_of(licence, reporting_state)
        if direction is None or not in_year(licence.issued_on, year):
            continue
        for item in licence.items:
            category = forms.reported_category(form_name, item)
            if category is not None:
                totals[(direction.value, category)] += item.quantity
    return dict(totals)


def actual_totals(
    snapshot: Snapshot,
    shipped: Mapping[tuple[int, int], int],
    reporting_state: str | None,
    form_name: str = "att",
) -> Totals:
    """The register's totals on the actual basis, from the database's sums of shipments in
    the year per (licence, item)."""
    totals: Totals = defaultdict(int)
    for (licence_id, index), quantity in shipped.items():
        licence = snapshot.licence(licence_id)
        if licence is None or not 0 <= index < len(licence.items):
            continue
        direction = direction_of(licence, reporting_state)
        item = licence.items[index]
        category = forms.reported_category(form_name, item)
        if direction is not None and category is not None:
            totals[(direction.value, category)] += quantity
    return dict(totals)


def check(figures: Figures, snapshot: Snapshot, register_totals: Totals) -> None:
    """Refuse (:class:`ReportRefused`) unless the figures reconcile with the register."""
    scope = set[int]()
    for direction in Direction:
        basis = figures.basis_of(direction)
        scope |= licences_in_scope(snapshot, figures.year, basis, figures.reporting_state)
    problems = shipment_problems(snapshot, scope)
    reported: Totals = {}
    for direction in Direction:
        for category, number in figures.table(direction).category_totals.items():
            reported[(direction.value, category)] = number
    for key in sorted(set(reported) | set(register_totals)):
        if reported.get(key, 0) != register_totals.get(key, 0):
            problems.append(
                f"{key[0]} of category {key[1]}: the report counts "
                f"{reported.get(key, 0)}, the register {register_totals.get(key, 0)}"
            )
    if problems:
        raise ReportRefused(problems)


def check_national(
    figures: NationalFigures,
    snapshot: Snapshot,
    shipped: Mapping[tuple[int, int], int],
) -> None:
    """Refuse a national report whose licences, values or exports do not add up."""
    state = figures.reporting_state
    scope = licences_in_scope(snapshot, figures.year, Basis.authorised, state)
    scope |= licences_in_scope(snapshot, figures.year, Basis.actual, state)
    problems = shipment_problems(snapshot, scope)
    issued = [
        lic
        for lic in snapshot.licences
        if in_year(lic.issued_on, figures.year) and direction_of(lic, state) is Direction.exports
    ]
    value = sum(
        i.value.amount
        * (1.0 if i.value.currency == figures.currency else figures.rates[i.value.currency])
        for lic in issued
        for i in lic.items
        if i.value is not None and lic.withheld is None
    )
    exported = sum(
        quantity
        for (licence_id, _), quantity in shipped.items()
        if (lic := snapshot.licence(licence_id)) is not None
        and direction_of(lic, state) is Direction.exports
    )
    checks = (
        ("export licences issued", float(len(issued)), figures.totals["licences"]),
        ("value of licences issued", round(value, 2), figures.totals["licensed_value"]),
        (
            "value of licences, summed over the table",
            round(value, 2),
            round(sum(r.licensed_value for r in figures.rows), 2),
        ),
        ("items exported", float(exported), float(sum(r.actual_items for r in figures.rows))),
    )
    for what, register, reported in checks:
        if abs(register - reported) > 0.005:
            problems.append(f"{what}: the report counts {reported}, the register {register}")
    if problems:
        raise ReportRefused(problems)

"""The figures of a national transparency report in the manner of the EU's annual report
under Common Position 2008/944/CFSP (COARM): for each destination and Military List
category, the licences issued and their value, the actual exports, and the denials with the
criteria invoked; and the series the charts draw (by category, by region, over years, denials
by criterion). Pure functions of a register snapshot.

Unlike the ATT and UNROCA forms, the national report covers everything the register licenses
for export: ammunition, parts and components and other Military List items too.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field

from openatt.errors import OpenattError
from openatt.register import canonical
from openatt.reports import forms
from openatt.reports.figures import Basis, Contribution, Direction, contributions
from openatt.reports.snapshot import Snapshot


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DestinationRow(_Frozen):
    destination: str
    region: str
    ml_category: str
    licences: int
    licensed_value: float
    actual_items: int
    actual_value: float
    currency: str
    denials: int
    criteria: tuple[str, ...]


class DenialLine(_Frozen):
    reference: str
    denied_on: str
    destination: str
    region: str
    ml_categories: tuple[str, ...]
    criteria: tuple[str, ...]


class Series(_Frozen):
    licensed_value: dict[str, float]
    actual_value: dict[str, float]


class NationalFigures(_Frozen):
    kind: str = "national"
    year: int
    reporting_state: str | None
    as_of: str
    currency: str = Field(description="the currency of the values (one per report)")
    rows: tuple[DestinationRow, ...]
    denials: tuple[DenialLine, ...]
    by_category: Series
    by_region: Series
    over_years: Series
    denials_by_criterion: dict[str, int]
    totals: dict[str, float]
    withheld_licences: int
    criteria_titles: dict[str, str] = Field(description="what each criterion id stands for")

    def checksum(self) -> str:
        return canonical.digest(self.model_dump(mode="json", exclude={"as_of"}))


def ml_category(part: Contribution) -> str:
    """The Military List entry of an item (e.g. ML1), else its ATT category."""
    entry = (part.item.control_entry or "").strip().upper().replace(" ", "")
    return entry or f"ATT {part.item.category.value}"


class MixedCurrencies(OpenattError, ValueError):
    """The register's values are in several currencies: convert them before summing."""


WITHHELD = "withheld"
"""The destination shown for licences withheld under ATT Art. 13(3): counted, not itemised."""


def destination_of(part: Contribution) -> str:
    return part.licence.importing_state if part.licence.withheld is None else WITHHELD


def region_of(destination: str) -> str:
    return "Withheld" if destination == WITHHELD else forms.region_of(destination)


def criterion_title(criterion: str) -> str:
    """The title of a rule of the law (e.g. ``eu.7``), for the report's legend."""
    from openatt.law.loader import LawError, default_law

    try:
        regime, rule = default_law().find_rule(criterion)
    except LawError:
        return "criterion recorded by the notifying state"
    return f"{regime.title}: {rule.title}"


def _exports(snapshot: Snapshot, year: int, basis: Basis, state: str | None) -> list[Contribution]:
    return [
        p
        for p in contributions(snapshot, year, basis, state, conventional_only=False)
        if p.direction is Direction.exports
    ]


def _currency(parts: list[Contribution]) -> str:
    found = {p.item.value.currency for p in parts if p.item.value is not None}
    if len(found) > 1:
        raise MixedCurrencies(
            "the national report sums values in one currency; the register holds "
            + ", ".join(sorted(found))
        )
    return found.pop() if found else "EUR"


def _round(values: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 2) for key, value in sorted(values.items())}


def compute(
    snapshot: Snapshot, *, year: int, reporting_state: str | None, years: int = 5
) -> NationalFigures:
    licensed = _exports(snapshot, year, Basis.authorised, reporting_state)
    actual = _exports(snapshot, year, Basis.actual, reporting_state)
    history = {
        y: (
            _exports(snapshot, y, Basis.authorised, reporting_state),
            _exports(snapshot, y, Basis.actual, reporting_state),
        )
        for y in range(year - years + 1, year + 1)
    }
    currency = _currency([p for pair in history.values() for parts in pair for p in parts])
    denials = [
        d
        for d in snapshot.denials
        if d.own
        and d.denied_on.year == year
        and (reporting_state is None or d.notifying_state == reporting_state)
    ]
    keys: set[tuple[str, str]] = set()
    licence_ids: dict[tuple[str, str], set[int]] = defaultdict(set)
    licensed_value: dict[tuple[str, str], float] = defaultdict(float)
    actual_items: dict[tuple[str, str], int] = defaultdict(int)
    actual_value: dict[tuple[str, str], float] = defaultdict(float)
    for part in licensed:
        key = (destination_of(part), ml_category(part))
        keys.add(key)
        licence_ids[key].add(part.licence.id)
        licensed_value[key] += part.value or 0.0
    for part in actual:
        key = (destination_of(part), ml_category(part))
        keys.add(key)
        actual_items[key] += part.quantity
        actual_value[key] += part.value or 0.0
    denial_count: dict[tuple[str, str], int] = defaultdict(int)
    denial_criteria: dict[tuple[str, str], set[str]] = defaultdict(set)
    for denial in denials:
        entries = denial.control_entries or tuple(f"ATT {c}" for c in denial.categories)
        for entry in entries or ("unspecified",):
            key = (denial.destination, entry.upper() if entry.startswith("ml") else entry)
            keys.add(key)
            denial_count[key] += 1
            denial_criteria[key].update(denial.criteria)
    rows = tuple(
        DestinationRow(
            destination=destination,
            region=region_of(destination),
            ml_category=ml,
            licences=len(licence_ids[(destination, ml)]),
            licensed_value=round(licensed_value[(destination, ml)], 2),
            actual_items=actual_items[(destination, ml)],
            actual_value=round(actual_value[(destination, ml)], 2),
            currency=currency,
            denials=denial_count[(destination, ml)],
            criteria=tuple(sorted(denial_criteria[(destination, ml)])),
        )
        for destination, ml in sorted(keys, key=lambda k: (region_of(k[0]), k[0], k[1]))
    )
    by_category_l: dict[str, float] = defaultdict(float)
    by_category_a: dict[str, float] = defaultdict(float)
    by_region_l: dict[str, float] = defaultdict(float)
    by_region_a: dict[str, float] = defaultdict(float)
    for row in rows:
        by_category_l[row.ml_category] += row.licensed_value
        by_category_a[row.ml_category] += row.actual_value
        by_region_l[row.region] += row.licensed_value
        by_region_a[row.region] += row.actual_value
    over_l = {str(y): sum(p.value or 0.0 for p in pair[0]) for y, pair in history.items()}
    over_a = {str(y): sum(p.value or 0.0 for p in pair[1]) for y, pair in history.items()}
    by_criterion: dict[str, int] = defaultdict(int)
    for denial in denials:
        for criterion in denial.criteria or ("not recorded",):
            by_criterion[criterion] += 1
    withheld = {p.licence.id for p in licensed + actual if p.licence.withheld is not None}
    return NationalFigures(
        year=year,
        reporting_state=reporting_state,
        as_of=snapshot.as_of,
        currency=currency,
        rows=rows,
        denials=tuple(
            DenialLine(
                reference=d.reference,
                denied_on=d.denied_on.isoformat(),
                destination=d.destination,
                region=forms.region_of(d.destination),
                ml_categories=d.control_entries or tuple(f"ATT {c}" for c in d.categories),
                criteria=d.criteria,
            )
            for d in denials
        ),
        by_category=Series(
            licensed_value=_round(by_category_l), actual_value=_round(by_category_a)
        ),
        by_region=Series(licensed_value=_round(by_region_l), actual_value=_round(by_region_a)),
        over_years=Series(licensed_value=_round(over_l), actual_value=_round(over_a)),
        denials_by_criterion=dict(sorted(by_criterion.items())),
        totals={
            "licences": float(len({p.licence.id for p in licensed})),
            "licensed_value": round(sum(p.value or 0.0 for p in licensed), 2),
            "actual_value": round(sum(p.value or 0.0 for p in actual), 2),
            "denials": float(len(denials)),
        },
        withheld_licences=len(withheld),
        criteria_titles={
            c: criterion_title(c) for c in sorted({c for d in denials for c in d.criteria})
        },
    )

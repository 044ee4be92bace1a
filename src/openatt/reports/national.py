"""The figures of a national transparency report in the manner of the EU's annual report
under Common Position 2008/944/CFSP (COARM): for each destination and Military List
category, the licences issued and their value, the actual exports, and the denials with the
criteria invoked; and the series the charts draw (by category, by region, over years, denials
by criterion). Pure functions of a register snapshot.

Unlike the ATT and UNROCA forms, the national report covers everything the register licenses
for export: ammunition, parts and components and other Military List items too.

Counting as COARM does: a licence is counted once in each row of an entry it covers (a
licence for ML1 rifles and ML3 ammunition is one ML1 licence and one ML3 licence), and once in
the totals per region and for the world, so a table's licence column may sum to more than the
total of licences. Denials are the reporting state's own (from its denied cases), with the
criteria of its own national or regional regime only; revoked and suspended licences are
counted by the day of that decision. Values in several currencies are converted at the rates
stated with the report (and printed in it), never refused and never silently summed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from openatt.core.model import TransferKind
from openatt.errors import OpenattError
from openatt.register import canonical
from openatt.reports import forms
from openatt.reports.figures import (
    Basis,
    Contribution,
    Direction,
    as_of_day,
    contributions,
    direction_of,
)
from openatt.reports.snapshot import DenialRecord, LicenceRecord, Snapshot


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DestinationRow(_Frozen):
    destination: str
    region: str
    ml_category: str
    licences: int = Field(description="licences covering this entry (a licence once per entry)")
    licensed_value: float
    actual_items: int
    actual_value: float
    currency: str
    denials: int
    criteria: tuple[str, ...]


class BrokeringRow(_Frozen):
    destination: str
    region: str
    ml_category: str
    licences: int
    licensed_value: float


class AreaTotal(_Frozen):
    """Totals for a region or for the world, each licence and denial counted once."""

    licences: int
    licensed_value: float
    actual_value: float
    denials: int


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
    rates: dict[str, float] = Field(
        default_factory=dict,
        description="the stated rates: one unit of each currency in the report's currency",
    )
    rows: tuple[DestinationRow, ...]
    brokering: tuple[BrokeringRow, ...] = ()
    denials: tuple[DenialLine, ...]
    by_category: Series
    by_region: Series
    over_years: Series
    regions: dict[str, AreaTotal] = Field(default_factory=dict)
    world: AreaTotal | None = None
    licence_counts: dict[str, int] = Field(
        default_factory=dict, description="issued, refused, revoked, suspended in the year"
    )
    denials_by_criterion: dict[str, int]
    totals: dict[str, float]
    withheld_licences: int
    criteria_titles: dict[str, str] = Field(description="what each criterion id stands for")

    def checksum(self) -> str:
        return canonical.digest(self.model_dump(mode="json", exclude={"as_of"}))


def ml_category(part: Contribution) -> str:
    """The Military List heading of an item's entry (``ML1`` for ``ML1.a:rifle``), else its
    ATT category: COARM tables are by Military List category."""
    return forms.ml_heading(part.item) or f"ATT {part.item.category.value}"


class MixedCurrencies(OpenattError, ValueError):
    """The register's values are in several currencies and no rate converts one of them."""


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


def _exports(
    snapshot: Snapshot, year: int, basis: Basis, state: str | None, kind: TransferKind
) -> list[Contribution]:
    return [
        p
        for p in contributions(snapshot, year, basis, state, conventional_only=False)
        if p.direction is Direction.exports and p.licence.kind is kind
    ]


def _brokered(snapshot: Snapshot, year: int, state: str | None) -> list[Contribution]:
    """Brokering licences issued in the year by the reporting state (the register records the
    licensing state as the exporting state of a brokering case)."""
    found = []
    for licence in snapshot.licences:
        if licence.kind is not TransferKind.brokering or licence.issued_on.year != year:
            continue
        if state is not None and licence.exporting_state != state:
            continue
        for index, item in enumerate(licence.items):
            value = item.value.amount if item.value else None
            found.append(
                Contribution(
                    Direction.exports, licence, index, item, item.quantity, value, licence.number
                )
            )
    return found


@dataclass(frozen=True)
class Rates:
    """Stated conversion rates into one report currency."""

    currency: str
    rates: Mapping[str, float]

    def convert(self, part: Contribution) -> float:
        """The part's value in the report's currency; nothing for a withheld licence, whose
        value is not published (ATT Art. 13(3), as in the ATT report's aggregate row)."""
        if part.value is None or part.item.value is None or part.licence.withheld is not None:
            return 0.0
        from_currency = part.item.value.currency
        if from_currency == self.currency:
            return part.value
        return part.value * self.rates[from_currency]


def choose_rates(
    parts: Iterable[Contribution], currency: str | None, rates: Mapping[str, float]
) -> Rates:
    """The report's currency and the rates it uses; refuses when a currency has no rate."""
    found = {p.item.value.currency for p in parts if p.item.value is not None}
    if currency is None:
        currency = next(iter(found)) if len(found) == 1 else "EUR"
    missing = sorted(c for c in found if c != currency and c not in rates)
    if missing:
        raise MixedCurrencies(
            f"the national report sums values in {currency}; the register also holds "
            + ", ".join(missing)
            + ": state the rate of each (one unit in "
            + currency
            + "), e.g. "
            + ", ".join(f"{c}=1.0" for c in missing)
        )
    used = {c: rates[c] for c in sorted(found) if c != currency}
    return Rates(currency, used)


@dataclass
class _Cell:
    """Everything counted for one (destination, entry) key of the table."""

    licences: set[int] = field(default_factory=set)
    licensed_value: float = 0.0
    actual_items: int = 0
    actual_value: float = 0.0
    denials: int = 0
    criteria: set[str] = field(default_factory=set)


@dataclass
class _Area:
    licences: set[int] = field(default_factory=set)
    licensed_value: float = 0.0
    actual_value: float = 0.0
    denials: set[int] = field(default_factory=set)

    def total(self) -> AreaTotal:
        return AreaTotal(
            licences=len(self.licences),
            licensed_value=round(self.licensed_value, 2),
            actual_value=round(self.actual_value, 2),
            denials=len(self.denials),
        )


def own_criteria(denial: DenialRecord, own_regimes: tuple[str, ...] | None) -> tuple[str, ...]:
    """The criteria of a denial under the reporting state's own regimes (all when unknown)."""
    if own_regimes is None:
        return denial.criteria
    return tuple(c for c in denial.criteria if c.split(".", 1)[0] in own_regimes)


def _denial_entries(denial: DenialRecord) -> tuple[str, ...]:
    entries = denial.control_entries or tuple(f"ATT {c}" for c in denial.categories)
    headings = (e.split(":", 1)[0].split(".", 1)[0] for e in entries)
    return tuple(
        dict.fromkeys(e.upper() if e.lower().startswith("ml") else e for e in headings)
    ) or ("unspecified",)


def _changes(lic: LicenceRecord) -> tuple[tuple[str, dt.date], ...]:
    """The licence's changes of state; a record made with only its last change (a snapshot
    written by hand) has that one."""
    if lic.state_changes or lic.state_changed_on is None:
        return lic.state_changes
    return ((lic.state, lic.state_changed_on),)


def _changed_in(snapshot: Snapshot, year: int, state: str | None, status: str) -> int:
    """Export licences put in ``status`` by a decision of ``year`` (counted once each),
    whatever became of them after: a licence suspended in the year and reinstated, or
    revoked, later still counts as suspended in that year."""
    return sum(
        1
        for lic in snapshot.licences
        if any(to == status and on.year == year for to, on in _changes(lic))
        and direction_of(lic, state) is Direction.exports
    )


def _round(values: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 2) for key, value in sorted(values.items())}


def compute(
    snapshot: Snapshot,
    *,
    year: int,
    reporting_state: str | None,
    years: int = 5,
    currency: str | None = None,
    rates: Mapping[str, float] | None = None,
    own_regimes: tuple[str, ...] | None = None,
) -> NationalFigures:
    """The national report's figures. ``rates`` convert other currencies into ``currency``
    (default: the register's one currency); ``own_regimes`` are the ids of the reporting
    state's own criteria (``None``: every criterion recorded)."""
    export = TransferKind.export
    licensed = _exports(snapshot, year, Basis.authorised, reporting_state, export)
    actual = _exports(snapshot, year, Basis.actual, reporting_state, export)
    brokered = _brokered(snapshot, year, reporting_state)
    history = {
        y: (
            _exports(snapshot, y, Basis.authorised, reporting_state, export),
            _exports(snapshot, y, Basis.actual, reporting_state, export),
        )
        for y in range(year - years + 1, year + 1)
    }
    every = [p for pair in history.values() for parts in pair for p in parts] + brokered
    money = choose_rates(every, currency, rates or {})
    denials = [
        d
        for d in snapshot.denials
        if d.own
        and d.denied_on.year == year
        and d.denied_on <= as_of_day(snapshot)
        and (reporting_state is None or d.notifying_state == reporting_state)
    ]
    cells: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    areas: dict[str, _Area] = defaultdict(_Area)
    world = _Area()
    for part in licensed:
        destination = destination_of(part)
        cell = cells[(destination, ml_category(part))]
        cell.licences.add(part.licence.id)
        value = money.convert(part)
        cell.licensed_value += value
        for area in (areas[region_of(destination)], world):
            area.licences.add(part.licence.id)
            area.licensed_value += value
    for part in actual:
        destination = destination_of(part)
        cell = cells[(destination, ml_category(part))]
        cell.actual_items += part.quantity
        value = money.convert(part)
        cell.actual_value += value
        for area in (areas[region_of(destination)], world):
            area.actual_value += value
    for denial in denials:
        criteria = own_criteria(denial, own_regimes)
        for entry in _denial_entries(denial):
            cell = cells[(denial.destination, entry)]
            cell.denials += 1
            cell.criteria.update(criteria)
        for area in (areas[forms.region_of(denial.destination)], world):
            area.denials.add(denial.id)
    rows = tuple(
        DestinationRow(
            destination=destination,
            region=region_of(destination),
            ml_category=ml,
            licences=len(cell.licences),
            licensed_value=round(cell.licensed_value, 2),
            actual_items=cell.actual_items,
            actual_value=round(cell.actual_value, 2),
            currency=money.currency,
            denials=cell.denials,
            criteria=tuple(sorted(cell.criteria)),
        )
        for (destination, ml), cell in sorted(
            cells.items(), key=lambda kv: (region_of(kv[0][0]), kv[0][0], kv[0][1])
        )
    )
    brokering: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    for part in brokered:
        cell = brokering[(destination_of(part), ml_category(part))]
        cell.licences.add(part.licence.id)
        cell.licensed_value += money.convert(part)
    by_category = (defaultdict[str, float](float), defaultdict[str, float](float))
    by_region = (defaultdict[str, float](float), defaultdict[str, float](float))
    for row in rows:
        by_category[0][row.ml_category] += row.licensed_value
        by_category[1][row.ml_category] += row.actual_value
        by_region[0][row.region] += row.licensed_value
        by_region[1][row.region] += row.actual_value
    over_l = {str(y): sum(money.convert(p) for p in pair[0]) for y, pair in history.items()}
    over_a = {str(y): sum(money.convert(p) for p in pair[1]) for y, pair in history.items()}
    by_criterion: dict[str, int] = defaultdict(int)
    for denial in denials:
        for criterion in own_criteria(denial, own_regimes) or ("not recorded",):
            by_criterion[criterion] += 1
    withheld = {p.licence.id for p in licensed + actual if p.licence.withheld is not None}
    shown = {c for d in denials for c in own_criteria(d, own_regimes)}
    return NationalFigures(
        year=year,
        reporting_state=reporting_state,
        as_of=snapshot.as_of,
        currency=money.currency,
        rates=dict(money.rates),
        rows=rows,
        brokering=tuple(
            BrokeringRow(
                destination=destination,
                region=region_of(destination),
                ml_category=ml,
                licences=len(cell.licences),
                licensed_value=round(cell.licensed_value, 2),
            )
            for (destination, ml), cell in sorted(brokering.items())
        ),
        denials=tuple(
            DenialLine(
                reference=d.reference,
                denied_on=d.denied_on.isoformat(),
                destination=d.destination,
                region=forms.region_of(d.destination),
                ml_categories=_denial_entries(d),
                criteria=own_criteria(d, own_regimes),
            )
            for d in denials
        ),
        by_category=Series(
            licensed_value=_round(by_category[0]), actual_value=_round(by_category[1])
        ),
        by_region=Series(licensed_value=_round(by_region[0]), actual_value=_round(by_region[1])),
        over_years=Series(licensed_value=_round(over_l), actual_value=_round(over_a)),
        regions={region: area.total() for region, area in sorted(areas.items())},
        world=world.total(),
        licence_counts={
            "issued": len({p.licence.id for p in licensed}),
            "refused": len(denials),
            "revoked": _changed_in(snapshot, year, reporting_state, "revoked"),
            "suspended": _changed_in(snapshot, year, reporting_state, "suspended"),
        },
        denials_by_criterion=dict(sorted(by_criterion.items())),
        totals={
            "licences": float(len({p.licence.id for p in licensed})),
            "licensed_value": round(sum(money.convert(p) for p in licensed), 2),
            "actual_value": round(sum(money.convert(p) for p in actual), 2),
            "denials": float(len(denials)),
        },
        withheld_licences=len(withheld),
        criteria_titles={c: criterion_title(c) for c in sorted(shown)},
    )

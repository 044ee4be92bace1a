"""What the evidence mappings offer about a recipient: the automatic evidence, rule by rule.

``offers(app, tables)`` is what an officer sees on a case: for each rule of the mapping, the
indicator, its value and year, the band it falls in, the reason, the mapping's version and the
``Evidence`` the engine would weigh if the officer accepts it. ``indicator_evidence`` is the same
evidence without the wrapping, as the monitoring pipeline weighs it for every transfer.

Pure functions of (state, day, the items' categories, the tables, the mapping): nothing here does
I/O beyond reading the package's own data files once.

Reading rules of mapping version 2 (see ``docs/risk-model.md``):
- the likelihood of each piece of evidence is lowered by the relevance of the case's most relevant
  item to the topic (a warship says little about internal repression);
- for a state whose defence against an armed attack the Security Council or the General Assembly
  recognised, the rules that read armed conflict are read in its favour while that finding is in
  force;
- cited findings of aggression and of serious violations (``official-findings-v1``) are evidence
  of kind ``report``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from openatt.core.model import Application, Category, Evidence, EvidenceKind, Likelihood, Topic
from openatt.evidence.findings import Finding, FindingKind, load_findings
from openatt.evidence.mapping import Band, IndicatorMapping, Rule, Timing, load_mapping
from openatt.evidence.table import IndicatorTable, IndicatorValue, recode


@dataclass(frozen=True)
class Offer:
    """One rule's reading about a state for a decision, offered to the officer."""

    key: str
    mapping: str
    rule: str
    indicator: str
    variable: str
    value: float | None
    year: int | None
    band: str
    reason: str
    topics: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def _pick(rule: Rule, table: IndicatorTable, state: str, year: int) -> IndicatorValue | None:
    # the values are stored under the code the state had that year: Russia's 1991 is the
    # Soviet Union's (found in review, 2026-12-05: a successor's first year read its earlier
    # years under its new code, and found only the conflict table's "no conflict")
    code = recode(state, year)
    found = [v for var in rule.variables if (v := table.value(code, year, var)) is not None]
    if not found:
        return None
    if rule.aggregate == "mean":
        # the codings of one indicator by its several sources, averaged: one value that names
        # every variable it came from
        value = round(sum(v.value for v in found) / len(found), 3)
        first = found[0]
        names = "/".join(v.variable for v in found)
        return replace(first, variable=f"mean({names})", value=value)
    chooser = max if rule.aggregate == "max" else min
    return chooser(found, key=lambda v: v.value)


def rule_value(
    rule: Rule, table: IndicatorTable, state: str, day: dt.date, timing: Timing
) -> IndicatorValue | None:
    """The value a rule reads for a decision on ``day``: the latest allowed year, if any."""
    newest = day.year - timing.latest_year_offset
    for year in range(newest, newest - timing.max_age_years - 1, -1):
        picked = _pick(rule, table, state, year)
        if picked is not None:
            return picked
    return None


def _relevance(
    mapping: IndicatorMapping, topic: Topic, categories: frozenset[Category] | None
) -> tuple[int, str]:
    """Likelihood levels to take off for ``topic`` given the items, and the words that say why.
    The most relevant item counts; unknown items take nothing off."""
    if mapping.relevance is None or not categories:
        return 0, ""
    profile = mapping.relevance.profile(topic)
    if profile is None:
        return 0, ""
    best = min(categories, key=lambda c: mapping.relevance.levels[profile.relevance(c)])  # type: ignore[union-attr]
    relevance = profile.relevance(best)
    levels = mapping.relevance.levels[relevance]
    if levels == 0:
        return 0, f" Item relevance ({profile.id}): high for category {best.value}."
    return levels, (
        f" Item relevance ({profile.id}): {relevance} for category {best.value}, the most "
        f"relevant item of the case; likelihood lowered by {levels} level(s). {profile.reason}"
    )


def _lowered(likelihood: Likelihood, levels: int) -> Likelihood:
    if likelihood is Likelihood.known or levels == 0:
        return likelihood
    return Likelihood.from_level(likelihood.level - levels)


@dataclass(frozen=True)
class _Reading:
    """One rule's band for a state and day: what does not depend on the items."""

    rule: Rule
    picked: IndicatorValue
    band: Band
    reason: str  # the rule's reason on one line
    base: str  # the evidence note before any item-relevance or self-defence words
    source: str  # the value's citation


class StateReadings:
    """What a mapping reads about one state for a decision on one day, for items of any kind.

    The indicator values, bands and wording are read once; only the item-relevance words and the
    likelihood they lower differ between item categories. A batch that weighs a recipient's
    evidence for several categories (the monitoring pipeline) builds this once per (state, day):
    each distinct piece of evidence is then made once and is the same object for every category
    it is equal for, which lets the engine's memo (keyed by identity) share a rule's findings
    across categories. ``offers_about`` is this, for one set of categories.

    ``notes=False`` leaves the item-relevance words out of the notes (the likelihood is lowered
    all the same): for a batch that keeps only summaries, which read no note, a piece of
    evidence that no item lowers is then one object for every category (``monitoring.batch``)."""

    def __init__(
        self,
        state: str,
        day: dt.date,
        tables: Mapping[str, IndicatorTable],
        mapping: IndicatorMapping | str | None = None,
        *,
        notes: bool = True,
    ) -> None:
        chosen = (
            mapping
            if isinstance(mapping, IndicatorMapping)
            else load_mapping(mapping)
            if mapping
            else load_mapping()
        )
        self.mapping = chosen
        self.day = day
        # without the item-relevance words in the notes, a piece of evidence whose likelihood
        # no item lowers is one object for every category (see the class's docstring)
        self.notes = notes
        self.findings = load_findings(chosen.findings).about(state, day) if chosen.findings else ()
        self.defence = next((f for f in self.findings if f.kind is FindingKind.self_defence), None)
        readings: list[_Reading] = []
        for rule in chosen.rules:
            table = tables.get(rule.indicator)
            if table is None:
                continue
            picked = rule_value(rule, table, state, day, chosen.timing)
            if picked is None:
                continue
            band = rule.band(picked.value)
            if band is None:
                continue
            reason = " ".join(rule.reason.split())
            base = (
                f"{band.threshold}. {reason} Indicator-based ({chosen.id}, rule {rule.id}); "
                f"indicators lag: the value is for {picked.year}, the latest year allowed before "
                f"a decision on {day.isoformat()}, and conditions may since have changed."
            )
            if rule.contributing:
                base += " A contributing factor: never alone above a risk threshold."
            readings.append(_Reading(rule, picked, band, reason, base, picked.cite()))
        self.readings = tuple(readings)
        self._made: dict[tuple[object, ...], Evidence] = {}
        self._relevant = chosen.relevance_memo
        self._offers: dict[frozenset[Category] | None, tuple[Offer, ...]] = {}

    def _evidence(self, key: tuple[object, ...], make: Callable[[], Evidence]) -> Evidence:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = make()
        return found

    def _relevance(self, topic: Topic, categories: frozenset[Category] | None) -> tuple[int, str]:
        found = self._relevant.get((topic, categories))
        if found is None:
            found = self._relevant[(topic, categories)] = _relevance(
                self.mapping, topic, categories
            )
        return found

    def _indicator_offer(self, index: int, categories: frozenset[Category] | None) -> Offer:
        reading, mapping = self.readings[index], self.mapping
        rule, picked, band = reading.rule, reading.picked, reading.band
        return Offer(
            key=f"{mapping.id}:{rule.id}:{picked.state}:{picked.year}",
            mapping=mapping.id,
            rule=rule.id,
            indicator=picked.indicator,
            variable=picked.variable,
            value=picked.value,
            year=picked.year,
            band=band.threshold,
            reason=reading.reason,
            topics=tuple(t.value for t in rule.criteria),
            evidence=self._indicator_evidence(index, categories),
        )

    def _indicator_evidence(
        self, index: int, categories: frozenset[Category] | None
    ) -> tuple[Evidence, ...]:
        reading, mapping, defence = self.readings[index], self.mapping, self.defence
        rule, picked, band = reading.rule, reading.picked, reading.band
        evidence = []
        for topic in rule.criteria:
            likelihood, note = band.likelihood, reading.base
            if defence is not None and rule.conflict and topic in defence.topics:
                likelihood = Likelihood.remote
                note += (
                    f" Read in the recipient's favour: self-defence recognised by "
                    f"{defence.act.cite()} (UN Charter Art. 51); arms for its defence contribute "
                    "to peace and security (ATT Art. 7(1)(a))."
                )
            else:
                levels, why = self._relevance(topic, categories)
                likelihood = _lowered(likelihood, levels)
                if self.notes:
                    note += why

            def make(
                topic: Topic = topic, likelihood: Likelihood = likelihood, note: str = note
            ) -> Evidence:
                return Evidence(
                    criterion=topic.value,
                    likelihood=likelihood,
                    severity=band.severity,
                    source=reading.source,
                    date=dt.date(picked.year, 12, 31),
                    author=f"openatt {mapping.id}",
                    kind=EvidenceKind.indicator,
                    note=note,
                    value=picked.value,
                )

            evidence.append(self._evidence(("rule", index, topic, likelihood, note), make))
        return tuple(evidence)

    def _finding_offer(self, finding: Finding, categories: frozenset[Category] | None) -> Offer:
        mapping = self.mapping
        reason = " ".join(finding.finding.split())
        return Offer(
            key=f"{mapping.id}:{finding.id}",
            mapping=mapping.id,
            rule=f"finding.{finding.kind.value}",
            indicator="official_finding",
            variable=finding.id,
            value=None,
            year=finding.act.date.year,
            band=f"{finding.kind.value.replace('_', ' ')}: {finding.act.cite()}",
            reason=reason,
            topics=tuple(t.value for t in finding.topics),
            evidence=self._finding_evidence(finding, categories),
        )

    def _finding_evidence(
        self, finding: Finding, categories: frozenset[Category] | None
    ) -> tuple[Evidence, ...]:
        mapping = self.mapping
        reason = " ".join(finding.finding.split())
        evidence = []
        for topic in finding.topics:
            levels, why = (0, "")
            if finding.kind is FindingKind.conduct:
                levels, why = self._relevance(topic, categories)
            likelihood = _lowered(finding.likelihood, levels)
            note = f"Official finding ({finding.kind.value}, {finding.id}): {reason}"
            if self.notes:
                note += why

            def make(
                topic: Topic = topic, likelihood: Likelihood = likelihood, note: str = note
            ) -> Evidence:
                return Evidence(
                    criterion=topic.value,
                    likelihood=likelihood,
                    severity=finding.severity,
                    source=finding.act.cite(),
                    date=finding.act.date,
                    author=f"openatt {mapping.id}",
                    kind=EvidenceKind.report,
                    note=note,
                )

            evidence.append(self._evidence(("finding", finding.id, topic, likelihood, note), make))
        return tuple(evidence)

    def offers(self, categories: Iterable[Category] | None = None) -> tuple[Offer, ...]:
        """Every offer for items of ``categories`` (None: the items are not known)."""
        kinds = frozenset(categories) if categories is not None else None
        found = self._offers.get(kinds)
        if found is None:
            found = self._offers[kinds] = (
                *(self._indicator_offer(i, kinds) for i in range(len(self.readings))),
                *(self._finding_offer(f, kinds) for f in self.findings),
            )
        return found

    def evidence(self, categories: Iterable[Category] | None = None) -> tuple[Evidence, ...]:
        """The evidence of every offer for items of ``categories``, flattened (the offers'
        wrapping is not made: the batch asks this for every recipient, day and category)."""
        kinds = frozenset(categories) if categories is not None else None
        made = self._offers.get(kinds)
        if made is not None:
            return tuple(e for offer in made for e in offer.evidence)
        found: list[Evidence] = []
        for index in range(len(self.readings)):
            found.extend(self._indicator_evidence(index, kinds))
        for finding in self.findings:
            found.extend(self._finding_evidence(finding, kinds))
        return tuple(found)


def offers_about(
    state: str,
    day: dt.date,
    tables: Mapping[str, IndicatorTable],
    mapping: IndicatorMapping | str | None = None,
    categories: Iterable[Category] | None = None,
) -> tuple[Offer, ...]:
    """Every offer about ``state`` for a decision on ``day`` with items of ``categories``."""
    return StateReadings(state, day, tables, mapping).offers(categories)


def offers(
    app: Application,
    tables: Mapping[str, IndicatorTable],
    mapping: IndicatorMapping | str | None = None,
) -> tuple[Offer, ...]:
    """What the mapping offers on a case: evidence about the importing state as of the case's
    date, weighed for the case's items."""
    return offers_about(
        app.importing_state, app.date, tables, mapping, (item.category for item in app.items)
    )


def indicator_evidence(
    state: str,
    day: dt.date,
    tables: Mapping[str, IndicatorTable],
    mapping: IndicatorMapping | str | None = None,
    categories: Iterable[Category] | None = None,
) -> tuple[Evidence, ...]:
    """The evidence of every offer about ``state`` on ``day``, flattened."""
    return tuple(
        e for offer in offers_about(state, day, tables, mapping, categories) for e in offer.evidence
    )

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from openatt.core.model import Application, Category, Evidence, EvidenceKind, Likelihood, Topic
from openatt.evidence.findings import Finding, FindingKind, load_findings
from openatt.evidence.mapping import IndicatorMapping, Rule, Timing, load_mapping
from openatt.evidence.table import IndicatorTable, IndicatorValue


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
    found = [v for var in rule.variables if (v := table.value(state, year, var)) is not None]
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


def _indicator_offer(
    mapping: IndicatorMapping,
    rule: Rule,
    picked: IndicatorValue,
    day: dt.date,
    categories: frozenset[Category] | None,
    defence: Finding | None,
) -> Offer | None:
    band = rule.band(picked.value)
    if band is None:
        return None
    reason = " ".join(rule.reason.split())
    base = (
        f"{band.threshold}. {reason} Indicator-based ({mapping.id}, rule {rule.id}); "
        f"indicators lag: the value is for {picked.year}, the latest year allowed before a "
        f"decision on {day.isoformat()}, and conditions may since have changed."
    )
    if rule.contributing:
        base += " A contributing factor: never alone above a risk threshold."
    evidence = []
    for topic in rule.criteria:
        likelihood, severity, note = band.likelihood, band.severity, base
        if defence is not None and rule.conflict and topic in defence.topics:
            likelihood = Likelihood.remote
            note += (
                f" Read in the recipient's favour: self-defence recognised by "
                f"{defence.act.cite()} (UN Charter Art. 51); arms for its defence contribute to "
                "peace and security (ATT Art. 7(1)(a))."
            )
        else:
            levels, why = _relevance(mapping, topic, categories)
            likelihood = _lowered(likelihood, levels)
            note += why
        evidence.append(
            Evidence(
                criterion=topic.value,
                likelihood=likelihood,
                severity=severity,
                source=picked.cite(),
                date=dt.date(picked.year, 12, 31),
                author=f"openatt {mapping.id}",
                kind=EvidenceKind.indicator,
                note=note,
                value=picked.value,
            )
        )
    return Offer(
        key=f"{mapping.id}:{rule.id}:{picked.state}:{picked.year}",
        mapping=mapping.id,
        rule=rule.id,
        indicator=picked.indicator,
        variable=picked.variable,
        value=picked.value,
        year=picked.year,
        band=band.threshold,
        reason=reason,
        topics=tuple(t.value for t in rule.criteria),
        evidence=tuple(evidence),
    )


def _finding_offer(
    mapping: IndicatorMapping, finding: Finding, categories: frozenset[Category] | None
) -> Offer:
    reason = " ".join(finding.finding.split())
    evidence = []
    for topic in finding.topics:
        levels, why = (0, "")
        if finding.kind is FindingKind.conduct:
            levels, why = _relevance(mapping, topic, categories)
        evidence.append(
            Evidence(
                criterion=topic.value,
                likelihood=_lowered(finding.likelihood, levels),
                severity=finding.severity,
                source=finding.act.cite(),
                date=finding.act.date,
                author=f"openatt {mapping.id}",
                kind=EvidenceKind.report,
                note=f"Official finding ({finding.kind.value}, {finding.id}): {reason}{why}",
            )
        )
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
        evidence=tuple(evidence),
    )


def offers_about(
    state: str,
    day: dt.date,
    tables: Mapping[str, IndicatorTable],
    mapping: IndicatorMapping | str | None = None,
    categories: Iterable[Category] | None = None,
) -> tuple[Offer, ...]:
    """Every offer about ``state`` for a decision on ``day`` with items of ``categories``."""
    chosen = (
        mapping
        if isinstance(mapping, IndicatorMapping)
        else load_mapping(mapping)
        if mapping
        else load_mapping()
    )
    kinds = frozenset(categories) if categories is not None else None
    findings = load_findings(chosen.findings).about(state, day) if chosen.findings else ()
    defence = next((f for f in findings if f.kind is FindingKind.self_defence), None)
    found: list[Offer] = []
    for rule in chosen.rules:
        table = tables.get(rule.indicator)
        if table is None:
            continue
        picked = rule_value(rule, table, state, day, chosen.timing)
        if picked is None:
            continue
        offer = _indicator_offer(chosen, rule, picked, day, kinds, defence)
        if offer is not None:
            found.append(offer)
    found.extend(_finding_offer(chosen, finding, kinds) for finding in findings)
    return tuple(found)


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

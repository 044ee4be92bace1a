"""Every reference-data entry has a source and a valid date range, and embargoes behave:
each UN (and EU) measure gives deny or refer for a covered transfer on a day inside it, and
no finding on a day outside it or for an end user it does not cover."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import build_application
from openatt.core.engine import Engine
from openatt.core.findings import Outcome, Recommendation
from openatt.core.model import Category, EndUserKind
from openatt.reference.loader import default_reference
from openatt.reference.schema import Coverage, Direction, Embargo, Measure

REF = default_reference()
ENGINE = Engine.default()


def _all_cited() -> list[Any]:
    entries: list[Any] = []
    for embargo in (*REF.un_embargoes, *REF.eu_embargoes):
        for measure in embargo.measures:
            entries.append(measure)
            entries.extend(measure.exemptions)
    for treaty in REF.treaties.values():
        entries.extend(treaty.parties)
        entries.extend(treaty.signatories)
    for group in REF.groups.values():
        entries.extend(group.members)
    entries.extend(REF.us_126_1)
    return entries


def test_every_entry_has_a_source_and_a_valid_range() -> None:
    entries = _all_cited()
    assert len(entries) > 100
    for entry in entries:
        assert entry.citations and all(c.instrument.strip() for c in entry.citations)
        assert entry.valid_from >= dt.date(1945, 1, 1)
        assert entry.valid_until is None or entry.valid_until > entry.valid_from


def _measures(embargoes: tuple[Embargo, ...]) -> list[Any]:
    return [pytest.param(e, m, id=m.id) for e in embargoes for m in e.measures]


def _end_user(embargo: Embargo, measure: Measure) -> dict[str, Any]:
    """An end user the measure covers and, where possible, no exemption benefits."""
    country = embargo.target or "SYR"
    exempt = {kind for exemption in measure.exemptions for kind in exemption.end_user_kinds}
    if measure.coverage is Coverage.whole_state:
        kind = next(
            (
                k
                for k in (EndUserKind.private, EndUserKind.non_state, EndUserKind.armed_forces)
                if k not in exempt
            ),
            # every kind may benefit (e.g. only with a notification or the Council's approval)
            EndUserKind.armed_forces,
        )
        return {"name": "Covered end user", "country": country, "kind": kind.value}
    if measure.coverage is Coverage.non_state:
        return {"name": "Armed group", "country": country, "kind": "non_state"}
    if measure.coverage is Coverage.region:
        return {
            "name": "Armed group",
            "country": country,
            "kind": "non_state",
            "region": measure.regions[0],
        }
    group = measure.groups[0] if measure.groups else "listed entity"
    return {"name": group, "country": country, "kind": "non_state", "group": group}


def _application(
    embargo: Embargo,
    measure: Measure,
    day: dt.date,
    end_user: dict[str, Any],
    exporter: str,
    *,
    listed: bool = True,
) -> Any:
    category = measure.categories[0] if measure.categories else Category.VIII
    target = end_user["country"]
    spec: dict[str, Any] = {
        "date": day,
        "exporting_state": exporter,
        "exporter": {"name": "Exporter", "country": exporter},
        "importing_state": target,
        "consignee": {"name": "Consignee", "country": target},
        "end_user": end_user,
        "items": [{"description": "covered item", "category": category.value, "quantity": 10}],
        "evidence": [],
    }
    if measure.direction is Direction.from_target:
        # a UN ban on the target's exports binds every importer; an EU one only EU importers
        other = "DEU" if embargo.authority == "European Union" else "NOR"
        other = other if target != other else "ISL"
        spec.update(
            exporting_state=target,
            exporter={"name": "State exporter", "country": target},
            importing_state=other,
            consignee={"name": "Consignee", "country": other},
            end_user={"name": "Army", "country": other, "kind": "armed_forces"},
        )
    if listed and measure.coverage is Coverage.named_groups and not measure.groups:
        spec["screening"] = [
            {
                "party_role": "end_user",
                "party_name": end_user["name"],
                "list_id": "un-sc-consolidated",
                "authority": "UN",
                "entity_id": f"{measure.list_prefixes[0]}.1",
                "matched_name": end_user["name"],
                "score": 1.0,
            }
        ]
    return build_application(spec)


def _check(regime: str, embargo: Embargo, measure: Measure, exporter: str) -> None:
    covered = _application(
        embargo, measure, measure.valid_from, _end_user(embargo, measure), exporter
    )
    assessment = ENGINE.assess_regime(covered, regime)
    hits = [f for f in assessment.findings if f.source_id == measure.id]
    assert hits, f"{measure.id}: no finding for a covered transfer on {measure.valid_from}"
    assert all(f.outcome in (Outcome.prohibited, Outcome.requires_authorisation) for f in hits), [
        f.reason for f in hits
    ]
    assert assessment.recommendation in (Recommendation.deny, Recommendation.refer)
    if measure.valid_until:
        # the last day on which the measure applies is the day before valid_until
        last_day = measure.valid_until - dt.timedelta(days=1)
        last = _application(embargo, measure, last_day, _end_user(embargo, measure), exporter)
        assert [
            f for f in ENGINE.assess_regime(last, regime).findings if f.source_id == measure.id
        ], f"{measure.id}: no finding on its last day {last_day}"
    outside = [measure.valid_from - dt.timedelta(days=1)]
    if measure.valid_until:
        outside.append(measure.valid_until)
    for day in outside:
        earlier = _application(embargo, measure, day, _end_user(embargo, measure), exporter)
        assert not [
            f for f in ENGINE.assess_regime(earlier, regime).findings if f.source_id == measure.id
        ], day
    if measure.direction is Direction.to_target and measure.coverage is not Coverage.whole_state:
        outsider = {
            "name": "Unrelated army",
            "country": embargo.target or "SYR",
            "kind": "armed_forces",
            "group": "unrelated",
        }
        if measure.coverage is Coverage.region:
            outsider = {**_end_user(embargo, measure), "region": "nowhere in particular"}
        other = _application(embargo, measure, measure.valid_from, outsider, exporter, listed=False)
        # An end user outside the measure's coverage is never barred by it; a state end user
        # may still owe a notification (e.g. DRC 2008-2022), which is not a prohibition.
        assert not [
            f
            for f in ENGINE.assess_regime(other, regime).findings
            if f.source_id == measure.id and f.outcome is not Outcome.requires_authorisation
        ]


@pytest.mark.parametrize(("embargo", "measure"), _measures(REF.un_embargoes))
def test_un_measure_in_time_and_scope(embargo: Embargo, measure: Measure) -> None:
    _check("att", embargo, measure, "NOR" if embargo.target != "NOR" else "ISL")


@pytest.mark.parametrize(("embargo", "measure"), _measures(REF.eu_embargoes))
def test_eu_measure_in_time_and_scope(embargo: Embargo, measure: Measure) -> None:
    _check("eu", embargo, measure, "FRA")


@pytest.mark.parametrize(("embargo", "measure"), _measures(REF.osce_embargoes))
def test_osce_measure_in_time_and_scope(embargo: Embargo, measure: Measure) -> None:
    # EU criterion 1 reads the OSCE's embargoes (Common Position 2008/944/CFSP, 1(a))
    _check("eu", embargo, measure, "FRA")


@pytest.mark.parametrize(("embargo", "measure"), _measures(ENGINE.law.regime("uk").embargoes))
def test_uk_own_measure_in_time_and_scope(embargo: Embargo, measure: Measure) -> None:
    _check("uk", embargo, measure, "GBR")

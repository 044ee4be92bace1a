"""The batch's shortcuts give exactly what the reference paths give, on real transfers.

- ``EvidenceCache`` reads a recipient's indicators once per (state, date) and builds each
  category's evidence from that reading (``evidence.offer.StateReadings``); the reference is
  ``indicator_evidence`` called afresh for each (state, date, category).
- The engine's precomputed helpers (a threshold's risk cells, a rule's criteria, a piece of
  evidence as facts) answer as the definitions they stand for.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.model import Category, Evidence, Likelihood, Severity
from openatt.core.rules.context import evidence_fact
from openatt.evidence.offer import StateReadings, indicator_evidence, offers_about
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import signature
from openatt.monitoring.batch import EvidenceCache
from openatt.monitoring.sipri import read_sipri

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


@pytest.fixture(scope="module")
def keys(transfers_dir: Path) -> list[tuple[str, dt.date, str]]:
    """Every (recipient, date, category) of deliveries 2012-2024 (several categories per
    recipient and year; self-defence findings for Ukraine from 2022)."""
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    sigs = {signature(t) for t in transfers if t.assessable and t.delivery_year >= 2012}
    return sorted({(s.recipient, s.date, s.category) for s in sigs})


@pytest.mark.parametrize("mapping", ["indicator-mapping-v1", "indicator-mapping-v2"])
def test_evidence_cache_equals_evidence_made_afresh(
    keys: list[tuple[str, dt.date, str]], tables: dict[str, IndicatorTable], mapping: str
) -> None:
    cache = EvidenceCache(tables, mapping)
    shared = 0
    by_state_day: dict[tuple[str, dt.date], dict[str, tuple[Evidence, ...]]] = {}
    for state, day, category in keys:
        found = cache.get(state, day, category)
        fresh = indicator_evidence(state, day, tables, mapping, (Category(category),))
        assert found == fresh, (state, day, category)
        by_state_day.setdefault((state, day), {})[category] = found
    assert len(by_state_day) < len(keys)  # several categories per recipient and year
    for found in by_state_day.values():
        # evidence equal for two categories is one object (the memo keys it by identity)
        seen: dict[Evidence, Evidence] = {}
        for evidence in (e for each in found.values() for e in each):
            assert seen.setdefault(evidence, evidence) is evidence
        if len(found) > 1:
            first, *others = found.values()
            shared += any(e is o for e in first for other in others for o in other)
    assert shared > 0  # some evidence (topics items do not bear on) is shared across categories


def test_one_reading_serves_many_categories_as_fresh_offers_do(
    tables: dict[str, IndicatorTable],
) -> None:
    """Offers for several category sets from one reading equal those made afresh, in order,
    including the self-defence reading (Ukraine 2023) and no categories at all."""
    for state, day in (("UKR", dt.date(2023, 7, 1)), ("SAU", dt.date(2017, 7, 1))):
        reading = StateReadings(state, day, tables, "v2")
        for categories in ((Category.I,), (Category.VI, Category.VIII), (), None):
            assert reading.offers(categories) == offers_about(state, day, tables, "v2", categories)


def test_precomputed_helpers_answer_as_their_definitions() -> None:
    engine = Engine.default()
    for regime in engine.law.regimes.values():
        for threshold in regime.thresholds:
            for severity in Severity:
                for likelihood in Likelihood:
                    expected = (
                        severity.level >= Severity.serious.level
                        if likelihood is Likelihood.known
                        else any(
                            severity.level >= c.severity.level
                            and likelihood.level >= c.likelihood.level
                            for c in threshold.risk_when
                        )
                    )
                    assert threshold.is_risk(severity, likelihood) is expected
        for rule in regime.rules:
            assert rule.reads == {rule.id, *(t.value for t in rule.topics)}
    evidence = Evidence(
        criterion="human_rights",
        likelihood=Likelihood.likely,
        severity=Severity.grave,
        source="a report",
        date=dt.date(2020, 12, 31),
        note="why",
    )
    fact = evidence_fact(evidence)
    assert fact == {
        "criterion": "human_rights",
        "likelihood": "likely",
        "severity": "grave",
        "source": "a report",
        "date": "2020-12-31",
        "kind": "officer",
        "note": "why",
    }
    fact["note"] = "changed by a reader"  # each finding's facts are its own
    assert evidence_fact(evidence)["note"] == "why"
    assert evidence == evidence.model_copy() and evidence.model_dump()["note"] == "why"


def test_the_counterfactual_plan_is_the_rotated_walk_it_stands_for(transfers_dir: Path) -> None:
    """``audit._plan`` walks each year's suppliers from a place fixed by the signature, with
    their profiles looked up once per year; the reference walks a rotated copy of the order
    and looks each profile up afresh. Same alternatives, same order, on real transfers."""
    import zlib
    from collections import Counter

    from openatt.monitoring.applications import Signature
    from openatt.monitoring.audit import _plan, _year_orders, obligation_profile

    transfers, _ = read_sipri(transfers_dir / REGISTER)
    reference = Engine.default().reference
    recent = [t for t in transfers if t.assessable and t.delivery_year >= 2019]
    weight = Counter(signature(t) for t in recent)
    candidates: dict[int, set[str]] = {}
    for t in transfers:
        if t.assessable and t.supplier and t.supplier.state:
            candidates.setdefault(t.delivery_year, set()).add(t.supplier.state)
    orders = _year_orders(candidates)
    expected = []
    for original in weight:
        order = orders.get(original.year, [])
        start = zlib.crc32(repr(original).encode()) % len(order) if order else 0
        mine = obligation_profile(reference, original.supplier, original.year)
        same: list[str] = []
        other: list[str] = []
        for state in order[start:] + order[:start]:
            if state in (original.supplier, original.recipient):
                continue
            if obligation_profile(reference, state, original.year) == mine:
                if len(same) < 5:
                    same.append(state)
            elif len(other) < 2:
                other.append(state)
            if len(same) >= 5 and len(other) >= 2:
                break
        expected += [(original, Signature(s, *original.case), True) for s in same]
        expected += [(original, Signature(s, *original.case), False) for s in other]
    found = [tuple(step) for step in _plan(reference, weight, transfers, 5, 2)]
    assert found == expected
    assert sum(1 for step in found if not step[2]) > 100  # contrasts were found too

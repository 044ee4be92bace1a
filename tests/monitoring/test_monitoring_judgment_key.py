"""The batch's summaries looked up by the engine's judgment key give what the reference path
gives, on real transfers re-made by other suppliers.

``batch.summary_of`` keys a signature's summary rows on ``Engine.judgment_key`` (each regime's
whole-regime memo key and whether it binds): a case re-assessed for another supplier with the
same obligations then costs a look-up (the counterfactual audit). The reference is the plain
engine (no memo) assessing the application afresh, settling a party the source does not name,
and summarising. The sample holds suppliers with different obligations for the same case
(ATT parties and not, EU members and not, states under a ban on their own exports), so a key
that left out what a rule reads of the supplier, or whether a regime binds, would fail here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.memo import Memo
from openatt.core.model import Evidence, Likelihood, Severity
from openatt.core.rules.risk import _residual, classify, describe, weigh
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.law.schema import Effect
from openatt.monitoring.applications import Signature, signature
from openatt.monitoring.batch import (
    EvidenceCache,
    assess_signature,
    recipient_order,
    summarise,
    summary_of,
)
from openatt.monitoring.sipri import read_sipri

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
REGIMES = ("att", "eu")
# suppliers whose obligations differ: ATT parties inside and outside the EU, states outside
# the ATT, the two states whose national regimes the audit names, and states under bans on
# their own exports (Iran, North Korea, Eritrea 2009-2018)
SUPPLIERS = ("FRA", "DEU", "SWE", "SRB", "KOR", "ISR", "RUS", "CHN", "USA", "GBR", "IRN", "PRK")
YEARS = (1999, 2003, 2013, 2016, 2022)


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


@pytest.fixture(scope="module")
def signatures(transfers_dir: Path) -> list[Signature]:
    """Real cases of a few years (embargo periods among them), each made by every supplier
    of ``SUPPLIERS``, and by a supplier or recipient the source does not name."""
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    real = sorted(
        {signature(t) for t in transfers if t.assessable and t.delivery_year in YEARS},
        key=recipient_order,
    )
    cases = sorted({s.case for s in real})[::9]  # a spread of recipients and categories
    made = {Signature(supplier, *case) for case in cases for supplier in SUPPLIERS}
    made |= {Signature("", *case) for case in cases[::4]}
    made |= {Signature("FRA", "", *case[1:]) for case in cases[::7]}
    return sorted(made, key=recipient_order)


def test_summaries_by_judgment_key_equal_the_reference_path(
    signatures: list[Signature], tables: dict[str, IndicatorTable]
) -> None:
    plain = Engine.default()
    memo = plain.memoising(whole_regimes=True)
    fast_cache, fresh_cache = EvidenceCache(tables), EvidenceCache(tables)
    rows = Memo(200_000)
    by_case: dict[tuple[object, ...], set[tuple[object, ...]]] = defaultdict(set)
    for sig in signatures:
        fast = summary_of(memo, fast_cache, sig, REGIMES, rows)
        fresh_cache.last = None  # the application built afresh, not copied from the last one
        expected = summarise(assess_signature(plain, fresh_cache, sig, REGIMES))
        assert fast == expected, sig
        by_case[sig.case].add(tuple(expected))
    looked_up = sum(
        1 for key in rows.entries if isinstance(key, tuple) and key and key[0] == "rows"
    )
    # the key was used, and it shared: fewer keyed summaries than signatures
    assert 0 < looked_up < len(signatures)
    # the sample bites: the same case gives different summaries for suppliers with different
    # obligations, so a key blind to the supplier would have failed above
    assert sum(1 for found in by_case.values() if len(found) > 1) > 10


def test_judgments_are_the_assessments_conclusions(
    signatures: list[Signature], tables: dict[str, IndicatorTable]
) -> None:
    engine = Engine.default().memoising(whole_regimes=True)
    cache = EvidenceCache(tables)
    for sig in [s for s in signatures if s.supplier and s.recipient][::25]:
        app = cache.application(sig)
        judged = engine.judgments(app, REGIMES)
        assessed = Engine.default().assess(app, REGIMES)
        assert [(j.regime, j.binding, j.recommendation, j.findings) for j in judged] == [
            (a.regime, a.binding, a.recommendation, a.findings) for a in assessed
        ]
    assert Engine.default().judgment_key(app, REGIMES) is None  # no memo: no key


def test_evidence_weighed_once_answers_as_weighed_afresh() -> None:
    engine = Engine.default()
    thresholds = [t for r in engine.law.regimes.values() for t in r.thresholds]
    assert len({t.id for t in thresholds}) > 1
    for likelihood in Likelihood:
        for severity in Severity:
            evidence = Evidence(
                criterion="human_rights",
                likelihood=likelihood,
                severity=severity,
                source="a report",
                date=dt.date(2020, 1, 1),
                note="a note",
            )
            for _ in range(2):  # the second time from what was kept
                for threshold in thresholds:
                    for reduction in (0, 1, 2):
                        for effect in (Effect.deny, Effect.weigh):
                            residual = _residual(evidence, reduction)
                            outcome = classify(threshold, severity, residual, effect)
                            fact, line, found = weigh(evidence, reduction, threshold, effect)
                            assert found is outcome
                            assert line == describe(evidence, residual)
                            assert fact == {
                                **evidence.as_fact,
                                "residual_likelihood": residual.value,
                                "outcome": outcome.value,
                            }


def test_a_copy_of_evidence_works_out_its_own_facts() -> None:
    """``model_copy(update=...)`` must not carry what was worked out from the old values (the
    register copies evidence with the officer as author)."""
    evidence = Evidence(
        criterion="human_rights",
        likelihood=Likelihood.likely,
        severity=Severity.grave,
        source="a report",
        date=dt.date(2020, 1, 1),
        author="openatt indicator-mapping-v2",
    )
    threshold = Engine.default().law.regime("att").thresholds[0]
    assert evidence.as_fact["author"] == "openatt indicator-mapping-v2"
    weigh(evidence, 0, threshold, Effect.deny)
    copied = evidence.model_copy(update={"author": "officer@example.org"})
    assert copied.as_fact["author"] == "officer@example.org"
    assert weigh(copied, 0, threshold, Effect.deny)[0]["author"] == "officer@example.org"
    assert copied.cited == evidence.cited
    deep = evidence.model_copy(update={"likelihood": Likelihood.remote}, deep=True)
    assert deep.as_fact["likelihood"] == "remote"

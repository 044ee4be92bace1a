"""The counterfactual audit in chunks (planned, assessed and counted where each chunk runs,
on one process or several) gives what one pass over every signature gives.

``audit.counterfactual`` cuts the transfers' signatures into chunks at case boundaries; each
chunk plans its alternatives, assesses them and counts the differences, and the parent adds the
counts up. The reference is the definition: the whole plan (``_plan``), every signature of it
summarised, one tally. Real transfers of two delivery years with embargoes in force.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.memo import Memo
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import Signature, signature
from openatt.monitoring.audit import (
    Counterfactual,
    CounterfactualRow,
    _plan,
    _tally,
    counterfactual,
)
from openatt.monitoring.batch import EvidenceCache, recipient_order, summary_of
from openatt.monitoring.sipri import read_sipri
from openatt.monitoring.transfer import Transfer

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
YEARS = (2003, 2013)
REGIMES = ("att", "eu")


@pytest.fixture(scope="module")
def register(transfers_dir: Path) -> list[Transfer]:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    return transfers


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


def _output(cf: Counterfactual) -> tuple[object, ...]:
    return (
        cf.rows,
        cf.transfers,
        cf.same_profile,
        cf.same_profile_identical,
        cf.other_profile,
        cf.other_profile_changed,
        sorted(cf.changed_criteria.items()),
        cf.signatures_assessed,
    )


def test_chunks_on_several_processes_equal_one_pass(
    register: list[Transfer], tables: dict[str, IndicatorTable]
) -> None:
    transfers = [t for t in register if t.delivery_year in YEARS]
    engine = Engine.default()
    # the definition: every alternative planned at once, summarised, tallied once
    weight: Counter[Signature] = Counter(signature(t) for t in transfers if t.assessable)
    plan = _plan(engine.reference, weight, register, 5, 2)
    wanted = set(weight) | {step.alternative for step in plan}
    memo, cache, rows = engine.memoising(whole_regimes=True), EvidenceCache(tables), Memo()
    summaries = {
        sig: summary_of(memo, cache, sig, REGIMES, rows)
        for sig in sorted(wanted, key=recipient_order)
    }
    expected = Counterfactual(transfers=sum(weight.values()), signatures_assessed=len(wanted))
    grouped = _tally(expected, plan, weight, summaries)
    expected.rows = [
        CounterfactualRow(
            regime=c.regime,
            supplier=c.supplier,
            alternative=c.alternative,
            same_obligations=c.same_obligations,
            transfers=n,
            binding=c.binding,
            recommendation=c.recommendation,
            changed_criteria=c.changed_criteria,
        )
        for c, n in sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    assert expected.same_profile > 1_000 and expected.other_profile_changed > 0
    assert expected.same_profile_identical == expected.same_profile

    def run(workers: int, chunk_size: int) -> tuple[object, ...]:
        return _output(
            counterfactual(
                transfers,
                REGIMES,
                tables,
                engine=engine,
                alternatives=5,
                contrasts=2,
                population=register,
                workers=workers,
                chunk_size=chunk_size,
            )
        )

    assert run(1, 1_000_000) == _output(expected)
    assert run(1, 7) == _output(expected)
    assert run(2, 40) == _output(expected)


def test_transfers_loaded_without_source_rows_are_the_same_transfers(
    register: list[Transfer], tmp_path: Path
) -> None:
    """The audit loads the transfers for the counterfactual without their source rows, which
    it does not read: every other field is as stored."""
    import dataclasses

    import duckdb

    from openatt.monitoring import store
    from openatt.monitoring.sipri import ImportReport

    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    store.save_transfers(
        con, register[:3_000], ImportReport(file=REGISTER, layout="trade_register_clean")
    )
    full = store.load_transfers(con)
    light = store.load_transfers(con, source_rows=False)
    assert len(full) == len(light) == 3_000
    assert all(t.source_row for t in full) and not any(t.source_row for t in light)
    assert [dataclasses.replace(t, source_row={}) for t in full] == light
    assert [dataclasses.astuple(dataclasses.replace(t, source_row={})) for t in full] == [
        dataclasses.astuple(t) for t in light
    ]


def test_the_check_without_the_memo_sees_a_rule_that_reads_the_supplier(
    register: list[Transfer],
    tables: dict[str, IndicatorTable],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found in review (2026-12-05): with the memo, an alternative supplier with the same
    obligations is given the original's summary by construction, so the audit reported
    "every re-assessment identical" even with a rule biased for one supplier. The
    re-assessments checked by an engine without a memo see it."""
    import openatt.core.engine as engine_module
    from openatt.core.findings import Outcome
    from openatt.monitoring import audit

    monkeypatch.setattr(audit, "CHECKED_PER_CHUNK", 1_000_000)  # check every one
    chosen = [t for t in register if t.delivery_year == 2013 and t.assessable][:300]
    fair = counterfactual(chosen, ("att",), tables, alternatives=5, population=chosen)
    assert fair.checked_without_memo > 0
    assert fair.changed_without_memo == fair.memo_disagrees == 0

    honest = engine_module.EVALUATORS["risk"]

    def biased(ctx):  # type: ignore[no-untyped-def]
        found = honest(ctx)
        if ctx.app.exporting_state != "FRA":
            return found
        return [f.model_copy(update={"outcome": Outcome.clear}) for f in found]

    monkeypatch.setitem(engine_module.EVALUATORS, "risk", biased)
    unfair = counterfactual(chosen, ("att",), tables, alternatives=5, population=chosen)
    assert unfair.same_profile_identical == unfair.same_profile  # the memo cannot see it
    assert unfair.changed_without_memo > 0 and unfair.memo_disagrees > 0

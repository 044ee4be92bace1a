"""The back-test of the evidence mappings against practice, on the real register (2019-2024).

The full back-test with its figures is ``benchmarks/backtest.py``; here the measures are checked
for what they must mean, on a smaller window of the same data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.evidence.practice import load_practice
from openatt.monitoring import service, store
from openatt.monitoring.backtest import Backtest, Share, backtest


@pytest.fixture(scope="module")
def result(
    transfers_dir: Path, indicators_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Backtest:
    db = tmp_path_factory.mktemp("backtest") / "monitoring.duckdb"
    register = next(transfers_dir.rglob("trade-register_generated-2025-03-13.csv"))
    service.import_transfers(register, db=db)
    service.import_indicators(indicators_dir, db=db)
    summary = service.assess(["att", "eu"], 2019, 2024, db=db, mapping="v2")
    assert summary.mapping == "indicator-mapping-v2"
    with store.connect(db) as con:
        return backtest(con, Engine.default().reference, load_practice(), summary.mapping)


def test_recognised_self_defence_is_never_denied_on_peace_criteria(result: Backtest) -> None:
    for regime in ("att", "eu"):
        assert result.defence[regime].total > 100  # Ukraine, 2022-2024
        assert result.defence[regime].hits == 0


def test_every_act_with_deliveries_in_the_window_is_measured(result: Backtest) -> None:
    measured = {(r.act.id, r.regime) for r in result.acts if r.flagged.total}
    assert ("uk.ewca.caat-2019", "eu") in measured
    assert ("nl.gerechtshof.israel-2024", "att") in measured
    caat = next(r for r in result.acts if r.act.id == "uk.ewca.caat-2019" and r.regime == "eu")
    assert caat.flagged.share >= 0.9  # the Yemen panel's finding weighs on IHL
    every, independent = result.acts_share("eu"), result.acts_share("eu", independent=True)
    assert independent.total < every.total  # the acts the mapping reads as evidence left out


def test_allies_are_measured_and_rarely_denied(result: Backtest) -> None:
    for regime in ("att", "eu"):
        assert result.allies[regime].total > 300
        assert result.allies[regime].share <= 0.05


def test_share_arithmetic() -> None:
    assert Share(0, 0).share == 0.0 and "n/a" in str(Share(0, 0))
    assert str(Share(1, 4)) == "25.0% (1 of 4)"
    low, high = Share(1, 4).interval
    assert low <= 0.25 <= high

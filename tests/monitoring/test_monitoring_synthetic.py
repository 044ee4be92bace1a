"""The synthetic register the benchmark scales with: deterministic, within its documented
bounds, and assessed by the batch exactly as the single-application engine assesses it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring.applications import transfer_application
from openatt.monitoring.batch import assess_transfers
from openatt.monitoring.sipri import read_sipri
from openatt.monitoring.synthetic import Perturbation, synthetic_register
from openatt.monitoring.transfer import Transfer

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"


@pytest.fixture(scope="module")
def real(transfers_dir: Path) -> list[Transfer]:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    return random.Random(7).sample(transfers, 3000)


def test_the_same_seed_gives_the_same_register(real: list[Transfer]) -> None:
    one = synthetic_register(real, 3, seed=11)
    two = synthetic_register(real, 3, seed=11)
    other = synthetic_register(real, 3, seed=12)
    assert len(one) == 3 * len(real)
    assert one == two
    assert one != other
    assert len({t.id for t in one}) == len(one)


def test_copies_stay_within_the_bounds(real: list[Transfer]) -> None:
    bounds = Perturbation()
    made = synthetic_register(real, 4, bounds=bounds)
    assert made[: len(real)] == real  # copy 0 is the register itself
    originals = {t.id: t for t in real}
    years = [t.delivery_year for t in real]
    suppliers_of_year: dict[int, set[str | None]] = {}
    for t in real:
        suppliers_of_year.setdefault(t.delivery_year, set()).add(t.supplier_name)
    swapped = 0
    for copy in made[len(real) :]:
        original = originals[copy.id.rsplit("~", 1)[0]]
        assert abs(copy.delivery_year - original.delivery_year) <= bounds.year_shift
        assert min(years) <= copy.delivery_year <= max(years)
        if original.tiv_delivered:
            factor = (copy.tiv_delivered or 0) / original.tiv_delivered
            assert bounds.scale_low - 0.01 <= factor <= bounds.scale_high + 0.01
        assert (copy.recipient, copy.category, copy.description) == (
            original.recipient,
            original.category,
            original.description,
        )
        if copy.supplier != original.supplier:
            swapped += 1
            assert copy.supplier_name in suppliers_of_year[copy.delivery_year]
            assert copy.supplier is not None and copy.recipient is not None
            assert copy.supplier.state != copy.recipient.state
    share = swapped / (len(made) - len(real))
    assert 0.5 * bounds.supplier_swap < share < 1.2 * bounds.supplier_swap


def test_the_batch_assesses_synthetic_transfers_as_the_engine_does(
    real: list[Transfer], indicators_dir: Path
) -> None:
    """The fast path (signatures, memo, whole regimes) against the reference path (the
    single-application engine, no memo) on synthetic transfers it has not seen in the real
    register."""
    tables = load_indicators(indicators_dir)
    made = synthetic_register(real, 2, seed=3)[len(real) :]
    sample = random.Random(5).sample([t for t in made if t.assessable], 300)
    engine = Engine.default()
    result = assess_transfers(sample, ("att", "eu"), tables, engine=engine, keep_full=True)
    for transfer in sample:
        single = engine.assess(transfer_application(transfer, tables), ("att", "eu"))
        assert [a.model_dump(mode="json") for a in result.assessments(transfer.id)] == [
            a.model_dump(mode="json") for a in single
        ], transfer.id

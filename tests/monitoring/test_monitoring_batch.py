"""Batch assessment gives exactly what the single-application engine gives, and the columnar
embargo screen agrees with the engine's embargo findings."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest

from conftest import wrong_when_run_at_once
from openatt.core.engine import Engine
from openatt.core.findings import Outcome
from openatt.core.rules.scope import items_read
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.monitoring import store
from openatt.monitoring.applications import transfer_application
from openatt.monitoring.batch import assess_transfers, result_rows
from openatt.monitoring.pipeline import embargo_screen
from openatt.monitoring.sipri import read_sipri
from openatt.monitoring.transfer import Transfer

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
REGIMES = ("att", "eu")
EMBARGO_RULES = {"att.6.1", "att.6.2", "eu.1"}


@pytest.fixture(scope="module")
def register(transfers_dir: Path) -> list[Transfer]:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    return transfers


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


@pytest.fixture(scope="module")
def sample(register: list[Transfer]) -> list[Transfer]:
    assessable = [t for t in register if t.assessable]
    return random.Random(20261126).sample(assessable, 1200)


def test_batch_equals_single_application_engine(
    sample: list[Transfer], tables: dict[str, IndicatorTable]
) -> None:
    engine = Engine.default()
    result = assess_transfers(sample, REGIMES, tables, engine=engine, keep_full=True)
    assert len(result.transfer_signature) == len(sample)
    assert len(result.by_signature) < len(sample)  # signatures are shared, so work is saved
    for transfer in sample:
        single = engine.assess(transfer_application(transfer, tables), REGIMES)
        batch = result.assessments(transfer.id)
        assert [a.model_dump(mode="json") for a in batch] == [
            a.model_dump(mode="json") for a in single
        ], transfer.id


def test_batch_on_two_processes_gives_the_same_summaries(
    sample: list[Transfer], tables: dict[str, IndicatorTable]
) -> None:
    subset = sample[:700]
    one = assess_transfers(subset, REGIMES, tables)
    two = assess_transfers(subset, REGIMES, tables, workers=2)
    assert sorted(result_rows(one)) == sorted(result_rows(two))


def test_stored_pipeline_equals_the_python_path(
    register: list[Transfer], tables: dict[str, IndicatorTable], tmp_path: Path
) -> None:
    """``monitor assess`` works on the store's columns: each transfer's signature in SQL, the
    results joined back in SQL. Its signatures are ``signature()``'s for every transfer of the
    register, and its results rows those of the Python path, transfer by transfer."""
    from dataclasses import astuple

    from openatt.monitoring import service
    from openatt.monitoring.applications import signature
    from openatt.monitoring.pipeline import SIGNATURE_SQL
    from openatt.monitoring.sipri import ImportReport

    db = tmp_path / "store.duckdb"
    with store.connect(db) as con:
        store.save_transfers(con, register, ImportReport(file="register", layout="register"))
        store.save_indicators(con, tables)
        rows = con.execute(SIGNATURE_SQL.format(year_from=0, year_to=9999)).fetchall()
    in_sql = {row[0]: tuple(row[1:]) for row in rows}
    in_python = {
        t.id: astuple(signature(t)) for t in register if t.assessable or t.partly_assessable
    }
    assert in_sql == in_python
    summary = service.assess(REGIMES, 2019, 2020, db=db)
    chosen = [t for t in register if 2019 <= t.delivery_year <= 2020]
    expected = sorted(result_rows(assess_transfers(chosen, REGIMES, tables)))
    with store.connect(db) as con:
        stored = sorted(con.execute("SELECT * FROM results").fetchall())
    assert summary.assessed == len({r[0] for r in expected}) > 1000
    # the store reads empty text back as NULL, as it always has
    assert [tuple("" if v is None else v for v in r) for r in stored] == expected


def test_columnar_embargo_screen_agrees_with_the_engine(
    register: list[Transfer],
    sample: list[Transfer],
    tables: dict[str, IndicatorTable],
    tmp_path: Path,
) -> None:
    engine = Engine.default()
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    from openatt.monitoring.sipri import ImportReport

    store.save_transfers(con, register, ImportReport(file=REGISTER, layout="trade_register_clean"))
    embargo_screen(con, engine.reference)
    hits: dict[str, set[tuple[str, str]]] = {}
    to_check: dict[str, set[str]] = {}
    for tid, authority, measure, screen in con.execute(
        "SELECT transfer_id, authority, measure_id, screen FROM embargo_hits"
    ).fetchall():
        if screen == "covered":
            hits.setdefault(tid, set()).add((authority, measure))
        else:  # a named group or region: the engine matches names
            to_check.setdefault(tid, set()).add(measure)
    by_id = {t.id: t for t in register}
    checked = {t.id for t in sample} | set(hits) | set(to_check)
    for tid in sorted(checked):
        transfer = by_id[tid]
        # the EU criterion 1 reads UN and EU measures whatever the supplier: compare with it
        app = transfer_application(transfer, tables)
        regime = engine.law.regime("eu")
        if not items_read(regime, regime.rule("eu.1").items, app.items):
            continue  # outside the regime's scope: the engine rightly finds nothing to embargo
        (eu,) = engine.assess(app, ("eu",))
        engine_measures = {
            f.source_id
            for f in eu.findings
            if f.criterion == "eu.1" and f.source_id and f.outcome is not Outcome.unknown
        }
        covered = {m for _, m in hits.get(tid, set())}
        # every measure the screen settles, the engine applies; the engine applies nothing the
        # screen did not flag (named-group and regional measures are flagged "check")
        assert covered <= engine_measures, tid
        assert engine_measures <= covered | to_check.get(tid, set()), tid


def test_counterfactual_invariant(
    register: list[Transfer], sample: list[Transfer], tables: dict[str, IndicatorTable]
) -> None:
    """Another supplier with the same obligations never changes a finding about the recipient;
    one with different obligations changes only findings that attach to the supplier."""
    from openatt.monitoring.audit import counterfactual

    result = counterfactual(
        sample[:150], REGIMES, tables, alternatives=5, contrasts=2, population=register
    )
    assert result.same_profile > 300
    assert result.same_profile_identical == result.same_profile
    supplier_rules = {"att.6.2", "eu.1", "att.6.1"}  # embargo rules read the supplier's own bans
    for row in result.rows:
        assert not row.same_obligations
        changed = set(filter(None, row.changed_criteria.split(";")))
        assert changed <= supplier_rules, row


def test_known_deliveries_during_the_somalia_embargo(
    register: list[Transfer], tables: dict[str, IndicatorTable], tmp_path: Path
) -> None:
    """SIPRI records Eritrean deliveries into Somalia in 1998, 1999 and 2006, inside the
    general and complete embargo of UNSC Resolution 733 (1992), para. 5 (23 Jan 1992 on;
    the UN Monitoring Group on Somalia reported the 2006 supplies to the Islamic Courts,
    S/2006/913). The screen finds them and the engine prohibits them under EU criterion 1."""
    from openatt.monitoring.sipri import ImportReport

    engine = Engine.default()
    con = duckdb.connect(str(tmp_path / "somalia.duckdb"))
    store.save_transfers(con, register, ImportReport(file=REGISTER, layout="trade_register_clean"))
    embargo_screen(con, engine.reference)
    found = con.execute(
        "SELECT t.recipient_name, t.delivery_year, h.screen FROM embargo_hits h"
        " JOIN transfers t ON t.id = h.transfer_id"
        " WHERE h.embargo_id = 'un.somalia' AND t.supplier_name = 'Eritrea'"
    ).fetchall()
    assert {(r, y) for r, y, _ in found} >= {
        ("SNA (Somalia)*", 1998),
        ("Somalia", 1999),
        ("UIC (Somalia)*", 2006),
    }
    by_key = {(t.supplier_name, t.recipient_name, t.delivery_year): t for t in register}
    for recipient, year in (("SNA (Somalia)*", 1998), ("Somalia", 1999), ("UIC (Somalia)*", 2006)):
        transfer = by_key[("Eritrea", recipient, year)]
        (eu,) = engine.assess(transfer_application(transfer, tables), ("eu",))
        outcomes = {f.outcome for f in eu.findings if f.criterion == "eu.1"}
        assert Outcome.prohibited in outcomes
        assert eu.recommendation == "deny"


def test_an_audit_with_nothing_assessed_assesses_first(
    register: list[Transfer], tables: dict[str, IndicatorTable], tmp_path: Path
) -> None:
    """A new user imports and runs ``monitor audit`` straight away: every transfer is assessed
    under att and eu first, then audited."""
    from openatt.monitoring import audit, service
    from openatt.monitoring.sipri import ImportReport

    db = tmp_path / "store.duckdb"
    chosen = [t for t in register if t.delivery_year == 2020]
    with store.connect(db) as con:
        store.save_transfers(con, chosen, ImportReport(file="register", layout="register"))
        store.save_indicators(con, tables)
        audit.save_regions(con, tables)
    out = tmp_path / "audit" / "report.html"
    result = service.run_audit(out, db=db, counterfactual_sample=40, alternatives=3)
    assert out.is_file() and "Counterfactual" in out.read_text("utf-8")
    with store.connect(db) as con:
        regimes = con.execute("SELECT regime, count(*) FROM results GROUP BY 1 ORDER BY 1")
        # partly assessable transfers (supplier or recipient unknown) are assessed too
        assessed = sum(t.assessable or t.partly_assessable for t in chosen)
        assert assessed > sum(t.assessable for t in chosen)
        assert regimes.fetchall() == [("att", assessed), ("eu", assessed)]
    assert (
        result["counterfactual"]["identical"]
        == result["counterfactual"]["same_obligation_reassessments"]
        > 0
    )
    fresh = tmp_path / "fresh.duckdb"  # transfers imported, nothing assessed yet
    with store.connect(fresh) as con:
        store.save_transfers(con, chosen, ImportReport(file="register", layout="register"))
    with pytest.raises(service.BadOption, match="'xx' is not a regime"):
        service.run_audit(out, db=fresh, regime="xx")
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(service.MonitoringError, match="no transfers imported"):
        service.run_audit(out, db=missing)
    assert not missing.exists()  # a command that only reads leaves no empty store behind


def test_the_counterfactual_covers_the_years_assessed(
    register: list[Transfer], tables: dict[str, IndicatorTable], tmp_path: Path
) -> None:
    """Found in review (2026-12-05): after an assessment of some years, the audit's
    counterfactual re-assessed every stored year."""
    from openatt.monitoring import audit, service
    from openatt.monitoring.sipri import ImportReport

    db = tmp_path / "store.duckdb"
    chosen = [t for t in register if t.delivery_year in (2019, 2020)]
    with store.connect(db) as con:
        store.save_transfers(con, chosen, ImportReport(file="register", layout="register"))
        store.save_indicators(con, tables)
        audit.save_regions(con, tables)
    service.assess(("att", "eu"), 2020, 2020, db=db)
    out = tmp_path / "audit" / "report.html"
    result = service.run_audit(out, db=db, counterfactual_sample=None, alternatives=2)
    in_2020 = sum(t.assessable for t in chosen if t.delivery_year == 2020)
    assert 0 < in_2020 < sum(t.assessable for t in chosen)
    assert result["counterfactual"]["transfers"] == in_2020


def test_an_audit_without_indicators(register: list[Transfer], tmp_path: Path) -> None:
    """Transfers imported, indicators not: the audit still runs (risk criteria unknown), and
    every recipient's region is 'unknown'."""
    from openatt.monitoring import service
    from openatt.monitoring.sipri import ImportReport

    db = tmp_path / "store.duckdb"
    with store.connect(db) as con:
        chosen = [t for t in register if t.delivery_year == 2021]
        store.save_transfers(con, chosen, ImportReport(file="register", layout="register"))
    out = tmp_path / "audit" / "report.html"
    result = service.run_audit(out, by="region", db=db, counterfactual_sample=10, alternatives=2)
    assert out.is_file() and result["rows"] == 1
    table = json.loads((out.parent / "outcomes_by_region.json").read_text("utf-8"))
    assert [r["region"] for r in table] == ["unknown"]
    assert table[0]["transfers"] == sum(t.assessable or t.partly_assessable for t in chosen)


def test_threads_forking_batches_at_once_each_assess_under_their_own_regimes(
    sample: list[Transfer], tables: dict[str, IndicatorTable]
) -> None:
    """Two threads of one process (a server's monitoring requests) forking batches at once:
    the workers inherit the batch's engine and regimes from a module variable, which the
    other thread could overwrite or clear before its fork (found 2026-12-06). One forking
    batch at a time sets it now, and each thread gets its own regimes' summaries."""
    subset = sample
    regimes = {"att": ("att",), "eu": ("eu",)}
    sequential = {
        name: assess_transfers(subset, chosen, tables) for name, chosen in regimes.items()
    }
    assert len(sequential["att"].summaries) > 500  # more than a chunk: workers=2 forks
    alone = {name: sorted(result_rows(result)) for name, result in sequential.items()}
    assert alone["att"] != alone["eu"]

    def summaries(name: str) -> list[object]:
        return sorted(result_rows(assess_transfers(subset, regimes[name], tables, workers=2)))

    wrong = wrong_when_run_at_once(alone, summaries, rounds=2)  # type: ignore[arg-type]
    assert not wrong, wrong

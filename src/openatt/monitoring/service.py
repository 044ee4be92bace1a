"""The monitoring services the CLI (and later the REST API) call: import, assess, audit.

Each works on the DuckDB store (``store.default_path()`` unless a path is given) and returns
plain data for the caller to render.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from openatt.core.engine import Engine
from openatt.errors import ErrorKind, OpenattError
from openatt.evidence.mapping import DEFAULT_MAPPING, load_mapping
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.monitoring import audit, pipeline, report, store
from openatt.monitoring.batch import SKIPPED
from openatt.monitoring.mapping import party_map, weapon_map
from openatt.monitoring.sipri import ImportReport, read_sipri

Progress = Callable[[int], None]


# what ``monitor audit`` assesses when nothing is assessed yet (``monitor assess``'s default)
AUDIT_REGIMES = ("att", "eu")


class MonitoringError(OpenattError, ValueError):
    """The store is not ready for this (no data imported yet, no assessment stored), or an
    optional engine is missing; one line."""

    kind = ErrorKind.conflict
    kinds = (ErrorKind.unavailable,)


class BadOption(MonitoringError):
    """A choice names something openatt or the store does not have; ``field`` says which."""

    kind = ErrorKind.invalid


def import_transfers(
    path: Path, db: Path | None = None, progress: Progress | None = None
) -> ImportReport:
    transfers, import_report = read_sipri(path, progress=progress)
    with store.connect(db) as con:
        store.save_transfers(con, transfers, import_report)
    return import_report


def import_indicators(directory: Path, db: Path | None = None) -> dict[str, IndicatorTable]:
    tables = load_indicators(directory)
    if not tables:
        raise BadOption(f"no indicator file openatt knows under {directory}", field="directory")
    with store.connect(db) as con:
        store.save_indicators(con, tables)
        audit.save_regions(con, tables)
    return tables


def stored_indicators(db: Path | None = None) -> dict[str, IndicatorTable]:
    with store.connect(db) as con:
        return store.load_indicator_tables(con)


@dataclass
class AssessSummary:
    transfers: int
    assessed: int
    signatures: int
    skipped: dict[str, int]
    embargo_hits: int
    recommendations: dict[str, dict[str, int]] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    mapping: str = ""
    seconds: float = 0.0


def _run_mapping(con: duckdb.DuckDBPyConnection) -> str:
    """The indicator mapping the stored results were assessed with (stores assessed before
    mapping versions were recorded used version 1)."""
    columns = {row[0] for row in con.execute("DESCRIBE assess_runs").fetchall()}
    if "mapping" not in columns:
        return "indicator-mapping-v1"
    found = con.execute("SELECT mapping FROM assess_runs").fetchone()
    return str(found[0]) if found and found[0] else "indicator-mapping-v1"


def assess(
    regimes: Sequence[str],
    year_from: int | None = None,
    year_to: int | None = None,
    *,
    db: Path | None = None,
    workers: int = 1,
    progress_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    spark_master: str | None = None,
    mapping: str = DEFAULT_MAPPING,
) -> AssessSummary:
    """Assess the stored transfers delivered between two years under ``regimes``: the
    pipeline of ``monitoring.pipeline`` on DuckDB with ``workers`` processes, or on Spark
    with ``spark_master`` (e.g. ``local[4]`` or a cluster's URL). ``mapping`` names the evidence
    mapping version (``v1`` reproduces runs made before version 2); the run records it."""
    mapping = load_mapping(mapping).id
    started = dt.datetime.now()
    engine = Engine.default()
    first = year_from if year_from is not None else 0
    last = year_to if year_to is not None else 9999
    years = [first, last]
    with store.connect(_imported(db)) as con:
        if store.import_report(con) is None:
            raise MonitoringError(NOT_IMPORTED)
        tables = store.load_indicator_tables(con)
        if spark_master:
            from openatt.monitoring.spark import run_on_spark

            signatures = run_on_spark(
                con,
                spark_master,
                engine.reference,
                regimes,
                tables,
                first,
                last,
                progress_total=progress_total,
                progress=progress,
                spark=_spark(spark_master),
                mapping=mapping,
            )
        else:
            backend = pipeline.DuckDBBackend(con, engine, workers, mapping)
            signatures = pipeline.run(
                backend,
                engine.reference,
                regimes,
                tables,
                first,
                last,
                progress_total=progress_total,
                progress=progress,
            )
        hits_row = con.execute("SELECT count(*) FROM embargo_hits").fetchone()
        hits = int(hits_row[0]) if hits_row else 0
        counts = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE NOT {pipeline.ASSESSED}) FROM transfers"
            " WHERE delivery_year BETWEEN ? AND ?",
            years,
        ).fetchone()
        assessed = con.execute("SELECT count(*) FROM transfer_signatures").fetchone()
        recs = con.execute(
            "SELECT regime, recommendation, count(*) FROM results GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        con.execute(
            "CREATE OR REPLACE TABLE assess_runs AS SELECT ? AS regimes, ? AS year_from,"
            " ? AS year_to, ? AS law_version, ? AS run_at, ? AS mapping",
            [
                ",".join(regimes),
                year_from,
                year_to,
                engine.law_version,
                started.isoformat(),
                mapping,
            ],
        )
    total, skipped = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    summary = AssessSummary(
        transfers=total,
        assessed=int(assessed[0]) if assessed else 0,
        signatures=signatures,
        skipped={SKIPPED: skipped} if skipped else {},
        embargo_hits=hits,
        indicators=sorted(tables),
        mapping=mapping,
        seconds=(dt.datetime.now() - started).total_seconds(),
    )
    for regime, recommendation, count in recs:
        summary.recommendations.setdefault(regime, {})[recommendation] = count
    return summary


NOT_IMPORTED = "no transfers imported yet: run 'openatt monitor import FILE'"


def _imported(db: Path | None) -> Path:
    """The store's path, once something was imported into it (a command that only reads
    must not leave an empty store behind)."""
    path = db or store.location()
    if not path.is_file():
        raise MonitoringError(NOT_IMPORTED)
    return path


def _spark(master: str) -> Any:
    """A Spark session at ``master``, or a one-line error saying what is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise MonitoringError(
            "PySpark is not installed (pip install 'openatt[spark]')",
            field="spark",
            kind=ErrorKind.unavailable,
        ) from exc
    from openatt.monitoring.spark import session

    try:
        return session(master)
    except Exception as exc:  # Java missing, a bad master URL: Spark says which
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MonitoringError(
            f"could not start Spark at {master!r}: {first}",
            field="spark",
            kind=ErrorKind.unavailable,
        ) from exc


def _stored_regimes(con: duckdb.DuckDBPyConnection) -> list[str]:
    try:
        return [
            r[0] for r in con.execute("SELECT DISTINCT regime FROM results ORDER BY 1").fetchall()
        ]
    except duckdb.CatalogException:
        return []


def run_audit(
    out: Path,
    *,
    by: str = "supplier",
    regime: str | None = None,
    criterion: str | None = None,
    db: Path | None = None,
    counterfactual_sample: int | None = None,
    alternatives: int = 20,
    workers: int = 1,
    seed: int = 2026,
    progress_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the audit next to ``out`` (an .html path): tables, charts and the report. With no
    assessment stored yet, every imported transfer is first assessed under ``regime`` (default:
    att and eu), as ``openatt monitor assess`` would. Three steps: check the options (assessing
    first if need be), gather what the audit reports, write it."""
    engine = Engine.default()
    chosen = check_audit(by, regime, criterion, db, engine, workers, progress_total, progress)
    data = gather_audit(
        by,
        chosen,
        criterion,
        db,
        engine,
        counterfactual_sample=counterfactual_sample,
        alternatives=alternatives,
        workers=workers,
        seed=seed,
        progress_total=progress_total,
        progress=progress,
    )
    return write_audit(out, data)


def check_audit(
    by: str,
    regime: str | None,
    criterion: str | None,
    db: Path | None,
    engine: Engine,
    workers: int = 1,
    progress_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> str:
    """The regime to audit, once the options are known to be valid; assesses every imported
    transfer first when nothing is assessed yet."""
    if by not in audit.DIMENSIONS:
        raise BadOption(f"{by!r}; use one of {', '.join(audit.DIMENSIONS)}", field="by")
    with store.connect(_imported(db)) as con:
        stored = _stored_regimes(con)
    if not stored:
        if regime is not None and regime not in engine.regimes():
            raise BadOption(f"{regime!r} is not a regime openatt knows", field="regime")
        assess(
            [regime] if regime else list(AUDIT_REGIMES),
            db=db,
            workers=workers,
            progress_total=progress_total,
            progress=progress,
        )
    with store.connect(db) as con:
        regimes = _stored_regimes(con)
        if not regimes:
            raise MonitoringError("no assessment stored yet: run 'openatt monitor assess'")
        regime = regime or regimes[0]
        if regime not in regimes:
            raise BadOption(
                f"{regime!r} was not assessed (assessed: {', '.join(regimes)})", field="regime"
            )
        if criterion is not None:
            known = {
                k
                for (k,) in con.execute(
                    "SELECT DISTINCT unnest(json_keys(criterion_outcomes)) FROM results"
                    " WHERE regime = ?",
                    [regime],
                ).fetchall()
            }
            if criterion not in known:
                raise BadOption(f"{criterion!r} is not a rule of {regime}", field="criterion")
    return regime


@dataclass(frozen=True)
class AuditData:
    """Everything an audit reports, read from the store and computed, before anything is
    written."""

    by: str
    regime: str
    criterion: str | None
    main_table: list[dict[str, Any]]  # outcomes by ``by``
    supplier_table: list[dict[str, Any]]  # outcomes by supplier (the charts' top suppliers)
    by_decade: list[dict[str, Any]]
    supplier_decade: list[dict[str, Any]]  # outcomes over time per supplier
    heat: audit.Heatmap
    side: list[dict[str, Any]]  # side by side for ``criterion`` (empty without one)
    embargoes: list[dict[str, Any]]
    import_info: dict[str, Any]
    law_version: str  # of the stored run
    mapping: str  # the evidence mapping the stored results were assessed with
    tables: dict[str, IndicatorTable]
    sample: int  # transfers re-assessed by the counterfactual
    alternatives: int
    counterfactual: audit.Counterfactual

    @property
    def counterfactual_summary(self) -> dict[str, Any]:
        cf = self.counterfactual
        return {
            "transfers": self.sample,
            "alternatives_per_transfer": self.alternatives,
            "same_obligation_reassessments": cf.same_profile,
            "identical": cf.same_profile_identical,
            # a few of them made again without the engine's memo: "identical" above cannot
            # see a rule that reads the supplier where its memo key says it does not
            "checked_without_memo": cf.checked_without_memo,
            "changed_without_memo": cf.changed_without_memo,
            "memo_disagrees": cf.memo_disagrees,
            "different_obligation_reassessments": cf.other_profile,
            "changed": cf.other_profile_changed,
            "criteria_changed_by_obligations": "; ".join(
                f"{k} ({v})" for k, v in cf.changed_criteria.most_common()
            ),
        }

    @property
    def unmapped(self) -> list[dict[str, Any]]:
        info = self.import_info
        return [
            {"kind": "name", "value": k, "rows": v}
            for k, v in (info.get("unmapped_names") or {}).items()
        ] + [
            {"kind": "description", "value": k, "rows": v}
            for k, v in (info.get("unmapped_descriptions") or {}).items()
        ]


def gather_audit(
    by: str,
    regime: str,
    criterion: str | None,
    db: Path | None,
    engine: Engine,
    *,
    counterfactual_sample: int | None = None,
    alternatives: int = 20,
    workers: int = 1,
    seed: int = 2026,
    progress_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> AuditData:
    """The audit's tables from the store, and the counterfactual over every assessable
    transfer (or a ``counterfactual_sample`` drawn with ``seed``)."""
    with store.connect(db) as con:
        main_table = audit.outcome_table(con, by, regime, criterion)
        supplier_table = (
            main_table if by == "supplier" else audit.outcome_table(con, "supplier", regime)
        )
        by_decade = audit.outcome_table(con, "decade", regime, criterion)
        # the charts follow the criterion too (its outcome, not the headline one)
        supplier_decade = audit.outcomes_over_time(con, "supplier", regime, criterion)
        heat = audit.supplier_recipient(con, regime, criterion)
        side = audit.side_by_side(con, criterion, regime) if criterion else []
        embargoes = audit.embargo_deliveries(con)
        import_info = store.import_report(con) or {}
        run = con.execute("SELECT * FROM assess_runs").fetchone()
        used = _run_mapping(con)
        # the counterfactual reads what the assessment reads, not the source rows, of the
        # years assessed (found in review, 2026-12-05: it took every stored year, so a
        # report on 2014-2024 mixed in a counterfactual of 1950-2024)
        assessed = con.execute("SELECT year_from, year_to FROM assess_runs").fetchone()
        first, last = assessed if assessed is not None else (None, None)
        transfers = store.load_transfers(con, first, last, source_rows=False)
        tables = store.load_indicator_tables(con)
    rng = random.Random(seed)
    assessable = [t for t in transfers if t.assessable]
    sample = (
        assessable
        if counterfactual_sample is None
        else rng.sample(assessable, min(counterfactual_sample, len(assessable)))
    )
    cf = audit.counterfactual(
        sample,
        [regime],
        tables,
        engine=engine,
        alternatives=alternatives,
        workers=workers,
        population=transfers,
        progress_total=progress_total,
        progress=progress,
        mapping=used,
    )
    return AuditData(
        by=by,
        regime=regime,
        criterion=criterion,
        main_table=main_table,
        supplier_table=supplier_table,
        by_decade=by_decade,
        supplier_decade=supplier_decade,
        heat=heat,
        side=side,
        embargoes=embargoes,
        import_info=import_info,
        law_version=str(run[3]) if run else engine.law_version,
        mapping=used,
        tables=tables,
        sample=len(sample),
        alternatives=alternatives,
        counterfactual=cf,
    )


def write_audit(out: Path, data: AuditData) -> dict[str, Any]:
    """Write the tables (CSV, JSON, one workbook), the charts and the HTML report next to
    ``out``; return where they are and the counterfactual's summary."""
    folder = out.parent
    by, regime, criterion = data.by, data.regime, data.criterion
    cf_summary = [data.counterfactual_summary]
    cf_rows = [row._asdict() for row in data.counterfactual.rows]
    unmapped = data.unmapped
    outputs: dict[str, list[dict[str, Any]]] = {
        f"outcomes_by_{by}": data.main_table,
        "outcomes_by_decade": data.by_decade,
        "supplier_by_decade": data.supplier_decade,
        "embargo_deliveries": data.embargoes,
        "counterfactual_summary": cf_summary,
        "counterfactual_differences": cf_rows,
        "unmapped": unmapped,
    }
    if criterion:
        outputs[f"side_by_side_{criterion}"] = data.side
    files: list[Path] = []
    for name, rows in outputs.items():
        files.extend(report.write_table(folder, name, rows))
    files.append(report.write_workbook(folder / "audit.xlsx", outputs))
    top = [
        r["supplier"] for r in sorted(data.supplier_table, key=lambda r: -float(r["tiv"] or 0))[:8]
    ]
    charts = report.chart_outcomes_over_time(
        folder, data.supplier_decade, top, audit.OUTCOMES, criterion
    )
    heat = data.heat
    charts += report.chart_heatmap(folder, heat.cells, heat.suppliers, heat.recipients, criterion)
    files.extend(charts)
    mapping = load_mapping(data.mapping)
    info = data.import_info
    sources = [
        f"SIPRI Arms Transfers Database: {info.get('file')} ({info.get('layout')}), "
        f"{info.get('rows')} rows. Information from the SIPRI Arms Transfers Database.",
        *[f"{t.title} ({t.release}): {t.citation}" for t in data.tables.values()],
        f"Law and reference data: {data.law_version} (openatt engine).",
        f"Indicator mapping: {mapping.id} (reviewed {mapping.last_reviewed}); SIPRI name mapping "
        f"v{party_map().version}, weapon mapping v{weapon_map().version}.",
    ]
    sections: list[tuple[str, str, list[dict[str, Any]], Sequence[str] | None]] = [
        (
            f"Outcomes by {by} ({regime}{', ' + criterion if criterion else ''})",
            "Ranked by the lower bound of the 95% interval on the share of transfers prohibited "
            "or at risk, then by the share.",
            data.main_table,
            [
                by,
                "rank",
                "transfers",
                "tiv",
                *[f"n_{o}" for o in audit.OUTCOMES],
                "share_prohibited_or_risk",
                "share_ci_low",
                "share_ci_high",
                "tiv_share_prohibited_or_risk",
                "small_sample",
            ],
        ),
        ("Outcomes by decade", "", data.by_decade, None),
        (
            "Deliveries during an embargo",
            "Found by the columnar screen; 'check' rows need a person (named groups, regions).",
            data.embargoes,
            None,
        ),
        (
            "Counterfactual check",
            "Same obligations must give identical assessments.",
            cf_summary,
            None,
        ),
        ("Counterfactual differences", "Rows where the assessment changed.", cf_rows, None),
        ("Unmapped names and descriptions", "From the import report.", unmapped, None),
    ]
    if criterion:
        sections.insert(
            1,
            (
                f"Side by side: {criterion}",
                "Every supplier's transfers that meet the criterion (prohibited or risk).",
                data.side,
                None,
            ),
        )
    facts = {
        "regime": regime,
        "criterion": criterion or "(headline outcome)",
        "assessed": f"{sum(r['transfers'] for r in data.main_table)} transfers",
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
    }
    method = report.Method(regime, mapping.id, data.sample, data.alternatives)
    html_path = report.html_report(
        out,
        title=f"openatt evenhandedness audit ({regime})",
        method=method,
        sources=sources,
        sections=sections,
        charts=charts,
        facts=facts,
    )
    return {
        "report": str(html_path),
        "files": [str(f) for f in files],
        "counterfactual": cf_summary[0],
        "rows": len(data.main_table),
    }

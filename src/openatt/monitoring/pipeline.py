"""The batch pipeline, written once for DuckDB and for Spark.

Four steps, each a SQL statement that DuckDB and Spark SQL both run (no dialect-specific
function), or the engine itself:

1. ``embargo_hits``: every transfer joined to every UN and EU embargo interval of the reference
   data, in time and in scope (``SCREEN_SQL``);
2. ``transfer_signatures``: each transfer's signature, what the engine reads of it
   (``SIGNATURE_SQL``, the SQL twin of :func:`~openatt.monitoring.applications.signature`);
3. ``signature_results``: each distinct signature assessed once by the engine
   (:mod:`openatt.monitoring.batch` on local processes, or ``mapPartitions`` on Spark);
4. ``results``: the summaries joined back to the transfers (``RESULTS_SQL``).

A :class:`Backend` says how to load a table, run a statement and assess signatures; the
steps above are the same for both, so the two engines agree by construction, and a test
checks the tables they produce row for row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, cast

import duckdb

from openatt.core.engine import Engine
from openatt.core.model import EndUserKind
from openatt.evidence.mapping import DEFAULT_MAPPING
from openatt.evidence.table import IndicatorTable
from openatt.monitoring import store
from openatt.monitoring.applications import SIGNATURE_COLUMNS
from openatt.monitoring.batch import RESULT_COLUMNS, SignatureRow, assess_signature_rows_csv
from openatt.monitoring.mapping import PartyKind
from openatt.reference.loader import ReferenceData

Columns = Sequence[tuple[str, str]]
Progress = Callable[[int], None]

MEASURE_SCHEMA: Columns = (
    ("authority", "VARCHAR"),
    ("embargo_id", "VARCHAR"),
    ("embargo_name", "VARCHAR"),
    ("target", "VARCHAR"),
    ("measure_id", "VARCHAR"),
    ("direction", "VARCHAR"),
    ("coverage", "VARCHAR"),
    ("categories", "VARCHAR"),
    ("valid_from", "DATE"),
    ("valid_until", "DATE"),
    ("exemptions", "INTEGER"),
    ("citation", "VARCHAR"),
    ("category_definition", "VARCHAR"),
)
MEMBER_SCHEMA: Columns = (("state", "VARCHAR"), ("valid_from", "DATE"), ("valid_until", "DATE"))
SIGNATURE_SCHEMA: Columns = tuple(
    (c, "INTEGER" if c == "year" else "VARCHAR") for c in SIGNATURE_COLUMNS
)
SIGNATURE_RESULT_SCHEMA: Columns = (*SIGNATURE_SCHEMA, *RESULT_COLUMNS[1:])

_NON_STATE = PartyKind.non_state.value
_UNKNOWN = PartyKind.unknown.value
# the SQL twin of ``Transfer.assessable or Transfer.partly_assessable``: one party unknown to
# the source, the other a known state, is assessed for what does not depend on the missing one
ASSESSED = f"""(assessable OR (category IS NOT NULL AND (
      (supplier_kind = '{_UNKNOWN}' AND recipient_state IS NOT NULL
       AND recipient_kind IN ('{PartyKind.state.value}', '{_NON_STATE}'))
   OR (recipient_kind = '{_UNKNOWN}' AND supplier_kind = '{PartyKind.state.value}'
       AND supplier_state IS NOT NULL))))"""

SIGNATURE_SQL = f"""
SELECT id AS transfer_id,
       coalesce(supplier_state, '') AS supplier,
       coalesce(recipient_state, '') AS recipient,
       CASE WHEN recipient_kind = '{_NON_STATE}' THEN '{EndUserKind.non_state.value}'
            ELSE '{EndUserKind.armed_forces.value}' END AS end_user_kind,
       CASE WHEN recipient_kind = '{_NON_STATE}' THEN coalesce(recipient_group, '')
            ELSE '' END AS grp,
       category,
       delivery_year AS year,
       coalesce(control_entry, '') AS control_entry
FROM transfers
WHERE {ASSESSED} AND delivery_year BETWEEN {{year_from}} AND {{year_to}}
"""

SCREEN_SQL = f"""
WITH d AS (
  SELECT id, supplier_state, recipient_state, recipient_kind, category, tiv_delivered,
         make_date(delivery_year, 7, 1) AS day
  FROM transfers
  WHERE {ASSESSED} AND delivery_year BETWEEN {{year_from}} AND {{year_to}}
), in_eu AS (
  -- an EU ban on imports from a target binds only importers that are EU members that day
  SELECT DISTINCT d.id
  FROM d JOIN eu_members g
    ON g.state = d.recipient_state AND d.day >= g.valid_from
   AND (g.valid_until IS NULL OR d.day < g.valid_until)
), t AS (
  SELECT d.*, (e.id IS NOT NULL) AS recipient_in_eu
  FROM d LEFT JOIN in_eu e ON e.id = d.id
)
SELECT t.id AS transfer_id, m.authority, m.embargo_id, m.embargo_name, m.measure_id,
       m.direction, m.coverage, m.exemptions, m.citation, t.day, t.tiv_delivered,
       CASE WHEN m.category_definition = 'un_register' AND t.category = 'VII' THEN 'check'
            WHEN m.coverage IN ('whole_state', 'non_state') OR m.direction = 'from_target'
            THEN 'covered' ELSE 'check' END AS screen
FROM t JOIN embargo_measures m
  ON t.day >= m.valid_from AND (m.valid_until IS NULL OR t.day < m.valid_until)
 AND (coalesce(m.categories, '') = ''
      OR (',' || m.categories || ',') LIKE ('%,' || t.category || ',%'))
 AND (
      (m.direction = 'to_target' AND m.target = t.recipient_state AND (
          m.coverage IN ('whole_state', 'region', 'named_groups')
          OR (m.coverage = 'non_state' AND t.recipient_kind = '{_NON_STATE}')))
   OR (m.direction = 'to_target' AND m.target IS NULL AND m.coverage = 'named_groups'
       AND t.recipient_kind = '{_NON_STATE}')
   OR (m.direction = 'from_target' AND m.target = t.supplier_state
       AND (m.authority = 'un' OR t.recipient_in_eu))
 )
"""

# Empty text may come back from a bulk load as NULL (see ``store.bulk_load``): the statements
# treat NULL and '' alike where both can occur.
_SAME_SIGNATURE = " AND ".join(
    f"s.{c} = r.{c}" if c == "year" else f"s.{c} = coalesce(r.{c}, '')" for c in SIGNATURE_COLUMNS
)
_RESULT_VALUES = ", ".join(
    f"nullif(r.{c}, '') AS {c}" if kind == "VARCHAR" else f"r.{c}" for c, kind in RESULT_COLUMNS[1:]
)
# ``batch.recipient_order`` as SQL: DuckDB compares text byte by byte in UTF-8, which is the
# order of code points, Python's
RECIPIENT_ORDER = "recipient, year, end_user_kind, grp, category, supplier, control_entry"

RESULTS_SQL = f"""
SELECT s.transfer_id, {_RESULT_VALUES}
FROM transfer_signatures s JOIN signature_results r ON {_SAME_SIGNATURE}
"""


def measure_rows(reference: ReferenceData) -> list[tuple[object, ...]]:
    """Every UN and EU embargo measure, as rows of ``MEASURE_SCHEMA``."""
    rows: list[tuple[object, ...]] = []
    for authority in ("un", "eu"):
        for embargo in reference.embargoes(authority):
            for m in embargo.measures:
                rows.append(
                    (
                        authority,
                        embargo.id,
                        embargo.name,
                        embargo.target,
                        m.id,
                        m.direction.value,
                        m.coverage.value,
                        ",".join(c.value for c in m.categories),
                        m.valid_from,
                        m.valid_until,
                        len(m.exemptions),
                        str(m.citations[0]),
                        # the UN Register's category VII is narrower: the engine decides
                        m.category_definition.value,
                    )
                )
    return rows


def eu_member_rows(reference: ReferenceData) -> list[tuple[str, object, object]]:
    """EU membership periods, for the rule that EU import bans bind EU importers only."""
    return [(m.state, m.valid_from, m.valid_until) for m in reference.groups["eu"].members]


class Backend(Protocol):
    """How one engine loads, runs and assesses; the pipeline's steps are the same for all."""

    def load(self, name: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> None:
        """Make ``name`` a table of ``rows``."""

    def materialise(self, name: str, query: str) -> None:
        """Make ``name`` the result of ``query``."""

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        """Run ``query`` and return its rows."""

    def assess(
        self,
        regimes: Sequence[str],
        tables: Mapping[str, IndicatorTable],
        progress_total: Progress | None,
        progress: Progress | None,
    ) -> int:
        """Assess each distinct signature of ``transfer_signatures`` into
        ``signature_results`` (``SIGNATURE_RESULT_SCHEMA``); return how many there were."""


def run(
    backend: Backend,
    reference: ReferenceData,
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    year_from: int,
    year_to: int,
    *,
    progress_total: Progress | None = None,
    progress: Progress | None = None,
) -> int:
    """Run the four steps on ``backend`` (which holds ``transfers``); returns the number of
    distinct signatures assessed."""
    years = {"year_from": int(year_from), "year_to": int(year_to)}
    backend.load("embargo_measures", MEASURE_SCHEMA, measure_rows(reference))
    backend.load("eu_members", MEMBER_SCHEMA, eu_member_rows(reference))
    backend.materialise("embargo_hits", SCREEN_SQL.format(**years))
    backend.materialise("transfer_signatures", SIGNATURE_SQL.format(**years))
    signatures = backend.assess(regimes, tables, progress_total, progress)
    backend.materialise("results", RESULTS_SQL)
    return signatures


class DuckDBBackend:
    """The pipeline on the DuckDB store, the engine on local processes."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        engine: Engine | None = None,
        workers: int = 1,
        mapping: str = DEFAULT_MAPPING,
    ) -> None:
        self.con = con
        self.engine = engine or Engine.default()
        self.workers = workers
        self.mapping = mapping

    def load(self, name: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> None:
        store.bulk_load(self.con, name, columns, rows)

    def materialise(self, name: str, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {query}")

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        return self.con.execute(query).fetchall()

    def assess(
        self,
        regimes: Sequence[str],
        tables: Mapping[str, IndicatorTable],
        progress_total: Progress | None,
        progress: Progress | None,
    ) -> int:
        columns = ", ".join(SIGNATURE_COLUMNS)
        # distinct and in ``batch.recipient_order``, sorted by DuckDB: the parent's share of
        # the work is serial, so it builds no ``Signature`` and sorts nothing in Python
        signatures = cast(
            list[SignatureRow],
            self.rows(
                f"SELECT DISTINCT {columns} FROM transfer_signatures ORDER BY {RECIPIENT_ORDER}"
            ),
        )
        if progress_total:
            progress_total(len(signatures))
        # the workers send back the rows as CSV text, written to the file DuckDB reads as it
        # comes
        texts = assess_signature_rows_csv(
            signatures,
            regimes,
            tables,
            engine=self.engine,
            workers=self.workers,
            progress=progress,
            mapping=self.mapping,
        )
        store.load_csv_text(self.con, "signature_results", SIGNATURE_RESULT_SCHEMA, texts)
        return len(signatures)


def embargo_screen(con: duckdb.DuckDBPyConnection, reference: ReferenceData) -> int:
    """Step 1 alone on the store, for every year: the embargo-period deliveries
    (``embargo_hits``); returns the number of hits. ``screen`` is ``covered`` when time,
    target, end-user kind and category settle it, and ``check`` when a named group or region
    must be matched (the engine decides those)."""
    backend = DuckDBBackend(con)
    backend.load("embargo_measures", MEASURE_SCHEMA, measure_rows(reference))
    backend.load("eu_members", MEMBER_SCHEMA, eu_member_rows(reference))
    backend.materialise("embargo_hits", SCREEN_SQL.format(year_from=0, year_to=9999))
    return int(backend.rows("SELECT count(*) FROM embargo_hits")[0][0])

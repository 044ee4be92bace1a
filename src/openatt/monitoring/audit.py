"""The evenhandedness audit: one regime's criteria applied to every supplier's transfers.

Reads the stored transfers and batch results (``openatt monitor assess``) and answers:
how many transfers, and how much TIV, fall under each outcome, per supplier, recipient,
region or decade (with a Wilson 95% interval on the share where counts are small); which
transfers meet one criterion, every supplier side by side; and -- the counterfactual -- does a
transfer's assessment change when another supplier with the same obligations makes it?
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import threading
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import duckdb

from openatt.core.engine import Engine
from openatt.core.memo import Memo
from openatt.evidence.mapping import DEFAULT_MAPPING
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import Signature, signature
from openatt.monitoring.batch import (
    EvidenceCache,
    SummaryRow,
    gc_paused,
    recipient_order,
    summary_of,
)
from openatt.monitoring.transfer import Transfer, delivery_date
from openatt.reference.loader import ReferenceData

DIMENSIONS = {
    "supplier": "t.supplier_name",
    "recipient": "t.recipient_name",
    "region": "coalesce(reg.region, 'unknown')",
    "decade": "CAST(floor(t.delivery_year / 10) * 10 AS INTEGER)",
}
OUTCOMES = (
    "prohibited",
    "risk",
    "requires_authorisation",
    "unknown",
    "concern",
    "clear",
    "not_applicable",
)
# Region of a former state = its successor's (UCDP regions cover 1989 on).
# The us and uk regimes bind one state each: that state's identity is an obligation.
NATIONAL_REGIME_STATES = ("USA", "GBR")
SUCCESSORS = {
    "SUN": "RUS",
    "YUG": "SRB",
    "SCG": "SRB",
    "CSK": "CZE",
    "DDR": "DEU",
    "YMD": "YEM",
    "VDR": "VNM",
}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a share k/n (sensible for small n)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # the interval contains p; rounding must not put a bound on the wrong side of it (k = 0
    # gave a lower bound of 3e-17 above a share of 0)
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def save_regions(con: duckdb.DuckDBPyConnection, tables: Mapping[str, IndicatorTable]) -> None:
    regions: dict[str, str] = {}
    for table in tables.values():
        for state, region in table.regions.items():
            regions.setdefault(state, region)
    for former, successor in SUCCESSORS.items():
        if former not in regions and successor in regions:
            regions[former] = regions[successor]
    con.execute("CREATE OR REPLACE TABLE state_regions (state VARCHAR, region VARCHAR)")
    if regions:
        con.executemany("INSERT INTO state_regions VALUES (?, ?)", sorted(regions.items()))


def _outcome_expr(criterion: str | None) -> str:
    if criterion is None:
        return "r.headline"
    path = f'$."{criterion}"'.replace("'", "''")
    return f"coalesce(json_extract_string(r.criterion_outcomes, '{path}'), 'not_applicable')"


def outcome_table(
    con: duckdb.DuckDBPyConnection,
    by: str,
    regime: str,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[dict[str, Any]]:
    """Counts and TIV per outcome for each value of ``by``, with a Wilson 95% interval on the
    share of transfers prohibited or at risk, ranked by that interval's lower bound (then the
    share). ``year_from``
    and ``year_to`` (inclusive) limit the delivery years counted."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}")
    outcome = _outcome_expr(criterion)
    counts = ", ".join(f"count(*) FILTER (WHERE o = '{o}') AS n_{o}" for o in OUTCOMES)
    tivs = ", ".join(f"coalesce(sum(tiv) FILTER (WHERE o = '{o}'), 0) AS tiv_{o}" for o in OUTCOMES)
    query = f"""
        WITH x AS (
          SELECT {DIMENSIONS[by]} AS key, {outcome} AS o, coalesce(t.tiv_delivered, 0) AS tiv
          FROM results r JOIN transfers t ON t.id = r.transfer_id
          {_region_join(by)}
          WHERE r.regime = ? AND t.delivery_year BETWEEN ? AND ?
        )
        SELECT CAST(key AS VARCHAR) AS key, count(*) AS transfers, sum(tiv) AS tiv, {counts}, {tivs}
        FROM x GROUP BY key
    """
    rows = con.execute(query, [regime, *_years(year_from, year_to)]).fetchall()
    names = [d[0] for d in con.description or []]
    table = []
    for row in rows:
        raw = dict(zip(names, row, strict=True))
        record: dict[str, Any] = {by: raw.pop("key"), **raw}
        n = int(record["transfers"])
        bad = int(record["n_prohibited"]) + int(record["n_risk"])
        low, high = wilson(bad, n)
        tiv = float(record["tiv"] or 0)
        record.update(
            {
                "regime": regime,
                "criterion": criterion or "headline",
                "share_prohibited_or_risk": bad / n if n else 0.0,
                "share_ci_low": low,
                "share_ci_high": high,
                "tiv_share_prohibited_or_risk": (
                    (float(record["tiv_prohibited"]) + float(record["tiv_risk"])) / tiv
                    if tiv
                    else 0.0
                ),
                "small_sample": n < 30,
            }
        )
        table.append(record)
    # the lower bound of the interval first: one or two transfers cannot top the table on a
    # share they may owe to chance
    table.sort(
        key=lambda r: (
            -r["share_ci_low"],
            -r["share_prohibited_or_risk"],
            -r["transfers"],
            str(r[by]),
        )
    )
    for rank, record in enumerate(table, start=1):
        record["rank"] = rank
    return table


def _years(year_from: int | None, year_to: int | None) -> list[int]:
    return [year_from if year_from is not None else 0, year_to if year_to is not None else 9999]


def _region_join(by: str) -> str:
    """Regions come with the indicators (an import of transfers alone leaves the table empty,
    and every region 'unknown'): joined only when asked for."""
    if by != "region":
        return ""
    return "LEFT JOIN state_regions reg ON reg.state = t.recipient_state"


PERIODS = {"decade": "CAST(floor(t.delivery_year / 10) * 10 AS INTEGER)", "year": "t.delivery_year"}


def outcomes_over_time(
    con: duckdb.DuckDBPyConnection,
    by: str,
    regime: str,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    *,
    period: str = "decade",
) -> list[dict[str, Any]]:
    """Delivered TIV under each outcome per value of ``by`` and per ``period`` (decade or
    year of delivery), for the chart of outcome shares over time; rows ordered by both."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}")
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    outcome = _outcome_expr(criterion)
    tivs = ", ".join(f"coalesce(sum(tiv) FILTER (WHERE o = '{o}'), 0) AS tiv_{o}" for o in OUTCOMES)
    query = f"""
        WITH x AS (
          SELECT {DIMENSIONS[by]} AS key, {PERIODS[period]} AS period, {outcome} AS o,
                 coalesce(t.tiv_delivered, 0) AS tiv
          FROM results r JOIN transfers t ON t.id = r.transfer_id {_region_join(by)}
          WHERE r.regime = ? AND t.delivery_year BETWEEN ? AND ?
        )
        SELECT CAST(key AS VARCHAR) AS key, period, count(*) AS transfers, sum(tiv) AS tiv, {tivs}
        FROM x GROUP BY ALL ORDER BY ALL
    """
    rows = con.execute(query, [regime, *_years(year_from, year_to)]).fetchall()
    names = [d[0] for d in con.description or []]
    table = []
    for row in rows:
        raw = dict(zip(names, row, strict=True))
        table.append({by: raw.pop("key"), period: raw.pop("period"), **raw})
    return table


@dataclass(frozen=True)
class Heatmap:
    """Supplier x recipient cells: the share of delivered TIV prohibited or at risk, for the
    ``suppliers`` and ``recipients`` that received or delivered the most TIV."""

    cells: dict[tuple[str, str], float]
    suppliers: list[str]
    recipients: list[str]
    transfers: int


def supplier_recipient(
    con: duckdb.DuckDBPyConnection,
    regime: str,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    *,
    top: int = 15,
) -> Heatmap:
    """The heatmap's cells: for the ``top`` suppliers and ``top + 5`` recipients by delivered
    TIV, the share of their TIV whose outcome (headline or ``criterion``) is prohibited or
    risk."""
    outcome = _outcome_expr(criterion)
    rows = con.execute(
        f"""SELECT t.supplier_name, t.recipient_name, count(*), sum(coalesce(t.tiv_delivered, 0)),
                   sum(coalesce(t.tiv_delivered, 0)) FILTER (WHERE {outcome} IN ('prohibited', 'risk'))
            FROM results r JOIN transfers t ON t.id = r.transfer_id
            WHERE r.regime = ? AND t.delivery_year BETWEEN ? AND ? GROUP BY ALL""",
        [regime, *_years(year_from, year_to)],
    ).fetchall()
    supplier_tiv: dict[str, float] = {}
    recipient_tiv: dict[str, float] = {}
    for s, r, _n, tiv, _bad in rows:
        supplier_tiv[s] = supplier_tiv.get(s, 0.0) + float(tiv or 0)
        recipient_tiv[r] = recipient_tiv.get(r, 0.0) + float(tiv or 0)
    suppliers = sorted(supplier_tiv, key=lambda k: (-supplier_tiv[k], k))[:top]
    recipients = sorted(recipient_tiv, key=lambda k: (-recipient_tiv[k], k))[: top + 5]
    cells = {
        (s, r): (float(bad or 0) / float(tiv)) if tiv else 0.0
        for s, r, _n, tiv, bad in rows
        if s in suppliers and r in recipients
    }
    return Heatmap(cells, suppliers, recipients, sum(int(n) for _s, _r, n, _t, _b in rows))


def side_by_side(
    con: duckdb.DuckDBPyConnection, criterion: str, regime: str
) -> list[dict[str, Any]]:
    """Every supplier's transfers that meet ``criterion`` (prohibited or risk), in one table."""
    outcome = _outcome_expr(criterion)
    query = f"""
        SELECT t.supplier_name AS supplier, t.recipient_name AS recipient, t.delivery_year AS year,
               t.designation, t.description, t.category, {outcome} AS outcome,
               t.tiv_delivered AS tiv, r.embargo_measures, r.evidence_sources,
               t.source_file, t.source_line
        FROM results r JOIN transfers t ON t.id = r.transfer_id
        WHERE r.regime = ? AND {outcome} IN ('prohibited', 'risk')
        ORDER BY supplier, year, recipient
    """
    rows = con.execute(query, [regime]).fetchall()
    names = [d[0] for d in con.description or []]
    return [dict(zip(names, row, strict=True)) for row in rows]


def embargo_deliveries(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Deliveries the columnar screen found inside an embargo's interval and scope."""
    query = """
        SELECT h.authority, h.embargo_name, h.measure_id, h.citation, h.screen,
               t.supplier_name AS supplier, t.recipient_name AS recipient, t.delivery_year AS year,
               t.designation, t.description, t.category, t.tiv_delivered AS tiv,
               t.source_file, t.source_line
        FROM embargo_hits h JOIN transfers t ON t.id = h.transfer_id
        ORDER BY h.authority, h.embargo_name, year, supplier
    """
    try:
        rows = con.execute(query).fetchall()
    except duckdb.CatalogException:
        return []
    names = [d[0] for d in con.description or []]
    return [dict(zip(names, row, strict=True)) for row in rows]


# -- the counterfactual ------------------------------------------------------------------------


def obligation_profile(reference: ReferenceData, state: str, year: int) -> tuple[object, ...]:
    """What attaches to a supplier itself on a day: ATT party or not, EU member or not, and
    measures on its own exports. Suppliers with equal profiles must get equal findings."""
    day = delivery_date(year)
    own_bans = tuple(
        sorted(
            m.measure.id
            for authority in ("un", "eu")
            for m in reference.measures_on(day, authority, state)
            if m.measure.direction.value == "from_target"
        )
    )
    return (
        "att" in reference.treaties and reference.is_party("att", state, day),
        "eu" in reference.groups and reference.in_group("eu", state, day),
        own_bans,
        state if state in NATIONAL_REGIME_STATES else None,
    )


def _year_orders(candidates: Mapping[int, set[str]]) -> dict[int, list[str]]:
    """Each year's suppliers in a fixed pseudo-random order (a hash, so reruns agree)."""

    def order(year: int, states: set[str]) -> list[str]:
        return sorted(states, key=lambda s: hashlib.sha256(f"{year}:{s}".encode()).hexdigest())

    return {year: order(year, states) for year, states in candidates.items()}


def _rotation(size: int, sig: Signature) -> int:
    """Where a signature starts its year's order of ``size`` suppliers: a place fixed by the
    signature, so that signatures spread over the suppliers rather than all taking the same
    first twenty."""
    return zlib.crc32(repr(sig).encode()) % size if size else 0


class Change(NamedTuple):
    """What an alternative supplier changed in one regime's assessment of a transfer."""

    regime: str
    supplier: str
    alternative: str
    same_obligations: bool
    binding: str  # "before -> after"
    recommendation: str  # "before -> after"
    changed_criteria: str  # the criteria whose outcome changed, ';'-separated


class CounterfactualRow(NamedTuple):
    """A group of re-assessed transfers with the same change (a row of the report's table)."""

    regime: str
    supplier: str
    alternative: str
    same_obligations: bool
    transfers: int
    binding: str
    recommendation: str
    changed_criteria: str


class Reassessment(NamedTuple):
    """A transfer's signature, the same signature with another supplier, and whether that
    supplier has the same obligations (then nothing may change)."""

    original: Signature
    alternative: Signature
    same_obligations: bool


@dataclass
class Counterfactual:
    """Counts are of re-assessed transfers (a transfer times an alternative supplier times a
    regime); ``rows`` group the differences by supplier, alternative and what changed."""

    rows: list[CounterfactualRow] = field(default_factory=list)
    transfers: int = 0
    same_profile: int = 0
    same_profile_identical: int = 0
    other_profile: int = 0
    other_profile_changed: int = 0
    changed_criteria: Counter[str] = field(default_factory=Counter)
    signatures_assessed: int = 0
    # Same-obligation re-assessments made again by an engine without a memo (a few per
    # chunk): the memo gives an alternative with the same obligations the original's
    # summary by construction, so only an engine that evaluates every rule again can see a
    # rule that reads the supplier where its key says it does not (found in review,
    # 2026-12-05: a bias planted for one supplier went unseen).
    checked_without_memo: int = 0
    changed_without_memo: int = 0
    memo_disagrees: int = 0


# same-obligation re-assessments of each chunk checked by the engine without a memo
CHECKED_PER_CHUNK = 2


def counterfactual(
    transfers: Sequence[Transfer],
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    *,
    engine: Engine | None = None,
    alternatives: int = 20,
    contrasts: int = 2,
    workers: int = 1,
    progress: Any = None,
    population: Sequence[Transfer] | None = None,
    progress_total: Any = None,
    mapping: str = DEFAULT_MAPPING,
    chunk_size: int = 150,
) -> Counterfactual:
    """Re-assess each transfer as if made by up to ``alternatives`` other suppliers with the same
    obligations (the findings must not change) and by ``contrasts`` suppliers with different
    obligations (to show which findings those obligations change). Alternatives are drawn from
    the states that supplied arms in the same year in ``population`` (default: ``transfers``).

    Transfers the engine cannot tell apart (one signature: same supplier, recipient, end user,
    category and year) get the same alternatives and are assessed once; every count is still
    of transfers. The engine's memo keeps each case's findings whole across suppliers, so an
    alternative supplier costs what its own obligations cost to check.

    The work goes out in chunks of ``chunk_size`` signatures, a case never split between two:
    each chunk plans its alternatives, assesses them and counts the differences where it runs
    (on ``workers`` processes), and only the counts come back; a signature belongs to one case,
    so the chunks' signatures are disjoint and their numbers add up. ``progress`` counts the
    transfers' signatures."""
    engine = (engine or Engine.default()).memoising(whole_regimes=True)
    weight: Counter[Signature] = Counter(signature(t) for t in transfers if t.assessable)
    planner = _Planner(engine.reference, population or transfers, alternatives, contrasts)
    chunks = _case_chunks(weight, chunk_size)
    if progress_total:
        progress_total(len(weight))
    state = _CounterfactualWork(
        engine,
        EvidenceCache(tables, mapping, notes=False),
        Memo(200_000),
        tuple(regimes),
        planner,
        weight,
    )
    grouped: Counter[Change] = Counter()
    result = Counterfactual(transfers=sum(weight.values()))
    forking = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and len(chunks) > 1 and forking:
        with _CF_FORKING:
            _CF_WORKER["work"] = state
            try:
                context = multiprocessing.get_context("fork")
                with context.Pool(workers) as pool:
                    for chunk, counted in zip(
                        chunks, pool.imap(_counterfactual_chunk, chunks), strict=True
                    ):
                        _merge(result, grouped, counted)
                        if progress:
                            progress(len(chunk))
            finally:
                _CF_WORKER.clear()
    else:
        with gc_paused():
            for chunk in chunks:
                _merge(result, grouped, state.count(chunk))
                if progress:
                    progress(len(chunk))
    for change, n in sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0])):
        result.rows.append(
            CounterfactualRow(
                regime=change.regime,
                supplier=change.supplier,
                alternative=change.alternative,
                same_obligations=change.same_obligations,
                transfers=n,
                binding=change.binding,
                recommendation=change.recommendation,
                changed_criteria=change.changed_criteria,
            )
        )
    return result


def _case_order(sig: Signature) -> tuple[object, ...]:
    """The recipient and year first (the order in which the memo shares the most), and the
    supplier last, so that a case's signatures are neighbours."""
    return (
        sig.recipient,
        sig.year,
        sig.end_user_kind,
        sig.group,
        sig.category,
        sig.control_entry,
        sig.supplier,
    )


def _case_chunks(weight: Mapping[Signature, int], size: int) -> list[list[Signature]]:
    """The signatures in case order, cut into chunks of about ``size`` at case boundaries."""
    chunks: list[list[Signature]] = []
    current: list[Signature] = []
    last: tuple[object, ...] | None = None
    for sig in sorted(weight, key=_case_order):
        case = sig.case
        if len(current) >= size and case != last:
            chunks.append(current)
            current = []
        current.append(sig)
        last = case
    if current:
        chunks.append(current)
    return chunks


class _Counted(NamedTuple):
    """One chunk's counts (see ``Counterfactual``) and its differences, grouped."""

    same_profile: int
    same_profile_identical: int
    other_profile: int
    other_profile_changed: int
    changed_criteria: Counter[str]
    signatures: int
    grouped: Counter[Change]
    checked_without_memo: int = 0
    changed_without_memo: int = 0
    memo_disagrees: int = 0


def _merge(result: Counterfactual, grouped: Counter[Change], counted: _Counted) -> None:
    result.same_profile += counted.same_profile
    result.same_profile_identical += counted.same_profile_identical
    result.other_profile += counted.other_profile
    result.other_profile_changed += counted.other_profile_changed
    result.changed_criteria.update(counted.changed_criteria)
    result.signatures_assessed += counted.signatures
    result.checked_without_memo += counted.checked_without_memo
    result.changed_without_memo += counted.changed_without_memo
    result.memo_disagrees += counted.memo_disagrees
    grouped.update(counted.grouped)


@dataclass
class _CounterfactualWork:
    """What a chunk needs: the engine with its memo, the evidence, the summaries' memo, the
    planner and the weights (inherited by worker processes when they fork)."""

    engine: Engine
    cache: EvidenceCache
    rows: Memo
    regimes: tuple[str, ...]
    planner: _Planner
    weight: Mapping[Signature, int]

    def count(self, originals: Sequence[Signature]) -> _Counted:
        plan = self.planner.plan(originals)
        wanted = set(originals) | {step.alternative for step in plan}
        summaries = {
            sig: summary_of(self.engine, self.cache, sig, self.regimes, self.rows)
            for sig in sorted(wanted, key=recipient_order)
        }
        result = Counterfactual()
        grouped = _tally(result, plan, self.weight, summaries)
        checked = changed = disagrees = 0
        plain = Engine(self.engine.law, self.engine.reference)  # no memo: every rule again
        for step in [s for s in plan if s.same_obligations][:CHECKED_PER_CHUNK]:
            rows = Memo(1_000)
            before, after = (
                summary_of(plain, self.cache, sig, self.regimes, rows)
                for sig in (step.original, step.alternative)
            )
            checked += 1
            changed += before != after
            disagrees += (before, after) != (
                summaries[step.original],
                summaries[step.alternative],
            )
        return _Counted(
            result.same_profile,
            result.same_profile_identical,
            result.other_profile,
            result.other_profile_changed,
            result.changed_criteria,
            len(wanted),
            grouped,
            checked,
            changed,
            disagrees,
        )


_CF_WORKER: dict[str, _CounterfactualWork] = {}
# One forking counterfactual at a time sets ``_CF_WORKER`` and forks (see batch.FORKING).
_CF_FORKING = threading.Lock()


def _counterfactual_chunk(originals: list[Signature]) -> _Counted:
    """In a worker process: plan, assess and count one chunk."""
    with gc_paused():
        return _CF_WORKER["work"].count(originals)


class _Planner:
    """Each year's suppliers in their fixed order with their obligation profiles: for each
    signature, up to ``alternatives`` suppliers of its year with the same obligations and
    ``contrasts`` with other obligations, in the year's order rotated to the signature's place."""

    def __init__(
        self,
        reference: ReferenceData,
        population: Sequence[Transfer],
        alternatives: int,
        contrasts: int,
    ) -> None:
        candidates: dict[int, set[str]] = {}
        for t in population:
            if t.assessable and t.supplier and t.supplier.state:
                candidates.setdefault(t.delivery_year, set()).add(t.supplier.state)
        orders = _year_orders(candidates)
        self.reference = reference
        self.alternatives = alternatives
        self.contrasts = contrasts
        self.profiles: dict[tuple[str, int], tuple[object, ...]] = {}
        # each year's suppliers with their profiles, twice over: a signature's rotated order
        # is then a slice (the profiles looked up once per year, not per signature and state)
        self.doubled: dict[int, list[tuple[str, tuple[object, ...]]]] = {
            year: [(state, self.profile(state, year)) for state in order] * 2
            for year, order in orders.items()
        }

    def profile(self, state: str, year: int) -> tuple[object, ...]:
        key = (state, year)
        found = self.profiles.get(key)
        if found is None:
            found = self.profiles[key] = obligation_profile(self.reference, state, year)
        return found

    def plan(self, originals: Iterable[Signature]) -> list[Reassessment]:
        alternatives, contrasts = self.alternatives, self.contrasts
        plan: list[Reassessment] = []
        for original in originals:
            mine = self.profile(original.supplier, original.year)
            same: list[str] = []
            other: list[str] = []
            pairs = self.doubled.get(original.year, [])
            size = len(pairs) // 2
            start = _rotation(size, original)
            for state, theirs in pairs[start : start + size]:
                if state in (original.supplier, original.recipient):
                    continue
                if theirs == mine:
                    if len(same) < alternatives:
                        same.append(state)
                elif len(other) < contrasts:
                    other.append(state)
                if len(same) >= alternatives and len(other) >= contrasts:
                    break
            # ``dataclasses.replace`` re-reads every field by name: a tenth of the plan's time
            case = original.case
            plan.extend(Reassessment(original, Signature(s, *case), True) for s in same)
            plan.extend(Reassessment(original, Signature(s, *case), False) for s in other)
        return plan


def _plan(
    reference: ReferenceData,
    weight: Mapping[Signature, int],
    population: Sequence[Transfer],
    alternatives: int,
    contrasts: int,
) -> list[Reassessment]:
    """For each signature, up to ``alternatives`` suppliers of its year with the same
    obligations and ``contrasts`` with other obligations, in the year's rotated order."""
    return _Planner(reference, population, alternatives, contrasts).plan(weight)


def _tally(
    result: Counterfactual,
    plan: Sequence[Reassessment],
    weight: Mapping[Signature, int],
    summaries: Mapping[Signature, Sequence[SummaryRow]],
) -> Counter[Change]:
    """Count identical and changed re-assessments (of transfers) into ``result``, and return
    the changes grouped (``counterfactual`` makes them the rows, the largest groups first)."""
    grouped: Counter[Change] = Counter()
    for step in plan:
        n = weight[step.original]
        for before, after in zip(
            summaries[step.original], summaries[step.alternative], strict=True
        ):
            identical = before == after
            if step.same_obligations:
                result.same_profile += n
                result.same_profile_identical += n if identical else 0
            else:
                result.other_profile += n
                result.other_profile_changed += 0 if identical else n
            if identical:
                continue
            old = json.loads(before.criterion_outcomes)
            new = json.loads(after.criterion_outcomes)
            changed = sorted(k for k, v in new.items() if old.get(k) != v)
            if not step.same_obligations:
                result.changed_criteria.update({k: n for k in changed})
            change = Change(
                regime=before.regime,
                supplier=step.original.supplier,
                alternative=step.alternative.supplier,
                same_obligations=step.same_obligations,
                binding=f"{before.binding} -> {after.binding}",
                recommendation=f"{before.recommendation} -> {after.recommendation}",
                changed_criteria=";".join(changed),
            )
            grouped[change] += n
    return grouped

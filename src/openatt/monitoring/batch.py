"""Assessment by signature: the engine's part of the batch pipeline (``monitoring.pipeline``).

Everything the engine reads about a transfer is a function of its
:class:`~openatt.monitoring.applications.Signature` and of the indicator evidence for
(recipient, date). The batch assesses each distinct signature once with the engine itself (with
its memo, optionally on several processes) and joins the result back to every transfer that has
it. The findings are therefore exactly the single-application engine's; the tests re-assess a
random sample of transfers one by one and compare the full assessments.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import json
import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from openatt.core.engine import Engine
from openatt.core.findings import Assessment, Finding, Outcome, Recommendation
from openatt.core.memo import Memo
from openatt.core.model import Application, Category, Evidence
from openatt.core.rules.context import OUTCOME_ORDER
from openatt.evidence.mapping import DEFAULT_MAPPING, load_mapping
from openatt.evidence.offer import StateReadings
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import Signature, application_for, signature, with_supplier
from openatt.monitoring.partial import settle_unknown_party
from openatt.monitoring.transfer import Transfer

Progress = Callable[[int], None]
SKIPPED = (
    "not assessable (non-state supplier, organisation recipient, a party not placed in a "
    "state on that date, or both parties unknown)"
)


@dataclass
class EvidenceCache:
    """Evidence by (state, date, item category) under one mapping version: computed once for
    all transfers that share it (version 2 weighs the kind of item)."""

    tables: Mapping[str, IndicatorTable]
    mapping: str = DEFAULT_MAPPING
    cache: dict[tuple[str, dt.date, str], tuple[Evidence, ...]] = field(default_factory=dict)
    # False: the evidence notes leave out the item-relevance words (``StateReadings``), for a
    # batch that keeps only summaries, which read no note (``summarise``): a piece of evidence
    # whose likelihood no item lowers is then one object for every category, and the rules
    # that weigh only such evidence are evaluated once for all categories
    notes: bool = True
    # the indicators read once per (state, date) for every category (only the item-relevance
    # words differ); a piece of evidence equal for two categories is then the same object, so
    # the engine's memo (keyed by identity) evaluates a rule that weighs only it once for both
    readings: dict[tuple[str, dt.date], StateReadings] = field(default_factory=dict)

    last: tuple[Signature, Application] | None = None

    def get(self, state: str, day: dt.date, category: str) -> tuple[Evidence, ...]:
        if not state:  # a recipient the source does not name: no evidence about it
            return ()
        key = (state, day, category)
        found = self.cache.get(key)
        if found is None:
            reading = self.readings.get((state, day))
            if reading is None:
                reading = self.readings[(state, day)] = StateReadings(
                    state, day, self.tables, load_mapping(self.mapping), notes=self.notes
                )
            found = self.cache[key] = reading.evidence((Category(category),))
        return found

    def application(self, sig: Signature) -> Application:
        """The signature's application. Signatures in recipient order come in runs that differ
        only in the supplier: the previous application is then copied with the new supplier
        (as ``application_for`` would build it, without validating it all again)."""
        if self.last is not None:
            previous, app = self.last
            if previous.case == sig.case:
                app = with_supplier(app, sig.supplier)
                self.last = (sig, app)
                return app
        app = application_for(sig, self.get(sig.recipient, sig.date, sig.category))
        self.last = (sig, app)
        return app


def assess_signature(
    engine: Engine, evidence: EvidenceCache, sig: Signature, regimes: Sequence[str]
) -> list[Assessment]:
    assessments = engine.assess(evidence.application(sig), regimes)
    if sig.supplier and sig.recipient:
        return assessments
    return settle_unknown_party(
        engine, assessments, supplier=not sig.supplier, recipient=not sig.recipient
    )


def summary_of(
    engine: Engine,
    evidence: EvidenceCache,
    sig: Signature,
    regimes: Sequence[str],
    rows: Memo,
) -> list[SummaryRow]:
    """The signature's summary rows (:func:`summarise` of :func:`assess_signature`), looked up
    by the engine's :meth:`~openatt.core.engine.Engine.judgment_key` when it has one: a case
    whose supplier another with the same obligations replaces (the counterfactual) then
    costs no assessment. A summary reads only the findings, the recommendation and whether
    each regime binds, all of which that key fixes; a party the source does not name is
    settled by the same findings, so the key says which is missing."""
    app = evidence.application(sig)
    same = engine.judgment_key(app, regimes)
    key = None if same is None else ("rows", same, not sig.supplier, not sig.recipient)
    if key is not None:
        found = rows.get(key)
        if isinstance(found, tuple):
            return list(found)
    judged: Sequence[Judged]
    if sig.supplier and sig.recipient:
        judged = engine.judgments(app, regimes)
    else:
        judged = settle_unknown_party(
            engine,
            engine.assess(app, regimes),
            supplier=not sig.supplier,
            recipient=not sig.recipient,
        )
    summary = summarise(judged, rows)
    if key is not None:
        rows.put(key, tuple(summary))
    return summary


class SummaryRow(NamedTuple):
    """One assessment as the store keeps it (a ``results`` row without the transfer id)."""

    regime: str
    binding: bool
    recommendation: str
    headline: str
    criterion_outcomes: str  # JSON: each criterion's worst outcome
    embargo_measures: str  # the measures that bite, ';'-separated
    evidence_sources: str  # the indicator sources behind risks and concerns, ' | '-separated


def recipient_order(sig: Signature) -> tuple[object, ...]:
    """Recipient and year first: the order in which a memo shares the most."""
    return (
        sig.recipient,
        sig.year,
        sig.end_user_kind,
        sig.group,
        sig.category,
        sig.supplier,
        sig.control_entry,
    )


class Judged(Protocol):
    """What a summary reads of an assessment (an ``Assessment`` or the engine's ``Judgment``)."""

    @property
    def regime(self) -> str: ...
    @property
    def binding(self) -> bool: ...
    @property
    def recommendation(self) -> Recommendation: ...
    @property
    def findings(self) -> tuple[Finding, ...]: ...


class Contribution(NamedTuple):
    """What a summary reads of one finding: its criterion, outcome, the measure that bites
    (not when clear) and the indicator sources it lists (only at risk or concern)."""

    criterion: str
    order: int  # ``OUTCOME_ORDER`` of the outcome
    outcome: str
    measure: str | None
    sources: tuple[str, ...]


def contribution(finding: Finding) -> Contribution:
    outcome = finding.outcome
    sources: tuple[str, ...] = ()
    if outcome in (Outcome.risk, Outcome.concern):
        sources = tuple(
            str(e["source"])
            for e in finding.facts.get("evidence", [])
            if isinstance(e, dict) and e.get("kind") == "indicator"
        )
    measure = finding.source_id if finding.source_id and outcome is not Outcome.clear else None
    return Contribution(finding.criterion, OUTCOME_ORDER[outcome], outcome.value, measure, sources)


def _row(a: Judged, parts: Sequence[Contribution]) -> SummaryRow:
    outcomes: dict[str, tuple[int, str]] = {}
    for part in parts:
        prev = outcomes.get(part.criterion)
        if prev is None or part.order > prev[0]:
            outcomes[part.criterion] = (part.order, part.outcome)
    measures = sorted({p.measure for p in parts if p.measure})
    sources = sorted({source for p in parts for source in p.sources})
    return SummaryRow(
        regime=a.regime,
        binding=a.binding,
        recommendation=a.recommendation.value,
        headline=max(parts, key=lambda p: p.order).outcome,
        criterion_outcomes=json.dumps({k: v for k, (_, v) in outcomes.items()}, sort_keys=True),
        embargo_measures=";".join(measures),
        evidence_sources=" | ".join(sources),
    )


def summarise(assessments: Sequence[Judged], memo: Memo | None = None) -> list[SummaryRow]:
    """Per regime: binding, recommendation, headline outcome, each criterion's worst outcome
    (JSON), the embargo measures that bite, and the indicator sources behind risks/concerns.

    A ``memo`` keeps what the summary reads of each finding (:func:`contribution`; the
    engine's memo hands the same finding objects to many cases) and the row of each distinct
    (regime, binding, recommendation, contributions): rows are then made once per distinct
    content, not once per distinct tuple of findings."""
    rows: list[SummaryRow] = []
    for a in assessments:
        if memo is None:
            rows.append(_row(a, [contribution(f) for f in a.findings]))
            continue
        parts: list[Contribution] = []
        for f in a.findings:
            # keyed by the finding's identity; the entry holds the finding, so that id is
            # not reused while the entry lives
            held = memo.get(("contribution", id(f)))
            if held is None or held[0] is not f:  # type: ignore[index]
                held = (f, contribution(f))
                memo.put(("contribution", id(f)), held)
            parts.append(held[1])  # type: ignore[index]
        key = ("row", a.regime, a.binding, a.recommendation, tuple(parts))
        found = memo.get(key)
        if not isinstance(found, SummaryRow):
            found = _row(a, parts)
            memo.put(key, found)
        rows.append(found)
    return rows


# -- parallel assessment: worker processes inherit the engine and tables by fork
_WORKER: dict[str, object] = {}
# One forking batch at a time sets ``_WORKER`` and forks: two threads of one process (a
# server's requests) would otherwise fork each other's engine, regimes and memo, or find it
# cleared (found 2026-12-06, as in screening's batches). Batches in the calling process are
# handed their state and never wait.
FORKING = threading.Lock()


def _work(chunk: list[Signature]) -> list[list[SummaryRow]]:
    """In a worker: assess and summarise (full assessments are costly to send back)."""
    engine = _WORKER["engine"]
    cache = _WORKER["cache"]
    regimes = _WORKER["regimes"]
    rows = _WORKER["rows"]
    assert isinstance(engine, Engine) and isinstance(cache, EvidenceCache)
    assert isinstance(regimes, tuple) and isinstance(rows, Memo)
    with gc_paused():
        return [summary_of(engine, cache, sig, regimes, rows) for sig in chunk]


SignatureRow = tuple[str, str, str, str, str, int, str]


def assess_signature_rows_csv(
    signatures: Sequence[SignatureRow],
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    *,
    engine: Engine | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    chunk_size: int = 500,
    mapping: str = DEFAULT_MAPPING,
) -> Iterator[str]:
    """:func:`assess_signatures`' summaries as CSV text, a chunk at a time, made in the worker
    processes: what the pipeline loads into ``signature_results``. The signatures come as
    distinct rows (``Signature.row`` order of fields), already in :func:`recipient_order`:
    the pipeline has DuckDB sort them.
    The parent then neither builds, hashes nor sorts a ``Signature`` (its share is serial,
    before the workers start), and sends the workers plain tuples, which pickle cheaper."""
    engine = (engine or Engine.default()).memoising(whole_regimes=True)
    rows = Memo(200_000)
    cache = EvidenceCache(tables, mapping, notes=False)
    chunks = [signatures[i : i + chunk_size] for i in range(0, len(signatures), chunk_size)]
    forking = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and len(signatures) > chunk_size and forking:
        with FORKING:
            _WORKER.update(engine=engine, cache=cache, regimes=tuple(regimes), rows=rows)
            try:
                context = multiprocessing.get_context("fork")
                with context.Pool(workers) as pool:
                    work = pool.imap(_work_rows_csv, chunks)
                    for chunk, text in zip(chunks, work, strict=True):
                        yield text
                        if progress:
                            progress(len(chunk))
            finally:
                _WORKER.clear()
        return
    with gc_paused():
        for chunk in chunks:
            yield _rows_csv(chunk, [Signature(*row) for row in chunk], engine, cache, regimes, rows)
            if progress:
                progress(len(chunk))


def _work_rows_csv(chunk: Sequence[SignatureRow]) -> str:
    """In a worker: assess and summarise a chunk of signature rows, and return the rows of
    ``signature_results`` as CSV text (the parent then neither unpickles nor formats them)."""
    sigs = [Signature(*row) for row in chunk]
    return _csv_of(chunk, _work(sigs))


def _rows_csv(
    chunk: Sequence[SignatureRow],
    sigs: Sequence[Signature],
    engine: Engine,
    cache: EvidenceCache,
    regimes: Sequence[str],
    rows: Memo,
) -> str:
    return _csv_of(chunk, [summary_of(engine, cache, sig, regimes, rows) for sig in sigs])


def _csv_of(chunk: Sequence[SignatureRow], summaries: Sequence[Sequence[SummaryRow]]) -> str:
    """Signature rows and their summary rows as CSV text, one line per regime (as
    ``store.bulk_load`` writes them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for head, rows in zip(chunk, summaries, strict=True):
        writer.writerows((*head, *row) for row in rows)
    return out.getvalue()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a batch allocates millions of short-lived objects
    and no cycles worth collecting, and the collector's passes cost about a fifth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # move what the batch made to the oldest generation: re-enabling would otherwise
            # scan millions of young objects at the next allocation
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def assess_signatures(
    signatures: Sequence[Signature],
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    *,
    engine: Engine | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    chunk_size: int = 500,
    keep_full: bool = False,
    whole_regimes: bool = True,
    mapping: str = DEFAULT_MAPPING,
) -> tuple[dict[Signature, list[Assessment]], dict[Signature, list[SummaryRow]]]:
    """Assess each signature once under ``regimes``; return the summaries, and the full
    assessments too with ``keep_full`` (in this process only: holding them all costs time).
    ``whole_regimes`` keeps each regime's findings whole per case (see ``Engine.memoising``):
    a case that recurs with several suppliers is then judged once (1.6x less CPU on SIPRI's
    2005-2024 deliveries, even on the whole register: docs/monitoring.md)."""
    # A memo shares each recipient's findings across suppliers and item categories; ordering
    # by recipient and year keeps a recipient's signatures in one chunk (one worker).
    engine = (engine or Engine.default()).memoising(whole_regimes=whole_regimes)
    rows = Memo(200_000)
    cache = EvidenceCache(tables, mapping, notes=keep_full)
    ordered = sorted(set(signatures), key=recipient_order)
    full: dict[Signature, list[Assessment]] = {}
    summaries: dict[Signature, list[SummaryRow]] = {}
    chunks = [ordered[i : i + chunk_size] for i in range(0, len(ordered), chunk_size)]
    forking = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and len(ordered) > chunk_size and forking and not keep_full:
        with FORKING:
            _WORKER.update(engine=engine, cache=cache, regimes=tuple(regimes), rows=rows)
            try:
                context = multiprocessing.get_context("fork")
                with context.Pool(workers) as pool:
                    for chunk, done in zip(chunks, pool.imap(_work, chunks), strict=True):
                        summaries.update(zip(chunk, done, strict=True))
                        if progress:
                            progress(len(chunk))
            finally:
                _WORKER.clear()
        return full, summaries
    with gc_paused():
        for chunk in chunks:
            for sig in chunk:
                if keep_full:
                    assessed = full[sig] = assess_signature(engine, cache, sig, regimes)
                    summaries[sig] = summarise(assessed, rows)
                else:
                    summaries[sig] = summary_of(engine, cache, sig, regimes, rows)
            if progress:
                progress(len(chunk))
    return full, summaries


@dataclass
class BatchResult:
    """Assessments by signature, and which signature each transfer has."""

    regimes: tuple[str, ...]
    by_signature: dict[Signature, list[Assessment]]  # filled only with keep_full
    summaries: dict[Signature, list[SummaryRow]]
    transfer_signature: dict[str, Signature]
    skipped: Counter[str]

    def assessments(self, transfer_id: str) -> list[Assessment]:
        """The transfer's assessments, as the single-application engine would label them."""
        sig = self.transfer_signature[transfer_id]
        return [
            a.model_copy(update={"application_id": transfer_id}) for a in self.by_signature[sig]
        ]


def assess_transfers(
    transfers: Iterable[Transfer],
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    *,
    engine: Engine | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    keep_full: bool = False,
    mapping: str = DEFAULT_MAPPING,
    whole_regimes: bool = True,
) -> BatchResult:
    """Assess every assessable transfer, and what can be assessed of one whose supplier or
    recipient the source does not name; count the others by the reason they were skipped.
    ``keep_full`` keeps every full assessment (for inspection and tests)."""
    by_transfer: dict[str, Signature] = {}
    skipped: Counter[str] = Counter()
    for transfer in transfers:
        if transfer.assessable or transfer.partly_assessable:
            by_transfer[transfer.id] = signature(transfer)
        else:
            skipped[SKIPPED] += 1
    full, summaries = assess_signatures(
        list(by_transfer.values()),
        regimes,
        tables,
        engine=engine,
        workers=workers,
        progress=progress,
        keep_full=keep_full,
        mapping=mapping,
        whole_regimes=whole_regimes,
    )
    return BatchResult(tuple(regimes), full, summaries, by_transfer, skipped)


def headline(assessment: Judged) -> Outcome:
    """The worst outcome among an assessment's findings: what the audit counts."""
    return max((f.outcome for f in assessment.findings), key=OUTCOME_ORDER.__getitem__)


# -- storing batch results --------------------------------------------------------------------

RESULT_COLUMNS = (
    ("transfer_id", "VARCHAR"),
    ("regime", "VARCHAR"),
    ("binding", "BOOLEAN"),
    ("recommendation", "VARCHAR"),
    ("headline", "VARCHAR"),
    ("criterion_outcomes", "VARCHAR"),
    ("embargo_measures", "VARCHAR"),
    ("evidence_sources", "VARCHAR"),
)


def result_rows(result: BatchResult) -> Iterable[tuple[object, ...]]:
    """One row per transfer and regime (see :func:`summarise`)."""
    for transfer_id, sig in result.transfer_signature.items():
        for row in result.summaries[sig]:
            yield (transfer_id, *row)

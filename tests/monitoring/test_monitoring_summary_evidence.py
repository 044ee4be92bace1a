"""A batch that keeps only summaries weighs evidence whose notes leave out the item relevance,
and its summaries are exactly those of the full assessments.

``summarise`` reads of an assessment its regime, binding flag, recommendation, and of each
finding the criterion, the outcome, the measure (``source_id``) and the source and kind of the
evidence it lists: never a note. Evidence mapping v2 writes the item category into the note of
every piece of evidence about a topic an item bears on, so with the notes the same reading is a
different object per category, and the engine's memo (keyed by identity) evaluates each rule
that weighs it once per category. ``EvidenceCache(notes=False)`` leaves those words out: a piece
of evidence whose likelihood no item lowers is then one object for every category.

The reference is the full path (notes written, every assessment built, then summarised) on
every signature of real delivery years. A sharing key that left out something a summary reads
(the likelihood the item lowers) must make it fail: the last test checks that it does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.memo import Memo
from openatt.core.model import Evidence
from openatt.evidence import offer
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import Signature, signature
from openatt.monitoring.batch import (
    EvidenceCache,
    SummaryRow,
    assess_signature,
    assess_signatures,
    recipient_order,
    summarise,
    summary_of,
)
from openatt.monitoring.sipri import read_sipri

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
REGIMES = ("att", "eu")
# years with embargoes in force, official findings, self-defence recognised, and v2's item
# relevance lowering some topics for some categories
YEARS = (1999, 2013, 2022)


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


@pytest.fixture(scope="module")
def signatures(transfers_dir: Path) -> list[Signature]:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    return sorted(
        {
            signature(t)
            for t in transfers
            if (t.assessable or t.partly_assessable) and t.delivery_year in YEARS
        },
        key=recipient_order,
    )


@pytest.fixture(scope="module")
def reference(
    signatures: list[Signature], tables: dict[str, IndicatorTable]
) -> dict[Signature, list[SummaryRow]]:
    """Every signature assessed in full, notes written, then summarised."""
    engine = Engine.default().memoising()
    cache = EvidenceCache(tables)
    return {sig: summarise(assess_signature(engine, cache, sig, REGIMES)) for sig in signatures}


def _summaries(
    signatures: list[Signature], tables: dict[str, IndicatorTable], cache: EvidenceCache
) -> dict[Signature, list[SummaryRow]]:
    engine = Engine.default().memoising(whole_regimes=True)
    rows = Memo(200_000)
    return {sig: summary_of(engine, cache, sig, REGIMES, rows) for sig in signatures}


def _differing(
    found: dict[Signature, list[SummaryRow]], expected: dict[Signature, list[SummaryRow]]
) -> list[Signature]:
    return [sig for sig in expected if found[sig] != expected[sig]]


def test_summaries_without_relevance_notes_equal_the_full_path(
    signatures: list[Signature],
    tables: dict[str, IndicatorTable],
    reference: dict[Signature, list[SummaryRow]],
) -> None:
    assert len(signatures) > 1_500
    cache = EvidenceCache(tables, notes=False)
    assert _differing(_summaries(signatures, tables, cache), reference) == []
    # and the batch itself (``assess_signatures``, summaries only) uses that cache
    _, batch = assess_signatures(signatures, REGIMES, tables)
    assert _differing(batch, reference) == []


def test_evidence_without_relevance_notes_is_shared_across_categories(
    signatures: list[Signature], tables: dict[str, IndicatorTable]
) -> None:
    """The point of leaving the words out: fewer distinct pieces of evidence, so fewer rule
    evaluations; the notes still say what was read and when, without the item."""
    with_notes, without = EvidenceCache(tables), EvidenceCache(tables, notes=False)
    for sig in signatures:
        with_notes.get(sig.recipient, sig.date, sig.category)
        without.get(sig.recipient, sig.date, sig.category)

    def distinct(cache: EvidenceCache) -> set[int]:
        return {id(e) for found in cache.cache.values() for e in found}

    assert len(distinct(without)) < 0.8 * len(distinct(with_notes))
    notes = [e.note or "" for found in without.cache.values() for e in found]
    assert notes and not any("Item relevance" in n for n in notes)
    assert any("Item relevance" in (e.note or "") for f in with_notes.cache.values() for e in f)
    # the likelihood an item lowers still differs between categories
    lowered = {
        (key[0], key[1], e.criterion, e.source, e.likelihood)
        for key, found in without.cache.items()
        for e in found
    }
    by_reading: dict[tuple[object, ...], set[object]] = {}
    for state, day, criterion, source, likelihood in lowered:
        by_reading.setdefault((state, day, criterion, source), set()).add(likelihood)
    assert any(len(likelihoods) > 1 for likelihoods in by_reading.values())


def test_a_sharing_key_without_the_lowered_likelihood_fails_the_comparison(
    signatures: list[Signature],
    tables: dict[str, IndicatorTable],
    reference: dict[Signature, list[SummaryRow]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The comparison has teeth: evidence shared by (rule, topic, note) alone, whatever the
    likelihood the item lowered, gives other summaries on these years."""
    original = offer.StateReadings._evidence

    def blind(
        self: offer.StateReadings, key: tuple[object, ...], make: Callable[[], Evidence]
    ) -> Evidence:
        return original(self, (*key[:3], *key[4:]), make)

    monkeypatch.setattr(offer.StateReadings, "_evidence", blind)
    cache = EvidenceCache(tables, notes=False)
    assert _differing(_summaries(signatures, tables, cache), reference) != []

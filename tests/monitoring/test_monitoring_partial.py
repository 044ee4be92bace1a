"""A transfer whose supplier or recipient SIPRI records as unknown: what does not depend on
the missing party is assessed, and the rest is left ``unknown``."""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.findings import Assessment, Outcome
from openatt.core.model import Category
from openatt.monitoring.applications import Signature
from openatt.monitoring.batch import EvidenceCache, assess_signature, assess_transfers
from openatt.monitoring.partial import SUPPLIER_UNKNOWN, UNKNOWN_STATE
from openatt.monitoring.sipri import read_sipri
from openatt.monitoring.transfer import Transfer

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
REGIMES = ("att", "eu")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def _assess(engine: Engine, supplier: str, recipient: str, year: int) -> dict[str, Assessment]:
    sig = Signature(supplier, recipient, "armed_forces", "", "VIII", year)
    return {a.regime: a for a in assess_signature(engine, EvidenceCache({}), sig, REGIMES)}


def _outcome(a: Assessment, criterion: str) -> Outcome:
    from openatt.core.rules.context import OUTCOME_ORDER

    found = [f.outcome for f in a.findings if f.criterion == criterion]
    return max(found, key=OUTCOME_ORDER.__getitem__)


def test_an_embargo_on_the_recipient_applies_whoever_supplies(engine: Engine) -> None:
    result = _assess(engine, "", "SOM", 2005)
    att = result["att"]
    assert _outcome(att, "att.6.1") is Outcome.prohibited
    assert att.recommendation.value == "deny"
    # the supplier's own obligations cannot be read: EU membership, and whether ATT binds it
    assert _outcome(att, "att.6.2") is Outcome.unknown
    assert att.binding is False and "does not name the supplier" in att.binding_reason
    assert att.reasons[0] == "the source does not name the supplier"


def test_a_clear_embargo_finding_is_unknown_while_some_state_is_banned_from_exporting(
    engine: Engine,
) -> None:
    # 2010: the DPRK's and Iran's own arms exports were barred; the supplier could be either
    (finding,) = [
        f for f in _assess(engine, "", "NOR", 2010)["att"].findings if f.criterion == "att.6.1"
    ]
    assert finding.outcome is Outcome.unknown
    assert finding.facts["outcome_if_party_known"] == "clear"
    # 1985: no ban on any state's own exports was in force, so no embargo applies at all
    assert _outcome(_assess(engine, "", "NOR", 1985)["att"], "att.6.1") is Outcome.clear


def test_a_ban_on_the_known_suppliers_exports_applies_whoever_receives(engine: Engine) -> None:
    att = _assess(engine, "PRK", "", 2012)["att"]
    assert _outcome(att, "att.6.1") is Outcome.prohibited
    assert _outcome(att, "att.7.1.b.ii") is Outcome.unknown
    assert _outcome(att, "att.11") is Outcome.unknown
    assert att.binding is False  # the DPRK is not a State Party: read as before
    quiet = _assess(engine, "NOR", "", 2012)["att"]
    assert _outcome(quiet, "att.6.1") is Outcome.unknown
    assert quiet.recommendation.value == "refer"


def test_the_stand_in_state_is_in_no_treaty_group_or_embargo(engine: Engine) -> None:
    ref = engine.reference
    assert not ref.is_party("att", UNKNOWN_STATE, ref.treaties["att"].entry_into_force)
    assert all(
        UNKNOWN_STATE not in ref.members_on(g, ref.treaties["att"].entry_into_force)
        for g in ref.groups
    )
    for authority in ("un", "eu", "osce"):
        assert all(e.target != UNKNOWN_STATE for e in ref.embargoes(authority))


def test_sipri_deliveries_from_unknown_suppliers_are_assessed(transfers_dir: Path) -> None:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    partial = [t for t in transfers if t.partly_assessable]
    assert partial and not any(t.assessable for t in partial)
    somalia = [
        t for t in partial if t.recipient_name == "Somalia" and 1992 <= t.delivery_year < 2013
    ]
    assert somalia, "SIPRI records deliveries to Somalia from unknown suppliers"
    result = assess_transfers(somalia + _rhodesia(transfers), ("att",), {}, keep_full=True)
    assert result.skipped == {} or sum(result.skipped.values()) == 0
    for transfer in somalia:
        (att,) = result.assessments(transfer.id)
        assert _outcome(att, "att.6.1") is Outcome.prohibited, transfer.id
        assert any(SUPPLIER_UNKNOWN in f.reason for f in att.findings), transfer.id


def _rhodesia(transfers: list[Transfer]) -> list[Transfer]:
    """Deliveries to the Smith regime (SIPRI: Zimbabwe, 1967-1979): all under 232/253."""
    return [
        t
        for t in transfers
        if t.assessable and t.recipient_name == "Zimbabwe" and 1967 <= t.delivery_year <= 1979
    ]


def test_every_delivery_to_the_smith_regime_meets_the_un_embargo(transfers_dir: Path) -> None:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    # items outside ATT Art. 2(1), 3 and 4 (e.g. light transport aircraft) raise no obligation
    rhodesia = [t for t in _rhodesia(transfers) if t.category is not Category.other]
    assert len(rhodesia) >= 5, "SIPRI records deliveries of arms to Rhodesia in 1967-1979"
    result = assess_transfers(rhodesia, ("att",), {}, keep_full=True)
    for transfer in rhodesia:
        (att,) = result.assessments(transfer.id)
        measures = {f.source_id for f in att.findings if f.criterion == "att.6.1"}
        assert measures & {"un.southern_rhodesia.1966", "un.southern_rhodesia.1968"}, transfer.id

"""The monitoring batch and the counterfactual keep each regime's findings whole per case only
when every rule of the regime can be memoised (``Engine._regime_key``). ATT Arts 9 and 10
(``regulate``) were added without a memo key, which silently turned that off for att; this
test names such a rule instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.model import Document
from openatt.core.rules.keys import MEMO_KEYS
from openatt.monitoring.service import AUDIT_REGIMES


@pytest.mark.parametrize("regime", AUDIT_REGIMES)
def test_every_rule_of_an_audited_regime_can_be_memoised(regime: str) -> None:
    law = Engine.default().law
    missing = [
        f"{rule.id} ({rule.evaluator})"
        for rule in law.regime(regime).rules
        if rule.evaluator not in MEMO_KEYS
    ]
    assert not missing, f"give these evaluators a key in core/rules/keys.py: {missing}"


def test_transit_and_brokering_through_a_memo_are_assessed_as_without_one() -> None:
    """ATT Arts 9 and 10 (``regulate``) read the kind of transfer and the documents: a memo
    engine that keeps regimes whole, fed the same case as an export, a transit and a brokering,
    with and without the document that shows it regulated, gives the plain engine's answers."""
    from openatt.core.loading import parse_applications
    from openatt.core.model import DocumentKind, TransferKind

    example = Path(__file__).resolve().parents[2] / "examples" / "04-lebanon-government.yaml"
    (app,) = parse_applications(example.read_text("utf-8"), str(example))
    plain = Engine.default()
    memo = plain.memoising(whole_regimes=True)
    variants = []
    for kind, shown_by in (
        (TransferKind.transit, DocumentKind.transit_authorisation),
        (TransferKind.brokering, DocumentKind.broker_registration),
    ):
        bare = app.model_copy(update={"kind": kind})
        shown = bare.model_copy(
            update={"documents": (*app.documents, Document(kind=shown_by, verified=True))}
        )
        variants += [app, bare, shown, bare]
    outcomes = set()
    for variant in variants:
        expected = [a.model_dump(mode="json") for a in plain.assess(variant, ("att",))]
        assert [a.model_dump(mode="json") for a in memo.assess(variant, ("att",))] == expected
        outcomes |= {
            f["outcome"] for a in expected for f in a["findings"] if f["criterion"] in REGULATE
        }
    assert {"clear", "concern", "not_applicable"} <= outcomes  # the rule bit both ways
    assert memo.memo is not None and memo.memo.hits > 0


REGULATE = {"att.9", "att.10"}

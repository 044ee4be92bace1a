"""The monitoring batch keeps each regime's findings whole per case only when every rule of the
regime can be memoised (``Engine._regime_key``). A rule added without a memo key silently made
the batch and the counterfactual three times slower (ATT Arts 9 and 10, December 2026): this
test names the rule instead."""

from __future__ import annotations

import pytest

from openatt.core.engine import Engine
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

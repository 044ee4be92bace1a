"""Evaluators: the small pure functions that apply a rule of the law to a case.

A rule in a regime file names its evaluator; ``EVALUATORS`` maps the name to the function.
Each evaluator reads a :class:`~openatt.core.rules.context.RuleContext` and returns findings.
"""

from __future__ import annotations

from openatt.core.rules.context import Evaluator
from openatt.core.rules.diversion import diversion
from openatt.core.rules.embargo import embargo
from openatt.core.rules.regulation import regulate
from openatt.core.rules.risk import knowledge, mitigation, overriding, risk
from openatt.core.rules.scope import scope
from openatt.core.rules.united_states import denial_policy, listed_party, notification_threshold

EVALUATORS: dict[str, Evaluator] = {
    "scope": scope,
    "embargo": embargo,
    "knowledge": knowledge,
    "risk": risk,
    "mitigation": mitigation,
    "overriding": overriding,
    "diversion": diversion,
    "denial_policy": denial_policy,
    "notification_threshold": notification_threshold,
    "listed_party": listed_party,
    "regulate": regulate,
}

__all__ = ["EVALUATORS", "Evaluator"]

"""What each evaluator accepts in a rule's ``params``, as pydantic models.

A regime file writes ``params`` as a mapping (the version's over the rule's); the evaluator
reads them through :meth:`~openatt.core.rules.context.RuleContext.typed` as one of these
models, so a default is written once (here) and a misspelt or mistyped parameter is refused
when an engine loads the law (:func:`check_params`), naming the regime, the rule and the
field, instead of being ignored at the first case that reaches it.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openatt.core.model import Category, DocumentKind
from openatt.law.schema import Rule, RuleVersion


class Params(BaseModel):
    """What every evaluator accepts: the condition a finding proposes, if any."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    condition: str | None = None
    """The condition of approval a finding of this rule proposes (e.g. a delivery check)."""


class ScopeParams(Params):
    covers: tuple[Category, ...] = ()
    """The categories of item the scope rule speaks about."""


class EmbargoParams(Params):
    authorities: tuple[str, ...] = ("un",)
    """Whose embargoes the rule reads (``un``, ``eu``, ``osce``...; ``regime``: its own)."""
    authority_if_member: dict[str, str] = Field(default_factory=dict)
    """An authority that binds the licensing state only while it belongs to a group."""
    legal_forms: tuple[str, ...] | None = None
    """Only measures of these legal forms (Art. 6(2) reads agreements, not declarations)."""
    only_if_member_of: str | None = None
    """The rule applies only when the licensing state belongs to this group."""


class ListedPartyParams(Params):
    authorities: tuple[str, ...] = ()
    """The lists (by authority) a party confirmed on is reported from."""


class OverridingParams(Params):
    weighs: tuple[str, ...] = ()
    """The criteria whose findings the overriding-risk test weighs."""


class RegulateParams(Params):
    shown_by: DocumentKind
    """The document that shows the transfer is regulated."""
    qualifier: str | None = None
    """How the treaty words the obligation (e.g. "where necessary and feasible")."""


class NotificationParams(Params):
    licensing_states: tuple[str, ...] = ()
    """The states whose procedure this is (empty: any)."""
    currency: str = Field(min_length=3, max_length=3)
    major_defense_equipment: tuple[Category, ...]
    group_with_higher_thresholds: str
    thresholds: dict[str, float]
    higher_thresholds: dict[str, float]


PARAMS: dict[str, type[Params]] = {
    "scope": ScopeParams,
    "embargo": EmbargoParams,
    "knowledge": Params,
    "risk": Params,
    "mitigation": Params,
    "overriding": OverridingParams,
    "diversion": Params,
    "denial_policy": Params,
    "notification_threshold": NotificationParams,
    "listed_party": ListedPartyParams,
    "regulate": RegulateParams,
}
"""Each evaluator's parameters, by the evaluator's name (the keys of ``EVALUATORS``)."""

P = TypeVar("P", bound=Params)
_PARSED: dict[tuple[type[Params], int, int], tuple[Rule, RuleVersion, Params]] = {}


def typed_params(model: type[P], rule: Rule, version: RuleVersion) -> P:
    """``rule``'s params in force in ``version``, as ``model``; parsed once per version."""
    key = (model, id(rule), id(version))
    found = _PARSED.get(key)
    if found is None or found[0] is not rule or found[1] is not version:
        parsed = model.model_validate({**rule.params, **version.params})
        found = _PARSED[key] = (rule, version, parsed)
    value = found[2]
    assert isinstance(value, model)
    return value


def params_problem(evaluator: str, rule: Rule) -> str | None:
    """Why the params of one of ``rule``'s versions do not fit its evaluator, naming the
    field (``params.currency: Field required``); ``None`` when every version fits."""
    model = PARAMS.get(evaluator, Params)
    for version in rule.versions:
        try:
            typed_params(model, rule, version)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            since = version.valid_from.isoformat()
            return f"params.{where}: {first['msg']} (version from {since})"
    return None

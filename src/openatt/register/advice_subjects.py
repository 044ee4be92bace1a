"""What advice is about and what it may say: the subjects of a case (each item, each
destination, each party) and the types of advice (after LITE's: approve, approve with
provisos, refuse with the criteria relied on, no licence required, not applicable).

A refusal names the criteria it relies on as rule ids of the loaded law (``eu.2``,
``att.7.1.b.ii``), so that it can be weighed by the engine as evidence on those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from openatt.core.model import Application, Likelihood, Severity
from openatt.law.loader import LawError, default_law
from openatt.register.errors import Invalid

_Level = TypeVar("_Level", Likelihood, Severity)


class AdviceType(StrEnum):
    approve = "approve"
    proviso = "proviso"
    refuse = "refuse"
    no_licence_required = "no_licence_required"
    not_applicable = "not_applicable"


TYPE_LABELS = {
    AdviceType.approve: "Approve",
    AdviceType.proviso: "Approve with provisos",
    AdviceType.refuse: "Refuse",
    AdviceType.no_licence_required: "No licence required",
    AdviceType.not_applicable: "Not applicable",
}

# Positions that conflict when two teams take different ones on the same subject. A proviso
# is an approval (with conditions); "not applicable" is no position at all.
POSITION = {
    AdviceType.approve: "approve",
    AdviceType.proviso: "approve",
    AdviceType.refuse: "refuse",
    AdviceType.no_licence_required: "no_licence_required",
}


@dataclass(frozen=True)
class Subject:
    key: str
    label: str


def subjects_of(application: Application) -> list[Subject]:
    """Each item, destination (importing and transit states) and party an adviser may advise on."""
    found = [
        Subject(f"item:{index}", f"Item {index + 1}: {item.description}")
        for index, item in enumerate(application.items)
    ]
    found.append(
        Subject(
            f"destination:{application.importing_state}",
            f"Destination {application.importing_state}",
        )
    )
    found += [Subject(f"destination:{s}", f"Transit {s}") for s in application.transit_states]
    found.append(Subject("party:consignee", f"Consignee: {application.consignee.name}"))
    found.append(Subject("party:end_user", f"End user: {application.end_user.name}"))
    found += [
        Subject(f"party:broker:{index}", f"Broker: {broker.name}")
        for index, broker in enumerate(application.brokers)
    ]
    return found


@dataclass(frozen=True)
class AdviceInput:
    """One piece of advice as given, before it is stored."""

    subject: str
    type: str
    reasons: str
    proviso: str = ""
    criteria: Sequence[str] = ()
    likelihood: str | None = None
    severity: str | None = None


@dataclass(frozen=True)
class CheckedAdvice:
    subject: str
    type: AdviceType
    reasons: str
    proviso: str
    criteria: tuple[str, ...]
    likelihood: Likelihood | None
    severity: Severity | None


def check(application: Application, given: AdviceInput) -> CheckedAdvice:
    """The advice, or :class:`Invalid` naming the first field at fault."""
    keys = {s.key for s in subjects_of(application)}
    if given.subject not in keys:
        raise Invalid(
            f"not a subject of this case: {given.subject!r}; one of {', '.join(sorted(keys))}",
            field=("subject",),
        )
    try:
        kind = AdviceType(given.type)
    except ValueError:
        raise Invalid(
            f"type must be one of {', '.join(t.value for t in AdviceType)}", field=("type",)
        ) from None
    if not given.reasons.strip():
        raise Invalid("advice needs reasons", field=("reasons",))
    proviso = given.proviso.strip()
    if kind == AdviceType.proviso and not proviso:
        raise Invalid("approval with provisos needs the proviso text", field=("proviso",))
    if kind != AdviceType.proviso and proviso:
        raise Invalid("only approval with provisos carries a proviso", field=("proviso",))
    criteria = tuple(sorted({c.strip() for c in given.criteria if c.strip()}))
    if kind == AdviceType.refuse and not criteria:
        raise Invalid("a refusal names the criteria it relies on (rule ids)", field=("criteria",))
    if kind != AdviceType.refuse and criteria:
        raise Invalid("only a refusal names criteria", field=("criteria",))
    law = default_law()
    for criterion in criteria:
        try:
            law.find_rule(criterion)
        except LawError:
            raise Invalid(
                f"{criterion!r} is not a rule of the loaded law (e.g. eu.2, att.7.1.b.ii)",
                field=("criteria",),
            ) from None
    likelihood = _level(Likelihood, given.likelihood, "likelihood", kind)
    severity = _level(Severity, given.severity, "severity", kind)
    return CheckedAdvice(
        subject=given.subject,
        type=kind,
        reasons=given.reasons.strip(),
        proviso=proviso,
        criteria=criteria,
        likelihood=likelihood,
        severity=severity,
    )


def _level(kind: type[_Level], value: str | None, name: str, advice: AdviceType) -> _Level | None:
    if not value:
        return None
    if advice != AdviceType.refuse:
        raise Invalid(f"only a refusal says the {name} of the harm", field=(name,))
    try:
        return kind(value)
    except ValueError:
        raise Invalid(
            f"{name} must be one of {', '.join(v.value for v in kind)}", field=(name,)
        ) from None

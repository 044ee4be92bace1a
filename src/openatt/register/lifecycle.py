"""The life of an application as one table: every transition, from which states, to which
states, under which permission, logged as which event.

The services ask this table which states an action needs (:func:`sources`); the demo walks
it to reach a state (:func:`path`); ``docs/casework.md`` shows it as a Mermaid diagram that
a test regenerates (:func:`mermaid`); ``GET /lifecycle`` serves it. A new state or action is
a row here, not a tuple repeated in a service (lite-api keeps its status sets the same way).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from openatt.register.models import State
from openatt.register.permissions import Permission

S = State


@dataclass(frozen=True)
class Transition:
    """``event``: the action logged on the application when it happens; ``targets``: the
    states it may lead to (a decision leads to one of several, a shipment may leave the
    case where it was)."""

    event: str
    sources: tuple[State, ...]
    targets: tuple[State, ...]
    permission: Permission
    label: str


_DECIDED = (S.approved, S.approved_with_conditions, S.denied)
# Before a decision takes effect: the exporter may still amend or withdraw the application.
UNDECIDED = (S.submitted, S.screened, S.assessed, S.awaiting_countersign)
REOPENABLE = (
    S.assessed,
    S.awaiting_countersign,
    S.approved,
    S.approved_with_conditions,
    S.denied,
    S.licensed,
    S.delivery_verified,
    S.suspended,
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("application.create", (), (S.draft,), Permission.application_create, "create"),
    Transition("application.update", (S.draft,), (S.draft,), Permission.application_update, "edit"),
    Transition(
        "application.submit", (S.draft,), (S.submitted,), Permission.application_submit, "submit"
    ),
    Transition(
        "application.screen",
        (S.submitted, S.screened),
        (S.screened,),
        Permission.application_screen,
        "screen",
    ),
    Transition(
        "application.assess", (S.screened,), (S.assessed,), Permission.application_assess, "assess"
    ),
    Transition(
        "application.reassess",
        REOPENABLE,
        (S.assessed,),
        Permission.application_assess,
        "reassess (ATT 7.7)",
    ),
    Transition(
        "application.decide",
        (S.assessed,),
        (S.awaiting_countersign, *_DECIDED),
        Permission.application_decide,
        "decide",
    ),
    Transition(
        "application.countersign",
        (S.awaiting_countersign,),
        (*_DECIDED, S.assessed, S.appealed),
        Permission.application_countersign,
        "sign off / return",
    ),
    Transition(
        "application.issue",
        (S.approved, S.approved_with_conditions),
        (S.licensed,),
        Permission.licence_issue,
        "issue licence",
    ),
    Transition(
        "application.ship", (S.licensed,), (S.licensed,), Permission.shipment_record, "ship"
    ),
    Transition(
        "application.verify_delivery",
        (S.licensed,),
        (S.licensed, S.delivery_verified),
        Permission.delivery_verify,
        "verify delivery",
    ),
    Transition(
        "application.suspended",
        (S.licensed,),
        (S.suspended,),
        Permission.licence_suspend,
        "suspend",
    ),
    Transition(
        "application.revoked",
        (S.licensed, S.suspended, S.delivery_verified),
        (S.revoked,),
        Permission.licence_revoke,
        "revoke",
    ),
    Transition(
        "application.expired",
        (S.licensed, S.delivery_verified),
        (S.expired,),
        Permission.licence_expire,
        "expire",
    ),
    Transition(
        "application.withdraw",
        UNDECIDED,
        (S.withdrawn,),
        Permission.application_withdraw,
        "withdraw",
    ),
    Transition(
        "application.amend",
        UNDECIDED,
        (S.superseded,),
        Permission.application_amend,
        "amend (new version)",
    ),
    Transition("application.appeal", (S.denied,), (S.appealed,), Permission.appeal_lodge, "appeal"),
    Transition(
        "application.appeal_decide",
        (S.appealed,),
        (S.approved, S.approved_with_conditions, S.appeal_dismissed, S.awaiting_countersign),
        Permission.appeal_decide,
        "appeal upheld / dismissed",
    ),
)

# Events that may also record something on a case without moving it: a consultation, a
# false positive, a re-screening after a new list version, a question and its answer, a
# document the applicant supplied, advice asked, given, consolidated and countersigned, a
# letter that could not be made.
STATE_KEEPING = frozenset(
    {
        "application.ask_advice",
        "application.advice_given",
        "application.final_advice",
        "application.advice_countersign",
        "application.letter_unavailable",
        "application.consult",
        "application.false_positive",
        "application.screen",
        "application.query",
        "application.answer",
        "application.document",
        "application.verify_document",  # the authority checked a document (issue 13)
    }
)

_BY_EVENT = {t.event: t for t in TRANSITIONS}


def transition(event: str) -> Transition:
    """The row for ``event`` (KeyError: not a lifecycle event)."""
    return _BY_EVENT[event]


def sources(event: str) -> tuple[State, ...]:
    """The states in which ``event`` may happen: what a service passes to ``for_change``."""
    return _BY_EVENT[event].sources


def allows(event: str, before: State, after: State) -> bool:
    """Whether the table has ``event`` take a case from ``before`` to ``after``."""
    if before == after and event in STATE_KEEPING:
        return True
    row = _BY_EVENT.get(event)
    return row is not None and before in row.sources and after in row.targets


def path(target: State, start: State = S.draft) -> list[State]:
    """The shortest walk through the table from ``start`` to ``target`` (both included),
    taking transitions in table order: the demo drives a case along it."""
    previous: dict[State, State | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state == target:
            break
        for row in TRANSITIONS:
            if state in row.sources:
                for after in row.targets:
                    if after not in previous:
                        previous[after] = state
                        queue.append(after)
    if target not in previous:
        raise ValueError(f"{target.value} cannot be reached from {start.value}")
    walk: list[State] = []
    step: State | None = target
    while step is not None:
        walk.append(step)
        step = previous[step]
    return walk[::-1]


def terminal() -> frozenset[State]:
    """States no transition leaves."""
    left = {s for row in TRANSITIONS for s in row.sources}
    return frozenset(s for s in State if s not in left)


def table_order() -> list[State]:
    """Every state in the order the table first names it (the declaration order of
    :class:`State` is not a lifecycle order, and nothing relies on it)."""
    order: list[State] = []
    for row in TRANSITIONS:
        for state in (*row.sources, *row.targets):
            if state not in order:
                order.append(state)
    return order


def mermaid() -> str:
    """The table as a Mermaid state diagram (one arrow per source and target)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for row in TRANSITIONS:
        for before in row.sources:
            for after in row.targets:
                if before == after:
                    continue
                lines.append(f"    {before.value} --> {after.value} : {row.label}")
    for state in sorted(terminal(), key=table_order().index):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The table as Markdown (the docs show it under the diagram)."""
    lines = [
        "| event | from | to | permission |",
        "| --- | --- | --- | --- |",
    ]
    for row in TRANSITIONS:
        before = ", ".join(s.value for s in row.sources) or "(new)"
        after = ", ".join(s.value for s in row.targets)
        lines.append(f"| `{row.event}` | {before} | {after} | `{row.permission.value}` |")
    return "\n".join(lines) + "\n"

"""Flags on cases, parties, goods and destinations, and the check that blocking flags hold a
decision until a person of the named role clears them with reasons.

A flag definition is data (name, level, colour, blocking, ``cleared_by_role``). A flag set on a
case names its target: ``""`` for the case, ``party:<role>`` (``party:broker:<n>``),
``item:<n>`` for the n-th item (from 0), ``destination:<ISO3>``. Who may clear: the role the
definition names, or a senior reviewer where it names an officer. Nobody clears a blocking flag
they set by hand themselves: that needs a second person, like a decision against the
recommendation.

:func:`refuse_if_blocked` is the one check :func:`openatt.register.assessing.decide` calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, exists, select
from sqlalchemy.orm import Session

from openatt.core.model import Application
from openatt.reference.states import state_name
from openatt.register import audit
from openatt.register.applications import get, payload_of
from openatt.register.casework_config import FlagSpec
from openatt.register.errors import Conflict, Forbidden, Invalid, NotFound
from openatt.register.models import ApplicationRow, Role, State
from openatt.register.permissions import Permission, require
from openatt.register.queue_tables import CaseFlagRow, FlagDefinitionRow
from openatt.register.users import Actor

# Who else may clear a flag whose definition names a role.
ALSO_CLEARS: dict[str, frozenset[str]] = {
    Role.officer.value: frozenset({Role.senior_reviewer.value}),
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- definitions ----------------------------------------------------------------------------


def define(session: Session, actor: Actor, spec: FlagSpec) -> FlagDefinitionRow:
    require(actor, Permission.casework_configure)
    return _define(session, actor, spec)


def _define(session: Session, actor: Actor, spec: FlagSpec) -> FlagDefinitionRow:
    name = " ".join(spec.name.split())
    if by_name(session, name) is not None:
        raise Invalid(f"a flag named {name!r} already exists", field=("name",))
    row = FlagDefinitionRow(
        name=name,
        level=spec.level,
        colour=spec.colour,
        blocking=spec.blocking,
        cleared_by_role=spec.cleared_by_role.value,
        description=spec.description.strip(),
        active=True,
        created_by=actor.label,
        created_at=_now(),
    )
    session.add(row)
    audit.record(
        session,
        actor=actor.label,
        action="flag.define",
        row=row,
        payload={"flag": spec.model_dump(mode="json")},
    )
    return row


def ensure(session: Session, actor: Actor, spec: FlagSpec) -> FlagDefinitionRow:
    """The definition named ``spec.name``, defined from ``spec`` on first use (built-in
    flags such as the screening flag; no permission needed to define them)."""
    return by_name(session, spec.name) or _define(session, actor, spec)


def by_name(session: Session, name: str) -> FlagDefinitionRow | None:
    return session.execute(select(FlagDefinitionRow).where(FlagDefinitionRow.name == name)).scalar()


def definitions(session: Session, actor: Actor) -> list[FlagDefinitionRow]:
    require(actor, Permission.casework_read)
    return list(
        session.execute(select(FlagDefinitionRow).order_by(FlagDefinitionRow.name)).scalars()
    )


# --- targets --------------------------------------------------------------------------------


def targets(application: Application, level: str) -> dict[str, str]:
    """The places a flag of ``level`` may be set on this application, with their labels."""
    if level == "case":
        return {"": "The case"}
    if level == "party":
        found = {
            "party:exporter": f"Exporter: {application.exporter.name}",
            "party:consignee": f"Consignee: {application.consignee.name}",
            "party:end_user": f"End user: {application.end_user.name}",
        }
        for index, broker in enumerate(application.brokers):
            found[f"party:broker:{index}"] = f"Broker: {broker.name}"
        return found
    if level == "goods":
        return {
            f"item:{i}": f"Item {i + 1}: {item.description}"
            for i, item in enumerate(application.items)
        }
    if level == "destination":
        states = dict.fromkeys((application.importing_state, *application.transit_states))
        return {f"destination:{code}": f"Destination: {state_name(code)}" for code in states}
    raise Invalid(f"unknown flag level {level!r}", field=("level",))


def party_target(role: str) -> str:
    """The target of a party by the role a screening hit names (``broker`` is the first)."""
    return "party:broker:0" if role == "broker" else f"party:{role}"


# --- on cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFlag:
    """A flag on a case with its definition, for display and for the decision check."""

    row: CaseFlagRow
    definition: FlagDefinitionRow
    target_label: str

    @property
    def active(self) -> bool:
        return self.row.cleared_at is None


def _active(session: Session, application_id: int) -> list[CaseFlagRow]:
    return list(
        session.execute(
            select(CaseFlagRow)
            .where(CaseFlagRow.application_id == application_id, CaseFlagRow.cleared_at.is_(None))
            .order_by(CaseFlagRow.id)
        ).scalars()
    )


def place(
    session: Session,
    actor: Actor,
    row: ApplicationRow,
    definition: FlagDefinitionRow,
    target: str,
    *,
    note: str = "",
    rule: str = "",
) -> CaseFlagRow | None:
    """Set the flag unless the same flag is already on that target (set, or set and cleared
    by a person: a rule does not undo a person's judgement). No permission check."""
    if not definition.active:
        raise Invalid(f"flag {definition.name!r} is no longer in use", field=("flag",))
    allowed = targets(payload_of(row), definition.level)
    if target not in allowed:
        raise Invalid(
            f"{definition.name!r} is a {definition.level} flag; choose one of: "
            + ", ".join(allowed.values()),
            field=("target",),
        )
    earlier = session.execute(
        select(CaseFlagRow).where(
            CaseFlagRow.application_id == row.id,
            CaseFlagRow.flag_id == definition.id,
            CaseFlagRow.target == target,
        )
    ).scalars()
    if any(rule or f.cleared_at is None for f in earlier):
        return None
    flag = CaseFlagRow(
        application_id=row.id,
        flag_id=definition.id,
        target=target,
        note=note.strip(),
        rule=rule,
        set_by=actor.label,
        set_at=_now(),
    )
    session.add(flag)
    audit.record(
        session,
        actor=actor.label,
        action="flag.set",
        row=flag,
        payload={
            "application": row.reference,
            "flag": definition.name,
            "target": target,
            "blocking": definition.blocking,
            "rule": rule,
            "note": flag.note,
        },
    )
    return flag


def set_flag(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    flag_id: int,
    target: str = "",
    note: str = "",
) -> CaseFlagRow:
    """An officer sets a flag by hand (a note saying why is required)."""
    require(actor, Permission.flag_set)
    row = get(session, actor, application_id)
    if row.state == State.draft.value:
        raise Conflict(f"{row.reference} is a draft; flags are set on submitted cases")
    definition = session.get(FlagDefinitionRow, flag_id)
    if definition is None:
        raise Invalid(f"no flag {flag_id}", field=("flag",))
    if not note.strip():
        raise Invalid("say why the flag is set", field=("note",))
    placed = place(session, actor, row, definition, target, note=note)
    if placed is None:
        raise Conflict(f"{definition.name!r} is already set there", field=("flag",))
    return placed


def may_clear(actor: Actor, definition: FlagDefinitionRow) -> bool:
    role = definition.cleared_by_role
    return actor.role.value == role or actor.role.value in ALSO_CLEARS.get(role, frozenset())


def clear(
    session: Session, actor: Actor, application_id: int, case_flag_id: int, reasons: str
) -> CaseFlagRow:
    """Clear a flag with reasons, as a person of the role its definition names."""
    require(actor, Permission.flag_clear)
    if not reasons.strip():
        raise Invalid("say why the flag can be cleared", field=("reasons",))
    row = get(session, actor, application_id)
    flag = session.get(CaseFlagRow, case_flag_id)
    if flag is None or flag.application_id != row.id:
        raise NotFound(f"{row.reference} has no flag {case_flag_id}")
    if flag.cleared_at is not None:
        raise Conflict(f"flag {case_flag_id} was cleared already", field=("flag",))
    definition = session.get(FlagDefinitionRow, flag.flag_id)
    assert definition is not None  # a foreign key
    if not may_clear(actor, definition):
        raise Forbidden(
            f"flag {definition.name!r} is cleared by a "
            f"{_role_words(definition.cleared_by_role)}, not a {_role_words(actor.role.value)}"
        )
    if definition.blocking and not flag.rule and flag.set_by == actor.label:
        raise Forbidden(
            f"four-eyes: {definition.name!r} was set by you; another person must clear it"
        )
    flag.cleared_at = _now()
    flag.cleared_by = actor.label
    flag.cleared_role = actor.role.value
    flag.clear_reasons = reasons.strip()
    audit.record(
        session,
        actor=actor.label,
        action="flag.clear",
        row=flag,
        payload={
            "application": row.reference,
            "flag": definition.name,
            "target": flag.target,
            "reasons": flag.clear_reasons,
        },
    )
    return flag


def on_case(session: Session, row: ApplicationRow) -> list[CaseFlag]:
    """Every flag of a case, set and cleared, oldest first."""
    found = session.execute(
        select(CaseFlagRow, FlagDefinitionRow)
        .join(FlagDefinitionRow, FlagDefinitionRow.id == CaseFlagRow.flag_id)
        .where(CaseFlagRow.application_id == row.id)
        .order_by(CaseFlagRow.id)
    ).all()
    application = payload_of(row)
    labels: dict[str, dict[str, str]] = {}
    result = []
    for flag, definition in found:
        level = labels.setdefault(definition.level, targets(application, definition.level))
        result.append(CaseFlag(flag, definition, level.get(flag.target, flag.target)))
    return result


@dataclass(frozen=True)
class Chip:
    """A flag as the queue shows it."""

    name: str
    colour: str
    blocking: bool


def chips(session: Session, application_ids: Iterable[int]) -> dict[int, list[Chip]]:
    """The active flags of several cases in one query (the queue page)."""
    ids = list(application_ids)
    result: dict[int, list[Chip]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.execute(
        select(CaseFlagRow.application_id, FlagDefinitionRow)
        .join(FlagDefinitionRow, FlagDefinitionRow.id == CaseFlagRow.flag_id)
        .where(CaseFlagRow.application_id.in_(ids), CaseFlagRow.cleared_at.is_(None))
        .order_by(CaseFlagRow.id)
    ).all()
    for application_id, definition in rows:
        chip = Chip(definition.name, definition.colour, definition.blocking)
        if chip not in result[application_id]:
            result[application_id].append(chip)
    return result


def _role_words(role: str) -> str:
    """A role as the messages say it to a person: "senior reviewer", not "senior_reviewer"."""
    return str(role).replace("_", " ")


def blocking_column() -> ColumnElement[bool]:
    """Whether a blocking flag not yet cleared is set on the case bound as ``application``,
    as a column: a decision asks it beside its other questions in one statement and calls
    :func:`refuse_if_blocked` only when there is one (issue 16, sixth round)."""
    return exists(
        select(CaseFlagRow.id)
        .join(FlagDefinitionRow, FlagDefinitionRow.id == CaseFlagRow.flag_id)
        .where(
            CaseFlagRow.application_id == bindparam("application"),
            CaseFlagRow.cleared_at.is_(None),
            FlagDefinitionRow.blocking.is_(True),
        )
    )


def refuse_if_blocked(session: Session, row: ApplicationRow) -> None:
    """The decision check: a blocking flag not yet cleared stops any decision on the case."""
    blocking = [
        (flag, session.get(FlagDefinitionRow, flag.flag_id)) for flag in _active(session, row.id)
    ]
    held = [(f, d) for f, d in blocking if d is not None and d.blocking]
    if held:
        named = "; ".join(
            f"{d.name!r}{' on ' + f.target if f.target else ''} "
            f"(cleared by a {_role_words(d.cleared_by_role)})"
            for f, d in held
        )
        raise Conflict(
            f"{row.reference} has blocking flags to clear before a decision: {named}",
            field=("flags",),
        )

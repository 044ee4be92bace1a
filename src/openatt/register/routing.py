"""Routing rules: data that puts a case in queues and sets flags, run on submission and on
every (re-)screening.

A rule is a row with a name, a tier (rules run in tier order, then by name), conditions that
must all hold, and actions. Rules are written through :class:`RuleSpec` (a strict schema: an
unknown key, a queue or flag that does not exist, a rule with no condition, are refused with the
place named) from the API, or from a YAML file with ``openatt routing load``. Changing a rule
makes its next ``rule_version``; the log keeps each version. Every time a rule applies to a case,
one ``routing.apply`` event names the rule, its version, the conditions that held and what it
did, so "why is this case in this queue?" always has an answer.

Conditions (each optional; lists match when any entry matches):

* ``destinations``: ISO 3166 alpha-3 codes of the importing (or a transit) state;
* ``control_entries``: control-list entries, matched as prefixes (``ML1`` matches ``ML1.a``);
* ``categories``: ATT categories of any item; ``kinds``: kinds of transfer;
* ``min_value``: the items' total value in one currency is at least this amount (items valued
  in another currency do not count: the register converts no currency);
* ``screening_hits``: a party hit a list entry not judged a false positive (true or false);
* ``notified_denials``: the case is essentially identical to a notified denial (consultation).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt import yaml_data
from openatt.core.model import Application, Category, TransferKind
from openatt.register import audit, canonical, casework_config, flags, queues
from openatt.register.applications import payload_of
from openatt.register.errors import Invalid
from openatt.register.models import ApplicationRow
from openatt.register.permissions import Permission, require
from openatt.register.queue_tables import RoutingRuleRow
from openatt.register.users import Actor


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Value(_Strict):
    amount: float = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Conditions(_Strict):
    destinations: tuple[str, ...] = Field(default=(), max_length=250)
    control_entries: tuple[str, ...] = Field(default=(), max_length=200)
    categories: tuple[Category, ...] = ()
    kinds: tuple[TransferKind, ...] = ()
    min_value: Value | None = None
    screening_hits: bool | None = None
    notified_denials: bool | None = None

    @model_validator(mode="after")
    def _some(self) -> Conditions:
        if not any(getattr(self, name) not in ((), None) for name in type(self).model_fields):
            raise ValueError("a rule needs at least one condition")
        for code in self.destinations:
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError(f"destinations: {code!r} is not an ISO alpha-3 code")
        return self


class Actions(_Strict):
    queues: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _some(self) -> Actions:
        if not self.queues and not self.flags:
            raise ValueError("a rule must put the case in a queue or set a flag")
        return self


class RuleSpec(_Strict):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[\w .:/()-]+$")
    tier: int = Field(default=100, ge=0, le=10_000)
    description: str = ""
    active: bool = True
    when: Conditions
    then: Actions


# --- matching (pure) ------------------------------------------------------------------------


def facts_of(row: ApplicationRow, application: Application) -> dict[str, Any]:
    """What the conditions read from a case."""
    return {
        "destinations": {application.importing_state, *application.transit_states},
        "control_entries": [(i.control_entry or "").upper() for i in application.items],
        "categories": {i.category for i in application.items},
        "kind": application.kind,
        "hits": [h for h in application.screening if not h.false_positive],
        "denials": bool(json.loads(row.consultation)),
        "items": application.items,
    }


def matches(when: Conditions, facts: dict[str, Any]) -> list[str] | None:
    """The conditions that held, in words, or ``None`` when one does not."""
    held: list[str] = []
    if when.destinations:
        found = sorted(facts["destinations"] & set(when.destinations))
        if not found:
            return None
        held.append(f"destination {', '.join(found)}")
    if when.control_entries:
        wanted = [c.upper() for c in when.control_entries]
        found = sorted({e for e in facts["control_entries"] if e and e.startswith(tuple(wanted))})
        if not found:
            return None
        held.append(f"control entry {', '.join(found)}")
    if when.categories:
        found = sorted(c.value for c in facts["categories"] & set(when.categories))
        if not found:
            return None
        held.append(f"category {', '.join(found)}")
    if when.kinds:
        if facts["kind"] not in when.kinds:
            return None
        held.append(f"kind {facts['kind'].value}")
    if when.min_value is not None:
        total = sum(
            i.value.amount
            for i in facts["items"]
            if i.value is not None and i.value.currency == when.min_value.currency
        )
        if total < when.min_value.amount:
            return None
        held.append(f"value {total:,.0f} {when.min_value.currency}")
    if when.screening_hits is not None:
        if bool(facts["hits"]) != when.screening_hits:
            return None
        held.append("screening hits" if when.screening_hits else "no screening hits")
    if when.notified_denials is not None:
        if facts["denials"] != when.notified_denials:
            return None
        held.append("a notified denial" if when.notified_denials else "no notified denial")
    return held


def flag_targets(
    level: str, when: Conditions, application: Application, facts: dict[str, Any]
) -> list[str]:
    """Where a rule's flag goes: the case; the destination; the goods that met the rule's
    goods conditions (all goods if it has none); the parties that hit a list (else the end
    user)."""
    if level == "case":
        return [""]
    if level == "destination":
        wanted = set(when.destinations) or {application.importing_state}
        return [f"destination:{c}" for c in sorted(facts["destinations"] & wanted)]
    if level == "goods":
        picked = [
            f"item:{i}"
            for i, item in enumerate(application.items)
            if (
                not when.control_entries
                or (item.control_entry or "")
                .upper()
                .startswith(tuple(c.upper() for c in when.control_entries))
            )
            and (not when.categories or item.category in when.categories)
        ]
        return picked or [f"item:{i}" for i in range(len(application.items))]
    if when.screening_hits and facts["hits"]:
        return sorted({flags.party_target(h.party_role) for h in facts["hits"]})
    return ["party:end_user"]


# --- rules as data --------------------------------------------------------------------------


def spec_of(rule: RoutingRuleRow) -> RuleSpec:
    return RuleSpec(
        name=rule.name,
        tier=rule.tier,
        description=rule.description,
        active=rule.active,
        when=Conditions.model_validate_json(rule.conditions),
        then=Actions.model_validate_json(rule.actions),
    )


def label(rule: RoutingRuleRow) -> str:
    return f"{rule.name}@v{rule.rule_version}"


def _check_references(session: Session, spec: RuleSpec) -> None:
    for name in spec.then.queues:
        queues.queue_named(session, name, field="then")
    for name in spec.then.flags:
        definition = flags.by_name(session, name)
        if definition is None or not definition.active:
            raise Invalid(f"no active flag named {name!r}", field=("then", "flags"))


def save(session: Session, actor: Actor, spec: RuleSpec) -> tuple[RoutingRuleRow, str]:
    """Create the rule, or make its next version if it changed. Returns the row and what
    happened: ``created``, ``updated`` or ``unchanged``."""
    require(actor, Permission.casework_configure)
    _check_references(session, spec)
    conditions = canonical.dumps(spec.when.model_dump(mode="json", exclude_defaults=True))
    actions = canonical.dumps(spec.then.model_dump(mode="json", exclude_defaults=True))
    now = dt.datetime.now(dt.UTC)
    rule = session.execute(select(RoutingRuleRow).where(RoutingRuleRow.name == spec.name)).scalar()
    if rule is not None and (
        rule.tier,
        rule.description,
        rule.active,
        rule.conditions,
        rule.actions,
    ) == (spec.tier, spec.description, spec.active, conditions, actions):
        return rule, "unchanged"
    outcome = "updated" if rule else "created"
    if rule is None:
        rule = RoutingRuleRow(name=spec.name, rule_version=1)
        session.add(rule)
    else:
        rule.rule_version += 1
    rule.tier, rule.description, rule.active = spec.tier, spec.description, spec.active
    rule.conditions, rule.actions = conditions, actions
    rule.updated_by, rule.updated_at = actor.label, now
    audit.record(
        session,
        actor=actor.label,
        action=f"routing.rule.{'create' if outcome == 'created' else 'update'}",
        row=rule,
        payload={"rule": spec.model_dump(mode="json"), "version": rule.rule_version},
    )
    return rule, outcome


def rules(session: Session, actor: Actor, *, active_only: bool = False) -> list[RoutingRuleRow]:
    require(actor, Permission.casework_read)
    query = select(RoutingRuleRow).order_by(RoutingRuleRow.tier, RoutingRuleRow.name)
    if active_only:
        query = query.where(RoutingRuleRow.active.is_(True))
    return list(session.execute(query).scalars())


class RulesFile(_Strict):
    rules: list[RuleSpec]


def parse_file(text: str) -> list[RuleSpec]:
    """A YAML document ``rules: [...]``; raises :class:`Invalid` naming the rule and field."""
    try:
        loaded = yaml_data.load_untrusted(text)
    except yaml.YAMLError as error:
        raise Invalid(f"not YAML: {error}".splitlines()[0], field=("file",)) from error
    try:
        return RulesFile.model_validate(loaded).rules
    except ValidationError as error:
        first = error.errors()[0]
        where = tuple(first["loc"])
        raise Invalid(f"{'.'.join(str(p) for p in where)}: {first['msg']}", field=where) from error


# --- applying the rules ---------------------------------------------------------------------

Trigger = Literal["submission", "screening", "rescreen", "officer"]


def route(session: Session, actor: Actor, row: ApplicationRow, trigger: Trigger) -> list[str]:
    """Apply the active rules (and the screening flag) to one case; returns the labels of the
    rules that applied. No permission check: it runs inside submission and screening."""
    application = payload_of(row)
    facts = facts_of(row, application)
    applied = []
    _flag_screening_hits(session, actor, row, facts)
    active = session.execute(
        select(RoutingRuleRow)
        .where(RoutingRuleRow.active.is_(True))
        .order_by(RoutingRuleRow.tier, RoutingRuleRow.name)
    ).scalars()
    for rule in list(active):
        spec = spec_of(rule)
        held = matches(spec.when, facts)
        if held is None:
            continue
        name = label(rule)
        added_queues = []
        for queue_name in spec.then.queues:
            queue = queues.queue_named(session, queue_name)
            if queues.enqueue(session, actor, row, queue, rule=name) is not None:
                added_queues.append(queue_name)
        set_flags = []
        for flag_name in spec.then.flags:
            definition = flags.by_name(session, flag_name)
            if definition is None or not definition.active:
                continue  # a flag retired after the rule was written: the event says so
            for target in flag_targets(definition.level, spec.when, application, facts):
                if flags.place(session, actor, row, definition, target, rule=name) is not None:
                    set_flags.append({"flag": flag_name, "target": target})
        audit.record(
            session,
            actor=actor.label,
            action="routing.apply",
            row=rule,
            payload={
                "application": row.reference,
                "rule": rule.name,
                "version": rule.rule_version,
                "trigger": trigger,
                "because": held,
                "queues": added_queues,
                "flags": set_flags,
            },
        )
        applied.append(name)
    return applied


def _flag_screening_hits(
    session: Session, actor: Actor, row: ApplicationRow, facts: dict[str, Any]
) -> None:
    if not facts["hits"]:
        return
    spec = casework_config.load().screening_flag
    definition = flags.ensure(session, actor, spec)
    for hit in facts["hits"]:
        note = f"{hit.party_name} ~ {hit.matched_name} ({hit.list_id} {hit.entity_id})"
        target = flags.party_target(hit.party_role) if spec.level == "party" else ""
        try:
            flags.place(session, actor, row, definition, target, note=note, rule="screening")
        except Invalid:
            continue  # a hit on a party the application no longer has


def on_submission(session: Session, actor: Actor, row: ApplicationRow) -> list[str]:
    """Submission: start the target-date clock, then route."""
    queues.open_case_work(session, actor, row)
    return route(session, actor, row, "submission")


def on_screening(
    session: Session, actor: Actor, rows: Sequence[ApplicationRow], trigger: Trigger
) -> None:
    for row in rows:
        route(session, actor, row, trigger)

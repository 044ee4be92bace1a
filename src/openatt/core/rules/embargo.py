"""Arms embargoes: is a covered item going to a covered end user while a measure is in force?

Checks, for each measure in force on the day: the direction (to the target, or the target's
own exports), the coverage (the whole state, non-state end users only, named groups and
listed parties, a region), the item categories, and the exemptions with the procedure they
require (none, a notification, or a committee's approval).
"""

from __future__ import annotations

from typing import Any

from openatt.core.findings import Finding, Outcome
from openatt.core.model import Category, EndUserKind, Item
from openatt.core.provenance import Citation
from openatt.core.rules.context import RuleContext, names_match, worst
from openatt.core.rules.params import EmbargoParams
from openatt.reference.loader import ActiveMeasure
from openatt.reference.schema import (
    CategoryDefinition,
    Coverage,
    Direction,
    Exemption,
    Measure,
    Procedure,
)

_PROCEDURE_ORDER = {Procedure.none: 0, Procedure.notification: 1, Procedure.approval: 2}
_NON_STATE = (EndUserKind.private, EndUserKind.non_state)
# authorities whose bans on imports from a target bind only their members' importers
_IMPORT_BAN_GROUPS = {"European Union": "eu"}


def _measures(ctx: RuleContext) -> list[ActiveMeasure]:
    """The measures the rule reads, limited to the legal forms it names (ATT Art. 6(2) reads
    obligations under agreements, not political declarations)."""
    forms = ctx.typed(EmbargoParams).legal_forms
    found = _all_measures(ctx)
    if forms:
        found = [m for m in found if m.measure.legal_form.value in forms]
    return found


def _all_measures(ctx: RuleContext) -> list[ActiveMeasure]:
    found: list[ActiveMeasure] = []
    # an authority may bind the licensing state only while it is a member of a group
    # (e.g. EU embargoes bound the United Kingdom until the end of 2020)
    params = ctx.typed(EmbargoParams)
    membership = params.authority_if_member
    for authority in params.authorities:
        group = membership.get(authority)
        if group and not ctx.ref.in_group(group, ctx.app.deciding_state, ctx.day):
            continue
        if authority == "regime":
            for embargo in ctx.regime.embargoes:
                found.extend(
                    ActiveMeasure(embargo, m) for m in embargo.measures if m.applies_on(ctx.day)
                )
            continue
        for target in ctx.case.destinations:
            found.extend(ctx.ref.measures_on(ctx.day, authority, target))
        # of the measures on the exporting state, only those on its own exports concern a
        # transfer it makes (an embargo on arms *to* it does not)
        exporter = ctx.app.exporting_state
        if exporter not in ctx.case.destinations:
            found.extend(
                m
                for m in ctx.ref.measures_on(ctx.day, authority, exporter)
                if m.measure.direction is Direction.from_target
            )
        found.extend(ctx.ref.measures_on(ctx.day, authority, None))
    return found


def _listed_hit(ctx: RuleContext, measure: Measure) -> str | None:
    for hit in ctx.app.screening:
        if hit.false_positive or not measure.list_prefixes:
            continue
        if any(hit.entity_id.startswith(prefix) for prefix in measure.list_prefixes):
            return f"{hit.party_role} {hit.party_name!r} matches listed {hit.entity_id} ({hit.matched_name})"
    return None


def coverage(ctx: RuleContext, active: ActiveMeasure) -> tuple[bool | None, str]:
    """Whether the measure covers this case: True, False, or None when a person must check."""
    embargo, measure = active.embargo, active.measure
    app, end_user = ctx.app, ctx.app.end_user
    target = embargo.target
    if measure.direction is Direction.from_target:
        if target != app.exporting_state:
            return False, "bars exports from the target, which is not the exporting state"
        # A Security Council measure binds every state; a regional one (an EU ban on imports
        # from the target) binds only the importers that are its members.
        group = _IMPORT_BAN_GROUPS.get(embargo.authority)
        if group and not ctx.ref.in_group(group, app.importing_state, ctx.day):
            return (
                False,
                f"an import ban of the {embargo.authority}, and {app.importing_state} is not a member",
            )
        return True, "the measure bars the target's own exports"
    in_target = target is not None and target in ctx.case.destinations
    named = _named_group(ctx, measure)
    if named and measure.coverage is not Coverage.whole_state:
        # a measure naming a group (1333 the Taliban, 1556 the Janjaweed) covers an end user
        # that is, or acts for, the group, whatever the region or the state it is given in
        return True, named
    if measure.coverage is Coverage.whole_state:
        return (
            (True, "the whole state is under embargo")
            if in_target
            else (False, "not a destination")
        )
    if measure.coverage is Coverage.non_state:
        if not in_target:
            return False, "not a destination"
        if end_user.kind in _NON_STATE:
            return (
                True,
                f"the end user is {end_user.kind.value}, and only non-state end users are covered",
            )
        duty = [
            e
            for e in measure.exemptions
            if e.applies_on(ctx.day)
            and end_user.kind in e.end_user_kinds
            and e.procedure is not Procedure.none
            # a duty limited to some items (DRC 2022: 2641's Annex A) concerns only those
            and (not e.categories or any(item.category in e.categories for _, item in ctx.items))
        ]
        if duty:
            return (
                True,
                f"supplies to the state's {end_user.kind.value} require a {duty[0].procedure.value}",
            )
        return False, "covers only non-state end users; the end user is an organ of the state"
    if measure.coverage is Coverage.region:
        if not in_target:
            return False, "not a destination"
        if not end_user.region:
            return None, f"covers only {', '.join(measure.regions)}: the region of use is not given"
        if any(names_match(end_user.region, region) for region in measure.regions):
            return True, f"the end use is in {end_user.region}, a covered region"
        return False, f"the end use in {end_user.region} is outside the covered region"
    # named groups and listed parties, wherever they are
    listed = _listed_hit(ctx, measure)
    if listed:
        return True, listed
    return False, "no party belongs to a covered group or is listed"


def _named_group(ctx: RuleContext, measure: Measure) -> str | None:
    """Why the end user is a group the measure names (by its name, the group it acts for, or a
    listing), or None."""
    end_user = ctx.app.end_user
    for label in (end_user.group, end_user.name):
        if label and any(names_match(label, group) for group in measure.groups):
            return f"the end user {label!r} is, or acts for, a group the measure names"
    return _listed_hit(ctx, measure)


def _covered_items(measure: Measure, items: tuple[tuple[int, Item], ...]) -> list[tuple[int, Item]]:
    if not measure.categories:
        return list(items)
    return [(i, item) for i, item in items if item.category in measure.categories]


def _exemption_applies(ctx: RuleContext, exemption: Exemption, item: Item) -> bool:
    if not exemption.applies_on(ctx.day):
        return False
    if exemption.categories and item.category not in exemption.categories:
        return False
    end_user = ctx.app.end_user
    if exemption.end_users:
        # only the bodies named (2713 (2023): the Federal Government's forces, not those of
        # the Federal Member States), whatever kind of state end user the applicant says
        labels = [label for label in (end_user.group, end_user.name) if label]
        named = any(names_match(label, body) for label in labels for body in exemption.end_users)
        kind_ok = not exemption.end_user_kinds or end_user.kind in exemption.end_user_kinds
        return named and kind_ok
    if exemption.end_user_kinds:
        return end_user.kind in exemption.end_user_kinds
    if exemption.beneficiaries:
        labels = [label for label in (end_user.group, end_user.name) if label]
        return any(names_match(label, exemption.beneficiaries) for label in labels)
    return False


# The UN Register's category VII (missiles and missile launchers) leaves out ground-to-air
# missiles other than MANPADS, which the ATT's category VII includes; an item classified only
# by its ATT category cannot tell the two apart.
_REGISTER_NARROWER = {Category.VII}


def _definition_gap(measure: Measure, item: Item) -> bool:
    return (
        measure.category_definition is CategoryDefinition.un_register
        and bool(measure.categories)
        and item.category in _REGISTER_NARROWER
    )


def _item_outcome(
    ctx: RuleContext, measure: Measure, item: Item
) -> tuple[Outcome, Exemption | None]:
    if _definition_gap(measure, item):
        return Outcome.unknown, None
    matching = [e for e in measure.exemptions if _exemption_applies(ctx, e, item)]
    if not matching:
        if measure.coverage is Coverage.non_state and ctx.app.end_user.kind not in _NON_STATE:
            # a state end user is reached only through a duty on some items; the others are
            # outside the measure
            return Outcome.clear, None
        return Outcome.prohibited, None
    strictest = max(matching, key=lambda e: _PROCEDURE_ORDER[e.procedure])
    if strictest.procedure is Procedure.none:
        return Outcome.clear, strictest
    return Outcome.requires_authorisation, strictest


def _measure_finding(
    ctx: RuleContext, active: ActiveMeasure, why: str, covered: list[tuple[int, Item]]
) -> Finding:
    embargo, measure = active.embargo, active.measure
    per_item: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    for index, item in covered:
        outcome, exemption = _item_outcome(ctx, measure, item)
        outcomes.append(outcome)
        entry: dict[str, Any] = {
            "item": index,
            "description": item.description,
            "outcome": outcome.value,
        }
        if outcome is Outcome.unknown:
            entry["why"] = (
                "the measure uses the UN Register's categories, whose category VII excludes "
                "ground-to-air missiles other than MANPADS: a person must check the item"
            )
        if exemption is not None:
            entry.update(
                exemption=exemption.id,
                exemption_description=exemption.description,
                procedure=exemption.procedure.value,
                committee=exemption.committee or embargo.committee,
            )
        per_item.append(entry)
    outcome = worst(outcomes)
    facts = {
        "embargo": embargo.id,
        "embargo_name": embargo.name,
        "authority": embargo.authority,
        "target": embargo.target,
        "measure": measure.id,
        "measure_description": measure.description,
        "direction": measure.direction.value,
        "coverage": measure.coverage.value,
        "legal_form": measure.legal_form.value,
        "category_definition": measure.category_definition.value,
        "in_force_from": measure.valid_from.isoformat(),
        "in_force_until": measure.valid_until.isoformat() if measure.valid_until else None,
        "why_covered": why,
        "items": per_item,
    }
    reason = {
        Outcome.prohibited: f"{embargo.authority} embargo ({embargo.name}): {why}",
        Outcome.requires_authorisation: f"{embargo.authority} embargo ({embargo.name}): allowed only "
        f"under an exemption that requires {_procedures(per_item)}",
        Outcome.clear: f"{embargo.authority} embargo ({embargo.name}) in force, but an exemption applies",
        Outcome.unknown: f"{embargo.authority} embargo ({embargo.name}): written by the UN "
        "Register's categories; a person must check whether the item falls in them",
    }[outcome]
    extra: tuple[Citation, ...] = measure.citations
    return ctx.finding(outcome, reason, facts, extra_citations=extra, source_id=measure.id)


def _procedures(per_item: list[dict[str, Any]]) -> str:
    kinds = sorted({entry["procedure"] for entry in per_item if "procedure" in entry})
    return (
        " and ".join(f"a committee {k}" if k == "approval" else f"a {k}" for k in kinds)
        or "a person's check"
    )


_LIST_AUTHORITY = {"un": "UN", "eu": "EU"}


def listed_party_findings(
    ctx: RuleContext, authorities: list[str], covered: set[str]
) -> list[Finding]:
    """A party confirmed on a list of an authority whose measures the rule applies: the
    measures against listed parties (arms measures, asset freezes) bar the transfer."""
    wanted = {_LIST_AUTHORITY.get(a, a.upper()) for a in authorities}
    findings = []
    for hit in ctx.app.screening:
        if hit.false_positive or hit.authority.upper() not in wanted or hit.entity_id in covered:
            continue
        facts = {
            "party_role": hit.party_role,
            "party_name": hit.party_name,
            "list": hit.list_id,
            "list_version": hit.list_version,
            "entity_id": hit.entity_id,
            "matched_name": hit.matched_name,
            "score": hit.score,
            "programme": hit.programme,
            "listed_on": hit.listed_on.isoformat() if hit.listed_on else None,
            "algorithm": hit.algorithm,
            "explanation": hit.explanation,
        }
        findings.append(
            ctx.finding(
                Outcome.prohibited,
                f"{hit.party_role} {hit.party_name!r} is listed by the {hit.authority} "
                f"({hit.entity_id}, {hit.matched_name}): measures against listed parties apply",
                facts,
                factors_against=(f"screening hit on {hit.list_id} scored {hit.score:.2f}",),
                source_id=f"{hit.list_id}:{hit.entity_id}",
            )
        )
    return findings


def embargo(ctx: RuleContext) -> list[Finding]:
    params = ctx.typed(EmbargoParams)
    group = params.only_if_member_of
    if group and not ctx.ref.in_group(group, ctx.app.deciding_state, ctx.day):
        return [
            ctx.finding(
                Outcome.not_applicable,
                f"the licensing state is not a member of {ctx.ref.groups[group].name} on this date",
                # the state is the application's; naming it here would make the finding
                # differ between suppliers with the same obligations
                {"group": group, "licensing_state_member": False},
            )
        ]
    if not ctx.items:
        return [ctx.finding(Outcome.not_applicable, "no item within this regime's scope")]
    findings: list[Finding] = []
    not_covering: list[dict[str, str]] = []
    for active in _measures(ctx):
        covered, why = coverage(ctx, active)
        items = _covered_items(active.measure, ctx.items)
        if covered is None and items:
            findings.append(
                ctx.finding(
                    Outcome.unknown,
                    f"{active.embargo.authority} embargo ({active.embargo.name}): {why}",
                    {"embargo": active.embargo.id, "measure": active.measure.id, "why": why},
                    extra_citations=active.measure.citations,
                    source_id=active.measure.id,
                )
            )
        elif covered and items:
            findings.append(_measure_finding(ctx, active, why, items))
        else:
            reason = why if not covered else "no covered item category"
            not_covering.append({"measure": active.measure.id, "why_not": reason})
    covered_ids = {
        hit.entity_id
        for f in findings
        for hit in ctx.app.screening
        if f.facts.get("why_covered", "").find(hit.entity_id) >= 0
    }
    findings.extend(listed_party_findings(ctx, list(params.authorities), covered_ids))
    if not findings:
        # The supplier is not named: its own export bans were checked, and a finding about
        # the destination must read the same whoever supplies (ATT Art. 7(1)).
        findings.append(
            ctx.finding(
                Outcome.clear,
                "no arms embargo in force covers this transfer",
                {
                    "destinations_checked": sorted(ctx.case.destinations),
                    "exporting_state_own_exports_checked": True,
                    "authorities": list(params.authorities),
                    "measures_in_force_not_covering": not_covering,
                },
            )
        )
    return findings

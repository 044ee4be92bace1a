"""The back-test: what the evidence mappings conclude, set against what states decided.

Run on a monitoring store whose transfers were assessed (``openatt monitor assess``) under one
mapping version, it measures four things (docs/risk-model.md):

(a) ``allies``: the share of ``deny`` among deliveries from EU member states to allies (EU and
    NATO members on the delivery date, Australia, New Zealand, Japan, South Korea, Switzerland),
    2009-2024, leaving out the relationships an act below contested;
(b) ``acts``: for each official act of the time that recognised a serious risk, every supplier's
    deliveries to its recipient in the years after it (within the kinds of item it concerned):
    the share for which at least one of the act's criteria is not ``clear``;
(c) ``defence``: deliveries to a state whose defence against an armed attack the Security
    Council or the General Assembly recognised, while it was recognised: how many are denied on
    the peace-and-security criteria;
(d) ``deny rates`` by supplier and by recipient, to compare mapping versions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from openatt.evidence.findings import FindingKind, load_findings
from openatt.evidence.practice import Practice, PracticeAct
from openatt.monitoring.audit import wilson
from openatt.monitoring.transfer import delivery_date
from openatt.reference.loader import ReferenceData

PEACE_CRITERIA = {"eu": ("eu.3", "eu.4"), "att": ("att.7.1.a",)}
"""The criteria on peace, security and armed conflict: what a recognised self-defence bears on."""
ALLY_YEARS = (2009, 2024)
NOT_CLEAR = frozenset({"concern", "risk", "prohibited", "requires_authorisation"})


@dataclass(frozen=True)
class Share:
    hits: int
    total: int

    @property
    def share(self) -> float:
        return self.hits / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.hits, self.total)

    def __str__(self) -> str:
        if not self.total:
            return "n/a (no deliveries)"
        return f"{self.share:.1%} ({self.hits} of {self.total})"


@dataclass(frozen=True)
class Row:
    supplier: str
    recipient: str
    year: int
    category: str
    regime: str
    recommendation: str
    outcomes: dict[str, str]


@dataclass
class ActResult:
    act: PracticeAct
    regime: str
    flagged: Share


@dataclass
class Backtest:
    mapping: str
    regimes: tuple[str, ...]
    allies: dict[str, Share] = field(default_factory=dict)
    acts: list[ActResult] = field(default_factory=list)
    defence: dict[str, Share] = field(default_factory=dict)
    defence_deny: dict[str, Share] = field(default_factory=dict)
    by_supplier: dict[str, dict[str, Share]] = field(default_factory=dict)
    by_recipient: dict[str, dict[str, Share]] = field(default_factory=dict)

    def acts_share(self, regime: str, independent: bool = False) -> Share:
        """(b) over every act, or only over acts the mapping does not itself read."""
        chosen = [
            r for r in self.acts if r.regime == regime and not (independent and r.act.also_evidence)
        ]
        return Share(sum(r.flagged.hits for r in chosen), sum(r.flagged.total for r in chosen))


def _rows(con: duckdb.DuckDBPyConnection) -> list[Row]:
    found = con.execute(
        "SELECT t.supplier_state, t.recipient_state, t.delivery_year, t.category, r.regime,"
        " r.recommendation, r.criterion_outcomes FROM results r JOIN transfers t"
        " ON t.id = r.transfer_id"
    ).fetchall()
    return [
        Row(str(s), str(rc), int(y), str(c), str(reg), str(rec), json.loads(o))
        for s, rc, y, c, reg, rec, o in found
    ]


def _is_ally(reference: ReferenceData, practice: Practice, state: str, day: dt.date) -> bool:
    if state in practice.allies.states:
        return True
    return any(reference.in_group(group, state, day) for group in practice.allies.groups)


def _in_act(act: PracticeAct, row: Row) -> bool:
    in_scope = act.scope is None or row.category in {c.value for c in act.scope}
    return row.recipient == act.recipient and row.year in act.deliveries and in_scope


def backtest(
    con: duckdb.DuckDBPyConnection, reference: ReferenceData, practice: Practice, mapping: str
) -> Backtest:
    """The four measures on the store's stored results (assessed under ``mapping``)."""
    rows = _rows(con)
    regimes = tuple(sorted({r.regime for r in rows}))
    result = Backtest(mapping=mapping, regimes=regimes)
    contested = {(a.recipient, y) for a in practice.acts for y in a.deliveries}
    ally_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    supplier_counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    recipient_counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    memberships: dict[tuple[str, int], tuple[bool, bool]] = {}
    for row in rows:
        denied = row.recommendation == "deny"
        for counts in (
            supplier_counts[row.regime][row.supplier],
            recipient_counts[row.regime][row.recipient],
        ):
            counts[0] += denied
            counts[1] += 1
        if not ALLY_YEARS[0] <= row.year <= ALLY_YEARS[1] or row.supplier == row.recipient:
            continue
        if (row.recipient, row.year) in contested:
            continue
        key = (row.supplier + ":" + row.recipient, row.year)
        known = memberships.get(key)
        if known is None:
            day = delivery_date(row.year)
            known = memberships[key] = (
                reference.in_group("eu", row.supplier, day),
                _is_ally(reference, practice, row.recipient, day),
            )
        if all(known):
            ally_counts[row.regime][0] += denied
            ally_counts[row.regime][1] += 1
    result.allies = {reg: Share(*ally_counts[reg]) for reg in regimes}
    for act in practice.acts:
        for regime in regimes:
            criteria = act.criteria.get(regime, ())
            if not criteria:
                continue
            # a delivery outside the regime's scope (every criterion not applicable) is not counted
            chosen = [
                r
                for r in rows
                if r.regime == regime
                and _in_act(act, r)
                and any(r.outcomes.get(c, "not_applicable") != "not_applicable" for c in criteria)
            ]
            hits = sum(any(r.outcomes.get(c) in NOT_CLEAR for c in criteria) for r in chosen)
            result.acts.append(ActResult(act, regime, Share(hits, len(chosen))))
    defences = [
        f
        for f in load_findings("official-findings-v1").findings
        if f.kind is FindingKind.self_defence
    ]
    for regime in regimes:
        peace = PEACE_CRITERIA.get(regime, ())
        chosen = [
            r
            for r in rows
            if r.regime == regime
            and any(f.state == r.recipient and f.in_force(delivery_date(r.year)) for f in defences)
        ]
        on_peace = sum(any(r.outcomes.get(c) == "risk" for c in peace) for r in chosen)
        result.defence[regime] = Share(on_peace, len(chosen))
        result.defence_deny[regime] = Share(
            sum(r.recommendation == "deny" for r in chosen), len(chosen)
        )
    result.by_supplier = {
        reg: {k: Share(*v) for k, v in counts.items()} for reg, counts in supplier_counts.items()
    }
    result.by_recipient = {
        reg: {k: Share(*v) for k, v in counts.items()} for reg, counts in recipient_counts.items()
    }
    return result

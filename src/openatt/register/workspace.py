"""The officer's assessment workspace: the findings lined up by topic across regimes, and the
judgements and mitigations an officer records on them, the engine re-run at once.

The grid's rows are topics (the ``Topic`` values the law's rules weigh, grouped as an officer
reads them); its columns are the regimes assessed; a cell holds the findings of that regime's
rules on that topic. A rule weighing several topics (EU criterion 2 reads human rights and
IHL) stands in each of their rows, so that every regime's answer to one question is side by
side. Prohibitions and authorisations form their own row whatever they read; scope,
mitigation and the overall tests the last one.

A judgement is officer evidence (kind ``officer``, its author the logged-in user, never a
field of the payload) on a topic (all regimes' rules on it) or on one rule id. "Not relevant
because ..." is recorded as evidence of remote likelihood and minor severity whose note says
why: every regime's threshold reads remote as no more than a remote risk, so the finding
becomes ``clear`` with the officer's reason in its facts, unless other evidence on the same
criterion weighs more (to discount indicator evidence, reject its offer instead).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from openatt.core.findings import Assessment, Finding, Outcome
from openatt.core.model import Evidence, EvidenceKind, Likelihood, Mitigation, Severity, Topic
from openatt.core.rules.context import worst
from openatt.register.assessor import Assessor, default_regimes
from openatt.register.errors import Invalid
from openatt.register.models import AssessmentRow
from openatt.register.users import Actor


@dataclass(frozen=True)
class TopicRow:
    key: str
    label: str
    topics: tuple[str, ...]


TOPIC_ROWS: tuple[TopicRow, ...] = (
    TopicRow("prohibitions", "Embargoes and prohibitions", ()),
    TopicRow("ihl", "International humanitarian law", (Topic.ihl, Topic.atrocity_crimes)),
    TopicRow(
        "human_rights",
        "Human rights and internal repression",
        (Topic.human_rights, Topic.internal_repression, Topic.gender_based_violence),
    ),
    TopicRow(
        "peace_security",
        "Peace and security, regional stability",
        (
            Topic.peace_security,
            Topic.regional_stability,
            Topic.national_security,
            Topic.international_behaviour,
        ),
    ),
    TopicRow("internal_conflict", "Internal conflict", (Topic.internal_conflict,)),
    TopicRow("terrorism_crime", "Terrorism and crime", (Topic.terrorism, Topic.organised_crime)),
    TopicRow("diversion", "Diversion", (Topic.diversion, Topic.corruption)),
    TopicRow("development", "Development", (Topic.development,)),
    TopicRow("other", "Scope, mitigation and the overall test", ()),
)
JUDGED_ROWS = tuple(r for r in TOPIC_ROWS if r.topics)
_SETTLED = frozenset({Outcome.clear, Outcome.not_applicable})


@dataclass(frozen=True)
class RuleInfo:
    kind: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class GridRow:
    row: TopicRow
    cells: dict[str, tuple[Finding, ...]]
    rules: tuple[str, ...]

    def outcome(self, regime: str) -> Outcome | None:
        found = self.cells.get(regime, ())
        return worst([f.outcome for f in found]) if found else None

    @property
    def folded(self) -> bool:
        """Nothing here stands in the way: every finding clear or not applicable."""
        return all(f.outcome in _SETTLED for found in self.cells.values() for f in found)


@dataclass(frozen=True)
class TopicGrid:
    regimes: tuple[tuple[str, str], ...]
    rows: tuple[GridRow, ...]


def _rows_of(info: RuleInfo | None) -> list[str]:
    if info is None:
        return ["other"]
    if info.kind in ("prohibition", "authorisation"):
        return ["prohibitions"]
    keys = [r.key for r in JUDGED_ROWS if set(r.topics) & set(info.topics)]
    return keys or ["other"]


def topic_grid(assessments: Sequence[Assessment], rules: Mapping[str, RuleInfo]) -> TopicGrid:
    """The findings of one assessment run, by topic (rows) and regime (columns)."""
    regimes = tuple((a.regime, a.regime_title) for a in assessments)
    cells: dict[str, dict[str, list[Finding]]] = {r.key: {} for r in TOPIC_ROWS}
    order: dict[str, list[str]] = {r.key: [] for r in TOPIC_ROWS}
    for assessment in assessments:
        for finding in assessment.findings:
            for key in _rows_of(rules.get(finding.criterion)):
                cells[key].setdefault(assessment.regime, []).append(finding)
                if finding.criterion not in order[key]:
                    order[key].append(finding.criterion)
    rows = tuple(
        GridRow(r, {k: tuple(v) for k, v in cells[r.key].items()}, tuple(order[r.key]))
        for r in TOPIC_ROWS
        if cells[r.key]
    )
    return TopicGrid(regimes, rows)


@functools.cache
def rule_index() -> dict[str, RuleInfo]:
    """Each rule of the law with its kind and topics (the law is read once per process)."""
    from openatt.law.loader import default_law

    return {
        rule.id: RuleInfo(rule.kind.value, tuple(t.value for t in rule.topics))
        for regime in default_law().regimes.values()
        for rule in regime.rules
    }


# -- judgements ----------------------------------------------------------------------------------

NOT_RELEVANT_SOURCE = "Officer's judgement: not relevant to this case"


@dataclass(frozen=True)
class Judgement:
    """The officer's judgement on one criterion (a topic, or one rule id)."""

    criterion: str
    likelihood: Likelihood
    severity: Severity
    source: str
    reasons: str
    date: dt.date
    not_relevant: bool = False

    def evidence(self, author: str) -> Evidence:
        return Evidence(
            criterion=self.criterion,
            likelihood=self.likelihood,
            severity=self.severity,
            source=self.source,
            date=self.date,
            author=author,
            kind=EvidenceKind.officer,
            note=self.reasons,
        )


_Choice = TypeVar("_Choice", Likelihood, Severity)


def _choice(kind: type[_Choice], text: str, field: tuple[str | int, ...], what: str) -> _Choice:
    try:
        return kind(text)
    except ValueError:
        options = ", ".join(v.value for v in kind)
        raise Invalid(f"choose the {what}: one of {options}", field=field) from None


def judgement(
    *,
    criterion: str,
    likelihood: str = "",
    severity: str = "",
    source: str = "",
    reasons: str = "",
    date: dt.date | None = None,
    not_relevant: str = "",
    known_rules: frozenset[str] = frozenset(),
    field: tuple[str | int, ...] = (),
    today: dt.date | None = None,
) -> Judgement:
    """A judgement from the values of a form or a request body, or :class:`Invalid` naming the
    field (``field`` + the value's name). Either "not relevant because ..." or likelihood,
    severity, source and reasons; dated no later than today (by default today)."""
    day = today or dt.date.today()
    if criterion not in Topic.__members__ and criterion not in known_rules:
        raise Invalid(
            f"{criterion!r} is neither a topic nor a rule of the law", field=(*field, "criterion")
        )
    when = date or day
    if when > day:
        raise Invalid("a judgement cannot be dated in the future", field=(*field, "date"))
    if not_relevant.strip():
        return Judgement(
            criterion=criterion,
            likelihood=Likelihood.remote,
            severity=Severity.minor,
            source=NOT_RELEVANT_SOURCE,
            reasons=f"Not relevant because {not_relevant.strip()}",
            date=when,
            not_relevant=True,
        )
    chosen_likelihood = _choice(Likelihood, likelihood, (*field, "likelihood"), "likelihood")
    chosen_severity = _choice(Severity, severity, (*field, "severity"), "severity")
    if not source.strip():
        raise Invalid("name the sources the judgement rests on", field=(*field, "source"))
    if not reasons.strip():
        raise Invalid("give the reasons for the judgement", field=(*field, "reasons"))
    return Judgement(
        criterion=criterion,
        likelihood=chosen_likelihood,
        severity=chosen_severity,
        source=source.strip(),
        reasons=reasons.strip(),
        date=when,
    )


def record(
    session: Session,
    actor: Actor,
    application_id: int,
    assessor: Assessor,
    judgements: Sequence[Judgement],
    mitigations: Sequence[Mitigation] = (),
    *,
    expected_version: int | None = None,
) -> AssessmentRow:
    """Add the officer's judgements (as evidence by ``actor``) and mitigations to the case and
    assess it again at once, through the register's reassessment (ATT 7.7): one run, its
    events in the chain, the earlier assessment kept and linked."""
    from openatt.register.assessing import latest_assessment, reassess

    if not judgements and not mitigations:
        raise Invalid("record at least one judgement or mitigation", field=("judgements",))
    said = [
        f"{j.criterion} ({'not relevant' if j.not_relevant else j.likelihood.value})"
        for j in judgements
    ]
    said += [f"mitigation: {m.description} ({m.credibility.value})" for m in mitigations]
    previous = latest_assessment(session, application_id)
    regimes = previous.regimes.split(",") if previous is not None else list(default_regimes())
    return reassess(
        session,
        actor,
        application_id,
        assessor,
        reason="Officer's judgement recorded: " + "; ".join(said),
        evidence=[j.evidence(actor.username) for j in judgements],
        mitigations=mitigations,
        regimes=regimes,
        expected_version=expected_version,
    )

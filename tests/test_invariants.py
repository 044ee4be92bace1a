"""Invariants of the engine, tested with generated applications (hypothesis).

- A prohibited transfer is never recommended for approval.
- The same facts about a recipient give the same findings whoever the supplier is, among
  suppliers with the same obligations (ATT Art. 7(1), "objective and non-discriminatory").
- The same input always gives the same output.
- Every finding cites its source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openatt.core.engine import Engine
from openatt.core.findings import Assessment, Outcome, Recommendation
from openatt.core.model import (
    Application,
    Category,
    EndUserKind,
    Evidence,
    Likelihood,
    Severity,
    Topic,
    TransferKind,
)

ENGINE = Engine.default()
REGIMES = ("att", "eu", "us", "uk")
DESTINATIONS = [
    "SOM",
    "PRK",
    "IRN",
    "LBN",
    "CIV",
    "LBY",
    "SYR",
    "NOR",
    "BRA",
    "SSD",
    "CUB",
    "YEM",
    "COD",
    "IND",
]
SUPPLIERS = ["FRA", "DEU", "GBR", "USA", "CHN", "RUS", "BRA", "ZAF", "KOR", "IRN", "NOR", "TUR"]

# evidence names a topic or a rule (every finding lists the later evidence naming its rule)
CRITERIA = [t.value for t in Topic] + sorted(
    {rule.id for regime in REGIMES for rule in ENGINE.law.regime(regime).rules}
)
evidence_st = st.fixed_dictionaries(
    {
        "criterion": st.sampled_from(CRITERIA),
        "likelihood": st.sampled_from([lk.value for lk in Likelihood]),
        "severity": st.sampled_from([s.value for s in Severity]),
        "source": st.just("generated assessment"),
        "date": st.dates(dt.date(1990, 1, 1), dt.date(2026, 1, 1)),
    }
)
item_st = st.fixed_dictionaries(
    {
        "description": st.just("item"),
        "category": st.sampled_from([c.value for c in Category]),
        "quantity": st.integers(1, 1000),
        "control_entry": st.sampled_from([None, "ML1", "ML7", "USML I"]),
    }
)


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    destination = draw(st.sampled_from(DESTINATIONS))
    supplier = draw(st.sampled_from([s for s in SUPPLIERS if s != destination]))
    kind = draw(st.sampled_from([k.value for k in EndUserKind]))
    return {
        "kind": "export",
        "date": draw(st.dates(dt.date(1991, 1, 1), dt.date(2026, 11, 1))),
        "exporting_state": supplier,
        "importing_state": destination,
        "exporter": {"name": "Supplier", "country": supplier},
        "consignee": {"name": "Consignee", "country": destination},
        "end_user": {
            "name": "End user",
            "country": destination,
            "kind": kind,
            "group": draw(
                st.sampled_from(
                    [None, "Al-Shabaab", "ISIL (Da'esh)", "Hizballah", "a local militia"]
                )
            ),
            "region": draw(st.sampled_from([None, "Darfur", "North Kivu", "Tripoli"])),
        },
        "end_use": "generated",
        "items": draw(st.lists(item_st, min_size=1, max_size=3)),
        "documents": draw(
            st.lists(
                st.sampled_from([{"kind": "end_user_certificate"}, {"kind": "re_export_clause"}]),
                max_size=2,
                unique_by=lambda d: d["kind"],
            )
        ),
        "evidence": draw(st.lists(evidence_st, max_size=6)),
    }


def _about_recipient(assessment: Assessment) -> list[tuple[str, str, str]]:
    """Findings with supplier-attached facts removed: the part that must not depend on who supplies."""
    regime = ENGINE.law.regime(assessment.regime)
    supplier_rules = {r.id for r in regime.rules if r.supplier_obligation}
    return sorted(
        (f.criterion, f.outcome.value, f.source_id or "")
        for f in assessment.findings
        if f.criterion not in supplier_rules and f.facts.get("direction") != "from_target"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications())
def test_prohibited_is_never_approved(raw: dict[str, Any]) -> None:
    app = Application.model_validate(raw)
    for assessment in ENGINE.assess(app, REGIMES):
        if any(f.outcome in (Outcome.prohibited, Outcome.risk) for f in assessment.findings):
            assert assessment.recommendation is Recommendation.deny
        if any(f.outcome is Outcome.prohibited for f in assessment.findings):
            assert assessment.recommendation not in (
                Recommendation.approve,
                Recommendation.approve_with_conditions,
            )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications(), st.data())
def test_supplier_does_not_change_findings_about_the_recipient(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    """Swap the supplier for another that is not itself under an arms measure; findings about
    the recipient stay the same under every regime (the regimes' binding may differ)."""
    app = Application.model_validate(raw)
    day = app.date
    clean = [
        s
        for s in SUPPLIERS
        if s != app.importing_state
        and not ENGINE.reference.measures_on(day, "un", s)
        and not ENGINE.reference.measures_on(day, "eu", s)
    ]
    if app.exporting_state not in clean or len(clean) < 2:
        return
    other = data.draw(st.sampled_from([s for s in clean if s != app.exporting_state]))
    swapped = app.model_copy(
        update={
            "exporting_state": other,
            "exporter": app.exporter.model_copy(update={"country": other}),
        }
    )
    for first, second in zip(
        ENGINE.assess(app, REGIMES), ENGINE.assess(swapped, REGIMES), strict=True
    ):
        assert _about_recipient(first) == _about_recipient(second)


@settings(max_examples=60, deadline=None)
@given(applications())
def test_same_input_same_output(raw: dict[str, Any]) -> None:
    first = [
        a.model_dump(mode="json") for a in ENGINE.assess(Application.model_validate(raw), REGIMES)
    ]
    again = [
        a.model_dump(mode="json") for a in ENGINE.assess(Application.model_validate(raw), REGIMES)
    ]
    assert first == again


@settings(max_examples=100, deadline=None)
@given(applications())
def test_every_finding_cites_its_source(raw: dict[str, Any]) -> None:
    for assessment in ENGINE.assess(Application.model_validate(raw), REGIMES):
        assert assessment.findings
        for finding in assessment.findings:
            assert finding.citations, finding.criterion
            assert all(len(c.instrument) >= 3 for c in finding.citations)
            assert finding.criterion in {r.id for r in ENGINE.law.regime(assessment.regime).rules}


MEMO_ENGINE = ENGINE.memoising(whole_regimes=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications(), st.data())
def test_a_memo_never_changes_an_assessment(raw: dict[str, Any], data: st.DataObject) -> None:
    """An engine with a memo (one memo for every example, as in a batch) gives exactly the
    plain engine's assessments, for an application and for variants of it that share its
    evidence objects and so hit the memo: other suppliers, item categories, end users."""
    app = Application.model_validate(raw)
    variants = [app]
    for supplier in data.draw(st.lists(st.sampled_from(SUPPLIERS), max_size=3)):
        variants.append(
            app.model_copy(
                update={
                    "exporting_state": supplier,
                    "exporter": app.exporter.model_copy(update={"country": supplier}),
                }
            )
        )
    category = data.draw(st.sampled_from(list(Category)))
    items = tuple(item.model_copy(update={"category": category}) for item in app.items)
    variants.append(app.model_copy(update={"items": items}))
    kind = data.draw(st.sampled_from(list(EndUserKind)))
    variants.append(
        app.model_copy(update={"end_user": app.end_user.model_copy(update={"kind": kind})})
    )
    transit = data.draw(st.sampled_from(["LBY", "FRA", "SYR"]))
    if transit not in (app.exporting_state, app.importing_state):
        variants.append(app.model_copy(update={"transit_states": (transit,)}))
    variants.append(app.model_copy(update={"kind": TransferKind.import_}))
    variants.append(app.model_copy(update={"evidence": app.evidence[1:]}))
    variants.append(app.model_copy(update={"documents": app.documents[1:]}))
    later = Evidence(
        criterion=data.draw(st.sampled_from(CRITERIA)),
        likelihood=Likelihood.likely,
        severity=Severity.serious,
        source="received after the decision date",
        date=app.date + dt.timedelta(days=30),
    )
    variants.append(app.model_copy(update={"evidence": (*app.evidence, later)}))
    for variant in variants:
        plain = [a.model_dump(mode="json") for a in ENGINE.assess(variant, REGIMES)]
        memo = [a.model_dump(mode="json") for a in MEMO_ENGINE.assess(variant, REGIMES)]
        assert memo == plain
    assert MEMO_ENGINE.memo is not None and MEMO_ENGINE.memo.hits > 0

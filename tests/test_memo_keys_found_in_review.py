"""Two gaps in the memo keys found in review (2026-12-05), each a pair of cases that an
engine with a memo assessed differently from a fresh engine:

* an overlay's own ban on a state's exports (a ban on imports from it, as the UK's sanctions
  regulations have) was left out of the embargo rule's supplier key, so a supplier under the
  ban and one not shared a key: the first assessed decided both (a deny became an approve);
* every finding lists the evidence dated after the decision day that names its rule, but
  only the risk and diversion keys held it: the scope, embargo, regulate, mitigation and
  overriding findings listed the later evidence of whichever case filled the memo first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openatt.core.engine import Engine, engine_with_overlays
from openatt.core.loading import parse_applications
from openatt.core.model import Application, Evidence, Likelihood, Severity

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2022, 6, 1)

OVERLAY = """\
id: uk.importban
title: UK criteria with a ban on imports from one state (test overlay)
base: uk
valid_from: 2014-03-25
citations:
  - {instrument: test overlay, provision: "reg. 1"}
binding:
  kind: states
  states: [GBR]
  description: the United Kingdom's licences
embargoes:
  - id: uk.importban.ven
    name: Import ban (test)
    authority: United Kingdom
    target: VEN
    measures:
      - id: uk.importban.ven.2021
        description: The import of military goods from the target is prohibited.
        direction: from_target
        coverage: whole_state
        valid_from: 2021-01-01
        citations:
          - {instrument: test overlay, provision: "reg. 2"}
"""


def _import_from(exporter: str) -> Application:
    return Application.model_validate(
        {
            "id": f"import-from-{exporter}",
            "kind": "import",
            "date": DAY,
            "exporting_state": exporter,
            "importing_state": "GBR",
            "exporter": {"name": "State Arms Co", "country": exporter},
            "consignee": {"name": "Ministry of Defence", "country": "GBR"},
            "end_user": {"name": "British Army", "country": "GBR", "kind": "armed_forces"},
            "end_use": "training",
            "items": [
                {"description": "rifles", "category": "VIII", "control_entry": "ML1", "quantity": 1}
            ],
            "documents": [{"kind": "end_user_certificate", "verified": True}],
        }
    )


def _dumped(engine: Engine, app: Application, regimes: list[str]) -> list[object]:
    return [a.model_dump(mode="json") for a in engine.assess(app, regimes)]


@pytest.mark.parametrize("whole", [False, True])
@pytest.mark.parametrize("first", ["CHL", "VEN"])
def test_an_overlay_ban_on_the_exporters_own_exports_is_in_the_key(
    tmp_path: Path, whole: bool, first: str
) -> None:
    path = tmp_path / "importban.yaml"
    path.write_text(OVERLAY, "utf-8")
    base = engine_with_overlays([path])
    fresh = Engine(base.law, base.reference)
    memo = base.memoising(whole_regimes=whole)
    regimes = ["uk.importban"]
    banned, free = _import_from("VEN"), _import_from("CHL")
    assert fresh.assess(banned, regimes)[0].recommendation.value == "deny"
    assert fresh.assess(free, regimes)[0].recommendation.value != "deny"
    order = [banned, free] if first == "VEN" else [free, banned]
    for app in order:
        assert _dumped(memo, app, regimes) == _dumped(fresh, app, regimes), app.id
    if whole:
        assert memo.judgment_key(banned, regimes) != memo.judgment_key(free, regimes)


@pytest.mark.parametrize("whole", [False, True])
def test_later_evidence_naming_any_rule_is_in_its_key(whole: bool) -> None:
    text = (ROOT / "examples" / "04-lebanon-government.yaml").read_text("utf-8")
    app = parse_applications(text, "04-lebanon-government.yaml")[0]
    later = tuple(
        Evidence(
            criterion=rule,
            likelihood=Likelihood.likely,
            severity=Severity.serious,
            source="report received after the decision",
            date=app.date + dt.timedelta(days=30),
        )
        for rule in ("att.6.1", "att.2.1", "att.7.2", "att.7.3", "att.9")
    )
    with_later = app.model_copy(update={"id": "with-later", "evidence": (*app.evidence, *later)})
    fresh = Engine.default()
    for order in ([app, with_later], [with_later, app]):
        memo = Engine.default().memoising(whole_regimes=whole)
        for case in order:
            assert _dumped(memo, case, ["att"]) == _dumped(fresh, case, ["att"]), case.id
    listed = {
        f.criterion
        for f in fresh.assess(with_later, ["att"])[0].findings
        if "evidence_after_decision_date_ignored" in f.facts
    }
    assert {"att.6.1", "att.2.1", "att.7.2", "att.7.3", "att.9"} <= listed


def test_a_conditions_wording_follows_the_rule_version_applied() -> None:
    """A rule version that words the condition anew (its ``params``, as the evaluators read
    them: the rule's, then the version's) is the one an approval's conditions quote; before,
    only the rule's own ``condition`` was read (noticed in review, 2026-12-05)."""
    from openatt.core.engine import _conditions
    from openatt.core.findings import Finding, Outcome

    engine = Engine.default()
    regime = engine.law.regime("us")
    rule = next(r for r in regime.rules if r.params.get("condition"))
    assert regime.rule(rule.id) is rule  # looked up once, as the engine will have
    old = rule.versions[-1]
    new = old.model_copy(update={"params": {**old.params, "condition": "the version's wording"}})
    reworded = rule.model_copy(update={"versions": (*rule.versions[:-1], new)})
    changed = regime.model_copy(
        update={"rules": tuple(reworded if r.id == rule.id else r for r in regime.rules)}
    )
    # a copy keeps the original's rules by id if it already looked one up: look up afresh
    changed.__dict__.pop("_rules_by_id", None)
    text = (ROOT / "examples" / "06-transit-diversion-risk.yaml").read_text("utf-8")
    app = parse_applications(text, "06.yaml")[0].model_copy(update={"documents": ()})
    concern = Finding(
        criterion=rule.id,
        title=rule.title,
        outcome=Outcome.concern,
        reason="a concern",
        citations=old.citations,
    )
    day = max(new.valid_from, app.date)
    assert "the version's wording" in _conditions(app, changed, [concern], day)
    assert str(rule.params["condition"]) in _conditions(app, regime, [concern], day)

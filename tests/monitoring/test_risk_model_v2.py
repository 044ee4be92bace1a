"""Evidence mapping v2: each criterion reads what its text asks for (issue 18).

On the real indicator files: the kind of item weighs; coalition partners on a host
government's side are not read as aggressors; a recognised self-defence is read in the
recipient's favour; cited findings count only from their date; contributing factors never alone
reach a risk threshold; v1 stays as it was, to reproduce earlier runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.findings import Outcome
from openatt.core.model import Category, Evidence, Likelihood, Severity
from openatt.evidence.findings import load_findings
from openatt.evidence.mapping import (
    MAPPINGS,
    Band,
    Rule,
    UnknownMapping,
    load_mapping,
    mapping_name,
)
from openatt.evidence.offer import indicator_evidence, offers_about
from openatt.evidence.providers import load_indicators
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import Signature, application_for


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


def _on(evidence: tuple[Evidence, ...], topic: str, source: str = "") -> list[Evidence]:
    return [e for e in evidence if e.criterion == topic and e.source.startswith(source)]


def _eu(sig: Signature, tables: dict[str, IndicatorTable], mapping: str) -> dict[str, Outcome]:
    evidence = indicator_evidence(
        sig.recipient, sig.date, tables, mapping, (Category(sig.category),)
    )
    (assessment,) = Engine.default().assess(application_for(sig, evidence), ["eu"])
    return {f.criterion: f.outcome for f in assessment.findings}


def test_every_mapping_loads_and_names_resolve() -> None:
    assert [load_mapping(name).id for name in MAPPINGS] == list(MAPPINGS)
    assert mapping_name("v1") == mapping_name("1") == "indicator-mapping-v1"
    assert mapping_name("indicator-mapping-v2.yaml") == "indicator-mapping-v2"
    with pytest.raises(UnknownMapping, match="choose one of"):
        mapping_name("v9")


def test_a_contributing_rule_may_not_reach_a_risk_threshold() -> None:
    band = Band(
        test=">= 1",
        likelihood=Likelihood.likely,
        severity=Severity.serious,
        threshold="FSI 1 or more",
    )
    with pytest.raises(ValueError, match="contributing rule"):
        Rule(
            id="fsi.x",
            indicator="fsi",
            variables=("total",),
            aggregate="max",
            criteria=("diversion",),  # type: ignore[arg-type]
            reason="a reason long enough",
            bands=(band,),
            contributing=True,
        )
    for rule in load_mapping("v2").rules:
        if "diversion" in [t.value for t in rule.criteria]:
            assert rule.contributing, rule.id


def test_the_item_weighs_for_internal_repression(tables: dict[str, IndicatorTable]) -> None:
    day = dt.date(2016, 7, 1)  # Brazil: PTS 4 in 2015
    submarine = indicator_evidence("BRA", day, tables, "v2", (Category.VI,))
    rifles = indicator_evidence("BRA", day, tables, "v2", (Category.VIII,))
    assert {e.likelihood for e in _on(submarine, "internal_repression", "Political")} == {
        Likelihood.remote
    }
    assert {e.likelihood for e in _on(rifles, "internal_repression", "Political")} == {
        Likelihood.likely
    }
    v1 = indicator_evidence("BRA", day, tables, "v1", (Category.VI,))
    assert {e.likelihood for e in _on(v1, "internal_repression", "Political")} == {
        Likelihood.likely
    }
    # the most relevant item of the case counts
    both = indicator_evidence("BRA", day, tables, "v2", (Category.VI, Category.VIII))
    assert {e.likelihood for e in _on(both, "internal_repression", "Political")} == {
        Likelihood.likely
    }


def test_a_coalition_partner_is_not_an_aggressor(tables: dict[str, IndicatorTable]) -> None:
    """The UK fights beside Iraq's government against IS (2014-): v1 read it as a likely,
    grave risk to peace and security; v2 reads it as none, and eu.4 is clear."""
    sig = Signature("FRA", "GBR", "armed_forces", "", "IV", 2016)
    assert _eu(sig, tables, "v1")["eu.4"] is Outcome.risk
    assert _eu(sig, tables, "v2")["eu.4"] is Outcome.clear


def test_recognised_self_defence_is_read_in_favour(tables: dict[str, IndicatorTable]) -> None:
    sig = Signature("DEU", "UKR", "armed_forces", "", "II", 2023)
    outcomes = _eu(sig, tables, "v2")
    assert outcomes["eu.4"] is Outcome.clear and outcomes["eu.3"] is Outcome.clear
    offered = offers_about("UKR", sig.date, tables, "v2", (Category.II,))
    interstate = next(o for o in offered if o.rule == "acd.interstate_conflict")
    assert interstate.value == 2.0  # a war with Russia in 2022, read in Ukraine's favour
    assert all(e.likelihood is Likelihood.remote for e in interstate.evidence)
    assert "ES-11/1" in (interstate.evidence[0].note or "")
    # before the Assembly's resolution (2 March 2022) the conflict is weighed as it is
    assert not load_findings("official-findings-v1").about("UKR", dt.date(2022, 3, 1))
    assert load_findings("official-findings-v1").about("UKR", dt.date(2022, 3, 2))


def test_recognised_aggression_weighs_against(tables: dict[str, IndicatorTable]) -> None:
    later = indicator_evidence("RUS", dt.date(2023, 7, 1), tables, "v2", (Category.I,))
    found = [e for e in _on(later, "peace_security") if "aggression" in (e.note or "")]
    assert found and found[0].likelihood is Likelihood.very_likely
    assert found[0].date == dt.date(2022, 3, 2) <= dt.date(2023, 7, 1)
    earlier = indicator_evidence("RUS", dt.date(2022, 3, 1), tables, "v2", (Category.I,))
    assert not [e for e in _on(earlier, "peace_security") if "aggression" in (e.note or "")]


def test_conduct_abroad_is_read_from_cited_findings(tables: dict[str, IndicatorTable]) -> None:
    """UCDP counts killings on the country's own territory: Saudi Arabia's are none, but the
    UN Panel of Experts on Yemen found the coalition's air strikes violated IHL (S/2016/73)."""
    before = indicator_evidence("SAU", dt.date(2015, 7, 1), tables, "v2", (Category.IV,))
    after = indicator_evidence("SAU", dt.date(2017, 7, 1), tables, "v2", (Category.IV,))
    assert all(e.likelihood is Likelihood.remote for e in _on(before, "ihl"))
    panel = [e for e in _on(after, "ihl") if "S/2016/73" in e.source]
    assert panel and panel[0].likelihood is Likelihood.likely
    assert panel[0].severity is Severity.grave
    sig = Signature("USA", "SAU", "armed_forces", "", "IV", 2017)
    assert _eu(sig, tables, "v2")["eu.2"] is Outcome.risk


def test_every_finding_is_cited_and_checked() -> None:
    findings = load_findings("official-findings-v1").findings
    assert findings
    for finding in findings:
        assert finding.checked.against and finding.checked.on <= dt.date.today()
        assert finding.act.date <= finding.from_


def test_wilson_bounds_contain_the_share_at_the_edges() -> None:
    from openatt.monitoring.audit import wilson

    for k, n in ((0, 7), (0, 1), (5, 5), (1, 3)):
        low, high = wilson(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0


@pytest.mark.parametrize(
    ("state", "year", "before"),
    [("RUS", 1992, "SUN"), ("CZE", 1993, "CSK"), ("VNM", 1977, "VDR"), ("SRB", 2006, "SCG")],
)
def test_a_successors_first_year_reads_the_earlier_year_under_the_code_it_had(
    tables: dict[str, IndicatorTable], state: str, year: int, before: str
) -> None:
    """Found in review (2026-12-05): the readings looked the earlier years up under the new
    code, found nothing but the conflict table's "no conflict", and dropped every other
    indicator (Russia on 1 July 1992: none of the Soviet Union's 1991 values)."""
    offers = offers_about(state, dt.date(year, 7, 1), tables, None, (Category.II,))
    read = [o for o in offers if o.indicator != "official_finding"]
    later = offers_about(state, dt.date(year + 2, 7, 1), tables, None, (Category.II,))
    assert {o.indicator for o in read} >= {o.indicator for o in later if o.year == year + 1} - {
        "ucdp_acd"
    }
    assert any(o.year == year - 1 and before in o.key for o in read), [o.key for o in read]

"""The EU embargo and 22 CFR 126.1 data load through the strict schema and say what the
acts say on the dates that matter. Each spot check names a fact a lawyer could look up."""

from __future__ import annotations

import datetime as dt
import itertools
from importlib import resources

import pytest

from openatt.core.model import Category
from openatt.core.provenance import Validity
from openatt.reference.loader import ReferenceData, load_reference, parse_file
from openatt.reference.schema import (
    Coverage,
    DenialPolicyFile,
    Direction,
    EmbargoFile,
    Policy,
    Procedure,
)

TODAY = dt.date(2026, 11, 26)


def _text(name: str) -> str:
    return resources.files("openatt.reference").joinpath("data", name).read_text("utf-8")


@pytest.fixture(scope="module")
def eu() -> EmbargoFile:
    return parse_file("eu_embargoes.yaml", _text("eu_embargoes.yaml"), EmbargoFile)


@pytest.fixture(scope="module")
def us() -> DenialPolicyFile:
    return parse_file("us_126_1.yaml", _text("us_126_1.yaml"), DenialPolicyFile)


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


def _overlap(a: Validity, b: Validity) -> bool:
    a_end = a.valid_until or dt.date.max
    b_end = b.valid_until or dt.date.max
    return a.valid_from < b_end and b.valid_from < a_end


# ---------------------------------------------------------------- shape of the files


def test_eu_file_covers_the_embargoes_the_brief_names(eu: EmbargoFile) -> None:
    targets = {e.target for e in eu.embargoes}
    named = "CHN MMR SDN SSD ZWE COD CIV LBR SLE SOM ERI GIN IRN PRK SYR LBY BLR RUS VEN YEM"
    for state in (named + " IRQ LBN AFG CAF HTI BIH NGA IDN").split():
        assert state in targets, state
    group_measures = [m for e in eu.embargoes if e.target is None for m in e.measures]
    prefixes = {p for m in group_measures for p in m.list_prefixes}
    assert {"QDi", "QDe", "TAi", "TAe"} <= prefixes


def test_ids_are_unique_and_namespaced(eu: EmbargoFile) -> None:
    embargo_ids = [e.id for e in eu.embargoes]
    measure_ids = [m.id for e in eu.embargoes for m in e.measures]
    exemption_ids = [x.id for e in eu.embargoes for m in e.measures for x in m.exemptions]
    for ids in (embargo_ids, measure_ids, exemption_ids):
        assert len(ids) == len(set(ids))
        assert all(i.startswith("eu.") for i in ids)
    for e in eu.embargoes:
        assert all(m.id.startswith(e.id + ".") for m in e.measures)


def test_measures_with_one_scope_do_not_overlap(eu: EmbargoFile) -> None:
    """A change of scope ends one measure and starts the next. Two measures of one embargo may
    run together only when they differ in direction, coverage or categories (Haiti: all arms to
    listed persons, and small arms to the whole country)."""
    for e in eu.embargoes:
        for a, b in itertools.combinations(e.measures, 2):
            same_scope = (a.direction, a.coverage, a.categories) == (
                b.direction,
                b.coverage,
                b.categories,
            )
            if same_scope:
                assert not _overlap(a, b), (a.id, b.id)


def test_exemptions_start_inside_their_measure(eu: EmbargoFile) -> None:
    for e in eu.embargoes:
        for m in e.measures:
            for x in m.exemptions:
                assert m.applies_on(x.valid_from), x.id


def test_dates_are_plausible(eu: EmbargoFile, us: DenialPolicyFile) -> None:
    facts: list[Validity] = [m for e in eu.embargoes for m in e.measures] + list(us.entries)
    for fact in facts:
        assert dt.date(1986, 1, 1) <= fact.valid_from <= eu.last_reviewed
        if fact.valid_until is not None:
            assert fact.valid_until <= us.last_reviewed


def test_one_126_1_entry_per_state_on_any_day(us: DenialPolicyFile) -> None:
    by_state = itertools.groupby(sorted(us.entries, key=lambda e: e.state), key=lambda e: e.state)
    for state, group in by_state:
        for a, b in itertools.combinations(list(group), 2):
            assert not _overlap(a, b), state


def test_126_1_paragraphs_match_policies(us: DenialPolicyFile) -> None:
    for entry in us.entries:
        assert entry.paragraph.startswith("126.1")
        if entry.paragraph == "126.1(d)(1)":
            assert entry.policy is Policy.denial
        if entry.policy is Policy.case_by_case:
            assert entry.exceptions, entry.state


# ---------------------------------------------------------------- EU spot checks


def test_china_embargo_since_1989_and_still_today(ref: ReferenceData) -> None:
    assert not ref.measures_on(dt.date(1989, 6, 1), "eu", "CHN")
    for day in (dt.date(2000, 1, 1), TODAY):
        (active,) = ref.measures_on(day, "eu", "CHN")
        assert active.measure.coverage is Coverage.whole_state
        assert active.measure.valid_from == dt.date(1989, 6, 27)


def test_belarus_2012_covers_the_whole_state(ref: ReferenceData) -> None:
    assert not ref.measures_on(dt.date(2011, 1, 1), "eu", "BLR")
    (active,) = ref.measures_on(dt.date(2012, 1, 1), "eu", "BLR")
    assert active.measure.coverage is Coverage.whole_state
    assert active.measure.direction is Direction.to_target


def test_russia_2014_bars_imports_as_well_as_exports(ref: ReferenceData) -> None:
    assert not ref.measures_on(dt.date(2014, 7, 31), "eu", "RUS")
    directions = {a.measure.direction for a in ref.measures_on(dt.date(2015, 1, 1), "eu", "RUS")}
    assert directions == {Direction.to_target, Direction.from_target}


@pytest.mark.parametrize("state", ["PRK", "IRN", "LBY"])
def test_embargoes_that_bar_the_targets_own_exports(ref: ReferenceData, state: str) -> None:
    directions = {a.measure.direction for a in ref.measures_on(dt.date(2020, 1, 1), "eu", state)}
    assert Direction.from_target in directions


def test_syria_embargo_lapsed_in_june_2013(ref: ReferenceData) -> None:
    assert ref.measures_on(dt.date(2013, 5, 31), "eu", "SYR")
    assert not ref.measures_on(dt.date(2013, 6, 1), "eu", "SYR")


def test_drc_narrows_to_non_state_end_users_in_2008(ref: ReferenceData) -> None:
    (before,) = ref.measures_on(dt.date(2007, 1, 1), "eu", "COD")
    (after,) = ref.measures_on(dt.date(2009, 1, 1), "eu", "COD")
    assert before.measure.coverage is Coverage.whole_state
    assert after.measure.coverage is Coverage.non_state


def test_somalia_government_exemption_then_non_state_only(ref: ReferenceData) -> None:
    (m2015,) = ref.measures_on(dt.date(2015, 1, 1), "eu", "SOM")
    exempt = [x for x in m2015.measure.exemptions if x.applies_on(dt.date(2015, 1, 1))]
    assert any("armed_forces" in x.end_user_kinds for x in exempt)
    (m2025,) = ref.measures_on(dt.date(2025, 1, 1), "eu", "SOM")
    assert m2025.measure.coverage is Coverage.non_state


@pytest.mark.parametrize(
    ("state", "last_day", "first_day_lifted"),
    [
        ("IDN", dt.date(2000, 1, 16), dt.date(2000, 1, 17)),
        ("NGA", dt.date(1999, 5, 31), dt.date(1999, 6, 1)),
        ("LBR", dt.date(2016, 6, 21), dt.date(2016, 6, 22)),
        ("ERI", dt.date(2018, 12, 9), dt.date(2018, 12, 10)),
        ("UZB", dt.date(2009, 11, 13), dt.date(2009, 11, 14)),
    ],
)
def test_lifted_embargoes_end_on_the_day_they_were_lifted(
    ref: ReferenceData, state: str, last_day: dt.date, first_day_lifted: dt.date
) -> None:
    assert ref.measures_on(last_day, "eu", state)
    assert not ref.measures_on(first_day_lifted, "eu", state)


def test_iraq_government_exempt_after_july_2004(ref: ReferenceData) -> None:
    (active,) = ref.measures_on(dt.date(2005, 1, 1), "eu", "IRQ")
    assert active.measure.coverage is Coverage.whole_state
    (exemption,) = [x for x in active.measure.exemptions if x.applies_on(dt.date(2005, 1, 1))]
    assert exemption.procedure is Procedure.approval
    assert "armed_forces" in exemption.end_user_kinds
    (before,) = ref.measures_on(dt.date(2004, 1, 1), "eu", "IRQ")
    assert not [x for x in before.measure.exemptions if x.applies_on(dt.date(2004, 1, 1))]


def test_liberia_non_state_only_from_march_2010(ref: ReferenceData) -> None:
    (m2009,) = ref.measures_on(dt.date(2009, 6, 1), "eu", "LBR")
    (m2012,) = ref.measures_on(dt.date(2012, 6, 1), "eu", "LBR")
    assert (m2009.measure.coverage, m2012.measure.coverage) == (
        Coverage.whole_state,
        Coverage.non_state,
    )


def test_haiti_listed_persons_and_small_arms_to_the_country(ref: ReferenceData) -> None:
    assert len(ref.measures_on(dt.date(2023, 1, 1), "eu", "HTI")) == 1
    measures = {a.measure.coverage: a.measure for a in ref.measures_on(TODAY, "eu", "HTI")}
    assert measures[Coverage.named_groups].list_prefixes == ("HTi", "HTe")
    assert Category.VIII in measures[Coverage.whole_state].categories
    assert Category.I not in measures[Coverage.whole_state].categories


def test_zimbabwe_embargo_still_in_force(ref: ReferenceData) -> None:
    assert ref.measures_on(TODAY, "eu", "ZWE")


def test_lebanon_and_yemen_cover_only_some_end_users(ref: ReferenceData) -> None:
    (lbn,) = ref.measures_on(TODAY, "eu", "LBN")
    assert lbn.measure.coverage is Coverage.non_state
    (yem,) = ref.measures_on(TODAY, "eu", "YEM")
    assert yem.measure.coverage is Coverage.named_groups
    assert "YEi" in yem.measure.list_prefixes


def test_group_measures_have_no_target_state(ref: ReferenceData) -> None:
    active = ref.measures_on(TODAY, "eu", None)
    names = {g for a in active for g in a.measure.groups}
    assert {"Taliban", "ISIL", "Al-Qaida"} <= names


def test_armenia_and_azerbaijan_are_not_eu_embargoes(eu: EmbargoFile) -> None:
    """The 1992 OSCE embargo is not an EU act; the file says so instead of encoding it."""
    assert not {e.target for e in eu.embargoes} & {"ARM", "AZE"}
    assert "OSCE" in eu.description


# ---------------------------------------------------------------- 22 CFR 126.1 spot checks


def test_china_is_denied_under_126_1(ref: ReferenceData) -> None:
    (in_2010,) = ref.denial_policy("CHN", dt.date(2010, 1, 1))
    assert (in_2010.paragraph, in_2010.policy) == ("126.1(a)", Policy.denial)
    (in_2020,) = ref.denial_policy("CHN", dt.date(2020, 1, 1))
    assert (in_2020.paragraph, in_2020.policy) == ("126.1(d)(1)", Policy.denial)


def test_cyprus_case_by_case_until_the_suspension(ref: ReferenceData) -> None:
    (in_2019,) = ref.denial_policy("CYP", dt.date(2019, 1, 1))
    assert in_2019.policy is Policy.case_by_case
    (in_2021,) = ref.denial_policy("CYP", dt.date(2021, 6, 1))
    assert "non-lethal" in (in_2021.exceptions or "").lower()
    assert not ref.denial_policy("CYP", dt.date(2022, 10, 1))
    assert not ref.denial_policy("CYP", TODAY)


def test_russia_listed_again_from_march_2021(ref: ReferenceData) -> None:
    assert ref.denial_policy("RUS", dt.date(1995, 1, 1))
    assert not ref.denial_policy("RUS", dt.date(2020, 1, 1))
    (entry,) = ref.denial_policy("RUS", dt.date(2021, 3, 18))
    assert entry.paragraph == "126.1(d)(2)"


def test_later_additions_and_removals(ref: ReferenceData) -> None:
    assert not ref.denial_policy("NIC", dt.date(2024, 3, 14))
    assert ref.denial_policy("NIC", dt.date(2024, 3, 15))
    assert ref.denial_policy("KHM", dt.date(2022, 1, 1))
    assert not ref.denial_policy("KHM", TODAY)
    assert ref.denial_policy("VEN", dt.date(2006, 8, 17))
    assert not ref.denial_policy("VEN", dt.date(2006, 8, 16))
    assert not ref.denial_policy("ARM", dt.date(2002, 3, 29))


def test_today_126_1_lists_match_the_regulation(ref: ReferenceData) -> None:
    listed = {e.state: e for e in ref.us_126_1 if e.applies_on(TODAY)}
    d1 = {s for s, e in listed.items() if e.paragraph == "126.1(d)(1)"}
    assert d1 == {"BLR", "MMR", "CHN", "CUB", "IRN", "PRK", "SYR", "VEN"}
    d2 = {s for s, e in listed.items() if e.paragraph == "126.1(d)(2)"}
    with_exceptions = "AFG CAF COD ERI ETH HTI IRQ LBN LBY NIC RUS SOM SSD SDN ZWE"
    assert d2 == set(with_exceptions.split())

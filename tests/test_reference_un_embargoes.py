"""The shipped UN Security Council arms embargoes: they load, they are cited and dated, their
periods fit together, and on the dates that matter legally they say what the resolutions say.

Every check reads the real package data through ``default_reference()`` or ``load_reference()``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from importlib import resources
from pathlib import Path

import pytest
import yaml

from openatt.core.model import Category, EndUserKind
from openatt.reference.loader import (
    ActiveMeasure,
    ReferenceDataError,
    default_reference,
    load_reference,
)
from openatt.reference.schema import Coverage, Direction, Embargo, Measure, Procedure

D = dt.date
STATE_KINDS = (EndUserKind.government, EndUserKind.armed_forces, EndUserKind.police)


def _shipped_text() -> str:
    return (
        resources.files("openatt.reference")
        .joinpath("data", "un_embargoes.yaml")
        .read_text("utf-8")
    )


def _on(day: dt.date, target: str | None) -> list[Measure]:
    return [a.measure for a in default_reference().measures_on(day, "un", target)]


def _embargo(embargo_id: str) -> Embargo:
    return next(e for e in default_reference().un_embargoes if e.id == embargo_id)


def _exemptions_for(
    measure: Measure, day: dt.date, kind: EndUserKind, category: Category
) -> list[Procedure]:
    return [
        e.procedure
        for e in measure.exemptions
        if e.applies_on(day)
        and kind in e.end_user_kinds
        and (not e.categories or category in e.categories)
    ]


def _covers(measure: Measure, category: Category) -> bool:
    return not measure.categories or category in measure.categories


# ------------------------------------------------------------------------ the file as a whole


def test_the_shipped_file_loads_through_the_schema() -> None:
    ref = load_reference()
    ids = [e.id for e in ref.un_embargoes]
    assert len(ids) == len(set(ids)), "embargo ids must be unique"
    assert len(ids) >= 25
    assert {e.authority for e in ref.un_embargoes} == {"UN Security Council"}
    assert default_reference().digest == ref.digest


def test_a_measure_without_a_citation_is_rejected(tmp_path: Path) -> None:
    raw = yaml.safe_load(_shipped_text())
    first = raw["embargoes"][0]["measures"][0]
    first["citations"] = []
    broken = tmp_path / "un.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(ReferenceDataError, match="citations"):
        load_reference({"un_embargoes": broken})


def test_every_measure_and_exemption_cites_a_resolution_and_a_paragraph() -> None:
    for embargo in default_reference().un_embargoes:
        assert embargo.measures, embargo.id
        for measure in embargo.measures:
            cited = [
                c
                for c in measure.citations
                if c.instrument.startswith("UNSC Resolution") and c.provision
            ]
            assert cited, f"{measure.id} cites no resolution paragraph"
            for exemption in measure.exemptions:
                assert any(c.provision for c in exemption.citations), exemption.id


def test_dates_are_plausible() -> None:
    reviewed = yaml.safe_load(_shipped_text())["last_reviewed"]
    for embargo in default_reference().un_embargoes:
        for measure in embargo.measures:
            # 232 (1966) on Southern Rhodesia was the first mandatory arms embargo
            assert D(1966, 12, 16) <= measure.valid_from <= reviewed, measure.id
            if measure.valid_until is not None and measure.valid_until <= D(1990, 1, 1):
                # only Southern Rhodesia ended before 1990 (resolution 460, 21 Dec 1979)
                assert embargo.id == "un.southern_rhodesia", f"{measure.id} ended before 1990"


def _family(measure: Measure) -> tuple[Direction, bool]:
    """Measures that must not overlap: same direction and both territorial or both targeted."""
    return measure.direction, measure.coverage is Coverage.named_groups


def _overlap(a: Measure, b: Measure) -> bool:
    a_end = a.valid_until or D.max
    b_end = b.valid_until or D.max
    return a.valid_from < b_end and b.valid_from < a_end


def test_measures_of_one_embargo_do_not_overlap_within_one_scope() -> None:
    clashes = [
        (embargo.id, a.id, b.id)
        for embargo in default_reference().un_embargoes
        for a, b in itertools.combinations(embargo.measures, 2)
        if _family(a) == _family(b) and _overlap(a, b)
    ]
    assert clashes == []


def test_exemptions_lie_within_their_measure() -> None:
    for embargo in default_reference().un_embargoes:
        for measure in embargo.measures:
            end = measure.valid_until or D.max
            for exemption in measure.exemptions:
                assert measure.valid_from <= exemption.valid_from < end, exemption.id
                if exemption.valid_until is not None:
                    assert exemption.valid_until <= end, exemption.id


def test_coverage_matches_the_fields_it_needs() -> None:
    for embargo in default_reference().un_embargoes:
        for measure in embargo.measures:
            if embargo.target is None:
                assert measure.coverage is Coverage.named_groups, measure.id
            if measure.direction is Direction.from_target:
                assert embargo.target is not None, measure.id


# ------------------------------------------------------------------------ spot checks that matter


def test_liberia_covers_only_non_state_end_users_in_2010() -> None:
    [measure] = _on(D(2010, 6, 1), "LBR")
    assert measure.coverage is Coverage.non_state
    [earlier] = _on(D(2008, 6, 1), "LBR")
    assert earlier.coverage is Coverage.whole_state
    assert set(_exemptions_for(earlier, D(2008, 6, 1), EndUserKind.police, Category.VIII)) == {
        Procedure.approval
    }
    assert _on(D(2016, 5, 25), "LBR") == []


def test_iran_own_exports_barred_2012_free_2021_and_reapplied_2025() -> None:
    def exports(day: dt.date) -> list[Measure]:
        return [m for m in _on(day, "IRN") if m.direction is Direction.from_target]

    assert len(exports(D(2012, 1, 1))) == 1
    assert exports(D(2021, 1, 1)) == []
    [snapback] = exports(D(2025, 10, 1))
    assert any("contested" in (c.note or "") for c in snapback.citations)
    assert exports(D(2025, 9, 27)) == []


def test_iran_supply_covers_register_categories_not_small_arms() -> None:
    [supply] = [m for m in _on(D(2012, 1, 1), "IRN") if m.direction is Direction.to_target]
    assert _covers(supply, Category.IV) and _covers(supply, Category.VII)
    assert not _covers(supply, Category.VIII)
    [under_2231] = [m for m in _on(D(2018, 1, 1), "IRN") if m.direction is Direction.to_target]
    assert _exemptions_for(under_2231, D(2018, 1, 1), EndUserKind.armed_forces, Category.I) == [
        Procedure.approval
    ]
    assert [m for m in _on(D(2021, 1, 1), "IRN")] == []


def test_somalia_government_supplies_need_notification_in_2015() -> None:
    [measure] = _on(D(2015, 1, 1), "SOM")
    assert measure.coverage is Coverage.whole_state
    day = D(2015, 1, 1)
    assert _exemptions_for(measure, day, EndUserKind.armed_forces, Category.VIII) == [
        Procedure.notification
    ]
    assert _exemptions_for(measure, day, EndUserKind.armed_forces, Category.VII) == [
        Procedure.approval
    ]
    assert _exemptions_for(measure, day, EndUserKind.non_state, Category.VIII) == []


def test_somalia_heavy_items_were_not_exempt_before_resolution_2111() -> None:
    [measure] = _on(D(2013, 5, 1), "SOM")
    assert _exemptions_for(measure, D(2013, 5, 1), EndUserKind.armed_forces, Category.VII) == []


def test_somalia_government_free_and_al_shabaab_barred_after_2023() -> None:
    day = D(2024, 6, 1)
    [measure] = _on(day, "SOM")
    assert _exemptions_for(measure, day, EndUserKind.armed_forces, Category.VIII) == [
        Procedure.none
    ]
    groups = [m for m in _on(day, None) if any(g == "Al-Shabaab" for g in m.groups)]
    assert len(groups) == 1


def test_isil_and_al_qaida_measure_names_its_list_and_aliases() -> None:
    day = D(2020, 1, 1)
    [isil] = [m for m in _on(day, None) if "QDe" in m.list_prefixes]
    assert isil.coverage is Coverage.named_groups
    for alias in ("ISIL", "Da'esh", "Islamic State", "Al-Qaida", "Al-Nusrah Front"):
        assert alias in isil.groups
    [taliban] = [m for m in _on(day, None) if "TAe" in m.list_prefixes]
    assert "Taliban" in taliban.groups
    assert [m.id for m in _on(D(2001, 6, 1), None)] == []
    [territory] = _on(D(2001, 6, 1), "AFG")
    assert territory.coverage is Coverage.region


def test_former_yugoslavia_phases_out_in_1996() -> None:
    def supply(day: dt.date, state: str) -> list[Measure]:
        return [m for m in _on(day, state) if m.direction is Direction.to_target]

    for state in ("BIH", "HRV", "SVN", "MKD", "YUG"):
        [whole] = supply(D(1993, 1, 1), state)
        assert _covers(whole, Category.VIII), state
        [heavy] = supply(D(1996, 4, 1), state)
        assert _covers(heavy, Category.I) and not _covers(heavy, Category.VIII), state
        assert supply(D(1996, 7, 1), state) == []
    assert len(_on(D(1999, 1, 1), "YUG")) == 1
    assert _on(D(2002, 1, 1), "YUG") == []


def test_drc_government_notification_lifted_in_december_2022() -> None:
    [measure] = _on(D(2010, 1, 1), "COD")
    assert measure.coverage is Coverage.non_state
    assert _exemptions_for(measure, D(2010, 1, 1), EndUserKind.armed_forces, Category.I) == [
        Procedure.notification
    ]
    assert _exemptions_for(measure, D(2023, 1, 1), EndUserKind.armed_forces, Category.I) == []
    [kivus] = _on(D(2004, 1, 1), "COD")
    assert kivus.coverage is Coverage.region and "Ituri" in kivus.regions


def test_dprk_small_arms_needed_notification_until_2016() -> None:
    def to_dprk(day: dt.date) -> Measure:
        [m] = [m for m in _on(day, "PRK") if m.direction is Direction.to_target]
        return m

    assert not _covers(to_dprk(D(2008, 1, 1)), Category.VIII)
    assert _exemptions_for(
        to_dprk(D(2010, 1, 1)), D(2010, 1, 1), EndUserKind.private, Category.VIII
    ) == [Procedure.notification]
    later = to_dprk(D(2017, 1, 1))
    assert _covers(later, Category.VIII) and later.exemptions == ()
    [exports] = [m for m in _on(D(2017, 1, 1), "PRK") if m.direction is Direction.from_target]
    assert _covers(exports, Category.VIII)


def test_central_african_republic_steps_down_to_armed_groups() -> None:
    [y2021] = _on(D(2021, 1, 1), "CAF")
    assert y2021.coverage is Coverage.whole_state
    assert _exemptions_for(y2021, D(2021, 1, 1), EndUserKind.armed_forces, Category.VIII) == [
        Procedure.notification
    ]
    assert _exemptions_for(y2021, D(2021, 1, 1), EndUserKind.armed_forces, Category.II) == [
        Procedure.approval
    ]
    [y2025] = _on(D(2025, 1, 1), "CAF")
    assert y2025.coverage is Coverage.non_state


def test_cote_divoire_ends_on_28_april_2016() -> None:
    assert len(_on(D(2016, 4, 27), "CIV")) == 1
    assert _on(D(2016, 4, 28), "CIV") == []


def test_haiti_territorial_embargo_widened_in_october_2024() -> None:
    day = D(2024, 1, 1)
    territorial = [m for m in _on(day, "HTI") if m.coverage is Coverage.whole_state]
    targeted = [m for m in _on(day, "HTI") if m.coverage is Coverage.named_groups]
    assert len(territorial) == 1 and len(targeted) == 1
    assert _covers(territorial[0], Category.VIII) and not _covers(territorial[0], Category.II)
    assert "HTi" in targeted[0].list_prefixes
    [wider] = [m for m in _on(D(2025, 1, 1), "HTI") if m.coverage is Coverage.whole_state]
    assert _covers(wider, Category.II)
    assert _exemptions_for(wider, D(2025, 1, 1), EndUserKind.police, Category.VIII) == [
        Procedure.none
    ]
    assert _on(D(2000, 1, 1), "HTI") == []


def test_darfur_covers_a_region_with_government_movements_needing_approval() -> None:
    [measure] = _on(D(2024, 1, 1), "SDN")
    assert measure.coverage is Coverage.region and "Darfur" in measure.regions
    assert _exemptions_for(measure, D(2024, 1, 1), EndUserKind.armed_forces, Category.I) == [
        Procedure.approval
    ]


def test_libya_suspended_1999_and_both_directions_from_2011() -> None:
    assert len(_on(D(1995, 1, 1), "LBY")) == 1
    assert _on(D(2000, 1, 1), "LBY") == []
    directions = {m.direction for m in _on(D(2012, 1, 1), "LBY")}
    assert directions == {Direction.to_target, Direction.from_target}
    [supply] = [m for m in _on(D(2015, 1, 1), "LBY") if m.direction is Direction.to_target]
    assert _exemptions_for(supply, D(2015, 1, 1), EndUserKind.armed_forces, Category.VIII) == [
        Procedure.approval
    ]


@pytest.mark.parametrize(
    ("target", "inside", "outside"),
    [
        ("ZAF", D(1990, 1, 1), D(1994, 5, 25)),
        ("IRQ", D(1995, 1, 1), D(1989, 1, 1)),
        ("AGO", D(1995, 1, 1), D(2002, 12, 9)),
        ("RWA", D(2000, 1, 1), D(2008, 7, 10)),
        ("SLE", D(2000, 1, 1), D(2010, 9, 29)),
        ("ETH", D(2000, 12, 1), D(2001, 5, 17)),
        ("ERI", D(2012, 1, 1), D(2018, 11, 14)),
        ("LBN", D(2020, 1, 1), D(2006, 8, 10)),
        ("YEM", D(2020, 1, 1), D(2015, 4, 13)),
        ("SSD", D(2020, 1, 1), D(2018, 7, 12)),
    ],
)
def test_in_force_inside_and_not_outside(target: str, inside: dt.date, outside: dt.date) -> None:
    assert _on(inside, target), f"{target} should be under a measure on {inside}"
    assert _on(outside, target) == [], f"{target} should be free on {outside}"


def test_non_state_only_periods_leave_the_government_uncovered() -> None:
    for target, day in [
        ("IRQ", D(2010, 1, 1)),
        ("RWA", D(2000, 1, 1)),
        ("SLE", D(2000, 1, 1)),
        ("AGO", D(1995, 1, 1)),
        ("LBN", D(2020, 1, 1)),
    ]:
        active: list[ActiveMeasure] = default_reference().measures_on(day, "un", target)
        assert [a.measure.coverage for a in active] == [Coverage.non_state], target

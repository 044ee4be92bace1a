"""The control lists load through their strict schema, every entry says where its items land,
and the placements the issue found guessed wrongly come out right from the entry and kind."""

from __future__ import annotations

import datetime as dt

import pytest

from openatt.core.model import Category
from openatt.reference.control_lists import (
    ControlListError,
    default_control_lists,
    parse_list,
    parse_reference,
    placement,
    row_codes,
)

LISTS = default_control_lists()
DAY = dt.date(2026, 6, 1)


def _all_placements(list_id: str) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    for entry in LISTS.entries(list_id):
        if entry.placement is not None:
            pairs.append((entry.id, None))
        pairs.extend((entry.id, kind.id) for kind in entry.kinds)
    return pairs


def test_the_three_lists_load_with_every_ml_heading_and_usml_category() -> None:
    assert set(LISTS.lists) == {"eu-cml", "usml", "uk-ml"}
    eu = {e.id for e in LISTS.entries("eu-cml")}
    assert {f"ML{n}" for n in range(1, 23)} <= eu
    assert {"ML1.a", "ML1.d", "ML4.a", "ML4.b", "ML10.a", "ML10.c", "ML22.b"} <= eu
    usml = {e.id for e in LISTS.entries("usml")}
    romans = "I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX XXI"
    assert set(romans.split()) <= usml
    assert {f"ML{n}" for n in range(1, 23)} == {e.id for e in LISTS.entries("uk-ml")}


@pytest.mark.parametrize("list_id", ["eu-cml", "usml", "uk-ml"])
def test_every_entry_and_kind_has_a_placement_and_a_citation(list_id: str) -> None:
    pairs = _all_placements(list_id)
    assert len(pairs) >= len(LISTS.entries(list_id))
    for entry_id, kind in pairs:
        where = placement(list_id, entry_id, kind, DAY)
        assert where.citation.startswith(LISTS.lists[list_id].title)
        assert entry_id in where.citation
        if where.att_subcategory is None and where.att_category.is_conventional_arm:
            assert where.note, f"{entry_id}:{kind} has an Art. 2(1) category but no row: say why"


def test_every_row_of_the_att_template_and_the_register_is_reachable() -> None:
    reached_att: set[str] = set()
    reached_unroca: set[str] = set()
    for entry_id, kind in _all_placements("eu-cml"):
        where = placement("eu-cml", entry_id, kind, DAY)
        if where.att_subcategory:
            reached_att.add(where.att_subcategory)
        if where.unroca_subcategory:
            reached_unroca.add(where.unroca_subcategory)
    assert set(row_codes("att")) == reached_att
    # LW.6 (portable anti-aircraft launchers) is the Register's SALW row; MANPADS go to VII.b
    assert set(row_codes("unroca")) - reached_unroca == {"LW.6"}


@pytest.mark.parametrize(
    ("entry", "kind", "att", "unroca"),
    [
        ("ML4.b", "atgm-launcher", "VIII.LW.5", "LW.5"),
        ("ML10.c", "uav-combat", "IV.b", "IV.b"),
        ("ML4.b", "manpads-launcher", "VII.b", "VII.b"),
        ("ML2.a", "mortar-75mm-plus", "III", "III"),
        ("ML2.a", "mortar-under-75mm", "VIII.LW.6", "LW.7"),
        ("ML10.a", "combat-aircraft-manned", "IV.a", "IV.a"),
        ("ML6.a", "battle-tank", "I", "I"),
        ("ML9.a", "warship", "VI", "VI"),
    ],
)
def test_the_issue_examples_land_in_the_right_rows(
    entry: str, kind: str, att: str, unroca: str
) -> None:
    where = placement("eu-cml", entry, kind, DAY)
    assert (where.att_subcategory, where.unroca_subcategory) == (att, unroca)


def test_ground_to_air_missiles_other_than_manpads_are_outside_register_category_vii() -> None:
    where = placement("eu-cml", "ML4.a", "surface-to-air-missile", DAY)
    assert where.att_category is Category.VII and where.article == "2(1)(g)"
    assert where.unroca_category is None and where.unroca_subcategory is None
    assert where.note and "excludes ground-to-air" in where.note


def test_ammunition_and_parts_carry_articles_3_and_4() -> None:
    assert placement("eu-cml", "ML3.a", on=DAY).art3_4 == "3"
    assert placement("eu-cml", "ML1.d", on=DAY).art3_4 == "4"
    assert placement("eu-cml", "ML22", on=DAY).att_category is Category.other


def test_the_same_item_lands_in_the_same_row_under_each_list() -> None:
    eu = placement("eu-cml", "ML10.c", "uav-combat", DAY)
    us = placement("usml", "VIII(a)", "uav-combat", DAY)
    uk = placement("uk-ml", "ML10", "uav-combat", DAY)
    assert eu.att_subcategory == us.att_subcategory == uk.att_subcategory == "IV.b"


def test_an_entry_holding_differently_placed_items_needs_the_kind() -> None:
    with pytest.raises(ControlListError, match=r"kind: ML10\.a .*combat-aircraft-manned"):
        placement("eu-cml", "ML10.a", None, DAY)
    with pytest.raises(ControlListError, match=r"kind: ML10\.a has no item kind 'tank'"):
        placement("eu-cml", "ML10.a", "tank", DAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ML4.b:atgm-launcher", ("eu-cml", "ML4.b", "atgm-launcher")),
        ("ml 10 c", None),
        ("ML10c", ("eu-cml", "ML10.c", None)),
        ("USML IV(b)", ("usml", "IV(b)", None)),
        ("Category VIII(a):uav-combat", ("usml", "VIII(a)", "uav-combat")),
        ("UK ML10:uav-combat", ("uk-ml", "ML10", "uav-combat")),
    ],
)
def test_references_parse_and_resolve(
    text: str, expected: tuple[str, str, str | None] | None
) -> None:
    if expected is None:
        with pytest.raises(ControlListError, match="control_entry"):
            LISTS.resolve(text)
        return
    ref = LISTS.resolve(text, DAY)
    assert (ref.list_id, ref.entry, ref.kind) == expected
    assert parse_reference(str(ref)) == ref


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ML23", "entry: 'ML23' is not an entry of eu-cml"),
        ("ML10.a:tank", "kind: ML10.a has no item kind 'tank'"),
        ("rifles", "control_entry: 'rifles' names no list entry"),
        ("USML XXV", "entry: 'XXV' is not an entry of usml"),
    ],
)
def test_unknown_references_are_refused_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ControlListError) as caught:
        LISTS.resolve(text, DAY)
    assert message in str(caught.value)


def test_lookups_are_as_of_a_day_and_name_the_version() -> None:
    assert LISTS.version_on("eu-cml", dt.date(2024, 6, 1)).id == "2024"  # type: ignore[union-attr]
    assert "C/2024/1945" in placement("eu-cml", "ML3", on=dt.date(2024, 6, 1)).citation
    with pytest.raises(ControlListError, match="not in force on 2019-01-01"):
        placement("eu-cml", "ML3", on=dt.date(2019, 1, 1))


OVERLAY = """
id: eu-cml
title: National additions
authority: A national authority
citations: [{instrument: National Control List Order 2026, provision: "Schedule 1"}]
versions: [{id: "2026", published: National gazette 2026/1, valid_from: 2026-01-01}]
checked: {on: 2026-12-03, against: [National gazette 2026/1]}
entries:
  - id: ML7.x
    heading: Riot-control launchers
    wording: Launchers built to project riot-control agents at a distance.
    keywords: [pepper ball launcher]
    valid_from: 2026-01-01
    citations: [{instrument: National Control List Order 2026, provision: "Schedule 1, 7.x"}]
    placement: {att_category: other, note: a national entry outside ATT Art. 2(1)}
"""


def test_a_national_overlay_adds_entries_and_may_not_redefine_shipped_ones() -> None:
    overlay = parse_list("national.yaml", OVERLAY)
    merged = LISTS.with_overlay(overlay)
    assert merged.placement("eu-cml", "ML7.x", on=DAY).att_category is Category.other
    assert merged.placement("eu-cml", "ML4.b", "atgm-launcher", DAY).att_subcategory
    clash = parse_list("clash.yaml", OVERLAY.replace("ML7.x", "ML7.d"))
    with pytest.raises(ControlListError, match=r"redefines ML7\.D"):
        LISTS.with_overlay(clash)


ENTRY_CITATION = '    citations: [{instrument: National Control List Order 2026, provision: "Schedule 1, 7.x"}]\n'


@pytest.mark.parametrize(
    ("cut", "keep", "field"),
    [
        (ENTRY_CITATION, "", "citations"),
        ("    valid_from: 2026-01-01\n    citations", "    citations", "valid_from"),
    ],
)
def test_an_uncited_or_undated_entry_does_not_load(cut: str, keep: str, field: str) -> None:
    text = OVERLAY.replace(cut, keep)
    assert text != OVERLAY
    with pytest.raises(ControlListError, match=f"national.yaml: entries.0.{field}"):
        parse_list("national.yaml", text)

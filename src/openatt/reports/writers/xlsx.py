"""Small helpers for the spreadsheets: styles, and saving with fixed document properties so
that the same figures give the same file."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
CATEGORY_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")


def header(sheet: Worksheet, row: int, labels: Sequence[str], widths: Sequence[int]) -> None:
    for column, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=label)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def save(workbook: Workbook, as_of: str) -> bytes:
    """The workbook's bytes, its creation and modification times set to the report's as-of."""
    moment = dt.datetime.fromisoformat(as_of).astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.creator = "openatt"
    workbook.properties.created = moment
    workbook.properties.modified = moment
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tick(flag: bool) -> str:
    return "[X]" if flag else "[ ]"

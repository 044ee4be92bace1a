"""Small helpers for the spreadsheets: styles, and saving with fixed document properties so
that the same figures give the same file."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from openatt.text_cells import text_only

ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the first day a zip entry can carry
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
    sheet.freeze_panes = f"A{row + 1}"


def save(workbook: Workbook, as_of: str) -> bytes:
    """The workbook's bytes, every timestamp in it set to the report's as-of moment, so that
    the same figures as of the same moment give the same file, byte for byte."""
    moment = dt.datetime.fromisoformat(as_of).astimezone(dt.UTC).replace(tzinfo=None)
    moment = moment.replace(microsecond=0)
    text_only(workbook)  # no cell is a formula: descriptions come from applicants
    workbook.properties.creator = "openatt"
    workbook.properties.created = moment
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl stamps the save time on the zip entries and as the "modified" property.
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(
                    lambda m: f"{m.group(1)}{stamp}{m.group(2)}", content.decode("utf-8")
                ).encode("utf-8")
            # A zip entry's MS-DOS date cannot be before 1980 (APPNOTE.TXT 4.4.6): an
            # earlier as-of moment is stamped 1980-01-01 (issue 13: it raised a 500).
            stamped = max(moment, ZIP_EPOCH)
            entry = zipfile.ZipInfo(info.filename, date_time=stamped.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def tick(flag: bool) -> str:
    return "[X]" if flag else "[ ]"

"""The UN Register of Conventional Arms return: the standardized export and import forms for
categories I-VII, the voluntary SALW forms, and the nil report, as xlsx and JSON.

Background information (military holdings, procurement through national production, national
policies) is not in the licensing register: its sheet says so and is left to the user.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from openatt.reports import forms
from openatt.reports.figures import Direction, Entry, Figures
from openatt.reports.writers.att import partner_label
from openatt.reports.writers.xlsx import CATEGORY_FILL, TITLE, WRAP, header, save

SHEETS = (
    "Report",
    "Exports I-VII",
    "Imports I-VII",
    "SALW exports",
    "SALW imports",
    "Nil report",
    "Background information",
)
_WIDTHS = (44, 28, 14, 22, 22, 44, 52)


def _headers(direction: Direction) -> tuple[str, ...]:
    partner = (
        "B. Final importer State(s)" if direction is Direction.exports else "B. Exporter State(s)"
    )
    return (
        "A. Category (I-VII)",
        partner,
        "C. Number of items",
        "D. State of origin (if not exporter)",
        "E. Intermediate location (if any)",
        "Remarks: description of item",
        "Remarks: comments on the transfer",
    )


def heavy(entry: Entry) -> bool:
    return entry.category != "VIII"


def _form(sheet: Worksheet, figures: Figures, direction: Direction, salw: bool) -> None:
    noun = "Exports" if direction is Direction.exports else "Imports"
    what = "small arms and light weapons (voluntary)" if salw else "categories I-VII"
    sheet["A1"] = f"{noun}: {what}, calendar year {figures.year}"
    sheet["A1"].font = TITLE
    sheet["A2"] = f"Basis: {figures.basis_of(direction).value}"
    headers = list(_headers(direction))
    if salw:
        headers[0] = "Category / sub-category"
    header(sheet, 4, headers, _WIDTHS)
    entries = [e for e in figures.table(direction).entries if heavy(e) != salw]
    row = 5
    for form_row in forms.form(figures.form).rows:
        if (form_row.category == "VIII") != salw:
            continue
        mine = [e for e in entries if e.code == form_row.code]
        if not mine:
            sheet.cell(row=row, column=1, value=form_row.label).fill = CATEGORY_FILL
            row += 1
        for entry in mine:
            origin = ", ".join(partner_label(code) for code in entry.origin)
            values: tuple[str | int, ...] = (
                entry.label,
                partner_label(entry.partner),
                entry.number,
                origin,
                ", ".join(partner_label(code) for code in entry.intermediate),
                entry.description,
                entry.comments,
            )
            for column, value in enumerate(values, start=1):
                sheet.cell(row=row, column=column, value=value).alignment = WRAP
            row += 1


def _nil(sheet: Worksheet, figures: Figures) -> None:
    sheet["A1"] = "Nil report"
    sheet["A1"].font = TITLE
    sheet.column_dimensions["A"].width = 110
    row = 3
    for direction in Direction:
        entries = figures.table(direction).entries
        for salw in (False, True):
            if not [e for e in entries if heavy(e) != salw]:
                what = "small arms and light weapons" if salw else "arms in categories I-VII"
                sheet.cell(
                    row=row,
                    column=1,
                    value=f"Nil: no {direction.value} of {what} in {figures.year}.",
                )
                row += 1


def to_xlsx(figures: Figures, *, version: str | None = None) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = SHEETS[0]
    first["A1"] = "Report to the United Nations Register of Conventional Arms"
    first["A1"].font = TITLE
    first.column_dimensions["A"].width = 50
    first.column_dimensions["B"].width = 70
    rows = (
        (
            "Reporting State",
            partner_label(figures.reporting_state)
            if figures.reporting_state
            else "(to be completed)",
        ),
        ("Calendar year", str(figures.year)),
        ("National point of contact", "(to be completed)"),
        ("Register as of (UTC)", figures.as_of),
        ("Version", version or "-"),
        ("Checksum of the figures (SHA-256)", figures.checksum()),
        ("Licences withheld (not itemised)", str(figures.withheld_entries)),
    )
    for offset, (label, value) in enumerate(rows, start=3):
        first.cell(row=offset, column=1, value=label)
        first.cell(row=offset, column=2, value=value)
    _form(workbook.create_sheet(SHEETS[1]), figures, Direction.exports, salw=False)
    _form(workbook.create_sheet(SHEETS[2]), figures, Direction.imports, salw=False)
    _form(workbook.create_sheet(SHEETS[3]), figures, Direction.exports, salw=True)
    _form(workbook.create_sheet(SHEETS[4]), figures, Direction.imports, salw=True)
    _nil(workbook.create_sheet(SHEETS[5]), figures)
    background = workbook.create_sheet(SHEETS[6])
    background["A1"] = "Background information (voluntary)"
    background["A1"].font = TITLE
    background["A3"] = (
        "Military holdings, procurement through national production and relevant national "
        "policies are not held in the licensing register: to be completed by the user."
    )
    return save(workbook, figures.as_of)


def to_json(figures: Figures) -> bytes:
    return figures.model_dump_json(indent=2).encode("utf-8")

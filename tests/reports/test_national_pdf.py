"""The national report's PDF fits its pages: rendered by WeasyPrint and read back with
pypdfium2, every character lies inside its page box, the wide table's header repeats on
each page it runs over, and no row is split across two pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from openatt.core.model import Item, TransferKind
from openatt.reports import national
from openatt.reports.snapshot import DenialRecord, LicenceRecord, Snapshot
from openatt.reports.writers import national as writer

pdfium = pytest.importorskip("pypdfium2")
DAY = dt.date(2025, 5, 2)
DESTINATIONS = ("CAN", "AUS", "NOR", "DEU", "FRA", "JPN", "KOR", "BRA", "CHL", "ZAF", "IND", "USA")


def _snapshot() -> Snapshot:
    licences = []
    for n in range(1, 91):
        destination = DESTINATIONS[n % len(DESTINATIONS)]
        item = Item.model_validate(
            {
                "description": f"item {n}",
                "category": "VIII",
                "control_entry": f"ML{1 + n % 22}",
                "quantity": n,
                "value": {"amount": 1000.0 * n, "currency": "EUR"},
            }
        )
        licences.append(
            LicenceRecord(
                id=n,
                number=f"LIC-{n}",
                application=f"OA-{n}",
                kind=TransferKind.export,
                exporting_state="SWE",
                importing_state=destination,
                transit_states=(),
                end_user="Armed forces",
                end_user_kind="armed_forces",
                items=(item,),
                issued_on=DAY,
                valid_until=DAY + dt.timedelta(days=365),
                state="active",
            )
        )
    denials = tuple(
        DenialRecord(
            id=n,
            reference=f"DEN-{n}",
            notifying_state="SWE",
            denied_on=DAY,
            destination=DESTINATIONS[n % len(DESTINATIONS)],
            end_user="Militia",
            categories=("VIII",),
            control_entries=(f"ML{1 + n % 22}",),
            criteria=tuple(f"eu.criterion-{k}-row{n:02d}" for k in range(1, 6)),
            own=True,
        )
        for n in range(1, 31)
    )
    return Snapshot(
        as_of="2026-01-31T23:59:59.999999+00:00",
        licences=tuple(licences),
        shipments=(),
        denials=denials,
    )


@pytest.fixture(scope="module")
def pdf_pages() -> list[tuple[float, float, str, list[tuple[float, float, float, float]]]]:
    if not writer.pdf_available():
        pytest.skip("WeasyPrint (and Pango) are not installed here")
    figures = national.compute(_snapshot(), year=2025, reporting_state="SWE")
    html = writer.to_html(figures, writer.charts(figures), version="1")
    document = pdfium.PdfDocument(writer.to_pdf(html))
    pages = []
    for page in document:
        width, height = page.get_size()
        text = page.get_textpage()
        boxes = [text.get_charbox(i) for i in range(text.count_chars())]
        # Words broken at the end of a line are joined again: whitespace is dropped.
        pages.append((width, height, re.sub(r"\s+", "", text.get_text_range()), boxes))
    return pages


def test_every_character_lies_within_its_page(
    pdf_pages: list[tuple[float, float, str, list[tuple[float, float, float, float]]]],
) -> None:
    assert len(pdf_pages) > 2
    for number, (width, height, _, boxes) in enumerate(pdf_pages, start=1):
        assert boxes, f"page {number} has no text"
        for left, bottom, right, top in boxes:
            assert left >= -0.5 and right <= width + 0.5, f"page {number}: x {left}-{right}"
            assert bottom >= -0.5 and top <= height + 0.5, f"page {number}: y {bottom}-{top}"


def test_the_wide_table_is_landscape_with_its_header_on_every_page(
    pdf_pages: list[tuple[float, float, str, list[tuple[float, float, float, float]]]],
) -> None:
    wide = [p for p in pdf_pages if "Itemsexported" in p[2]]
    assert len(wide) >= 2, "the destination table runs over several pages"
    for width, height, text, _ in wide:
        assert width > height, "the wide table is on landscape pages"
        assert "Criteriainvoked" in text and "Denials" in text


def test_no_row_is_split_across_pages(
    pdf_pages: list[tuple[float, float, str, list[tuple[float, float, float, float]]]],
) -> None:
    table = [p if "Itemsexported" in p[2] else (0.0, 0.0, "", []) for p in pdf_pages]
    for n in range(1, 31):
        # Each row of the destination table: its first and last criteria on one page.
        first, last = f"eu.criterion-1-row{n:02d}", f"eu.criterion-5-row{n:02d}"
        pages_first = {i for i, p in enumerate(table) if first in p[2]}
        pages_last = {i for i, p in enumerate(table) if last in p[2]}
        assert len(pages_first) == 1 and pages_first == pages_last, (n, pages_first, pages_last)

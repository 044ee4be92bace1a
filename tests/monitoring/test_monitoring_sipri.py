"""The SIPRI importers against the real exports: counts, layouts, every name mapped."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from openatt.core.model import Category
from openatt.monitoring.mapping import PartyKind, party_map
from openatt.monitoring.sipri import LayoutError, detect_layout, read_sipri
from openatt.monitoring.transfer import Transfer

REGISTER_RAW = "sipri_trade_register_1950_2024/trade-register_generated-2025-03-13.csv"
REGISTER_CLEAN = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
DELIVERIES_RAW = (
    "sipri_deliveries_by_year_1995_2024/"
    "trade-register_deliveries-1995-2025_generated-2026-02-12.csv"
)
DELIVERIES_CLEAN = "sipri_deliveries_by_year_1995_2024/deliveries_1995_2024.csv"
FILES = {
    REGISTER_RAW: "trade_register_raw",
    REGISTER_CLEAN: "trade_register_clean",
    DELIVERIES_RAW: "deliveries_raw",
    DELIVERIES_CLEAN: "deliveries_clean",
}

_cache: dict[str, tuple[list[Transfer], object]] = {}


def _read(transfers_dir: Path, name: str):  # type: ignore[no-untyped-def]
    if name not in _cache:
        _cache[name] = read_sipri(transfers_dir / name)
    return _cache[name]


def _clean_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", list(FILES))
def test_layout_is_detected(transfers_dir: Path, name: str) -> None:
    _, report = _read(transfers_dir, name)
    assert report.layout == FILES[name]


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(LayoutError, match="not a SIPRI"):
        detect_layout("country,year,score\nX,2000,1\n")


@pytest.mark.parametrize("raw,clean", [(REGISTER_RAW, REGISTER_CLEAN)])
def test_register_counts_equal_the_files_rows(transfers_dir: Path, raw: str, clean: str) -> None:
    rows = _clean_rows(transfers_dir / clean)
    expected_transfers = sum(len([y for y in r["delivery_years"].split(";") if y]) for r in rows)
    open_orders = sum(1 for r in rows if not r["delivery_years"].strip())
    for name in (raw, clean):
        transfers, report = _read(transfers_dir, name)
        assert report.rows == len(rows)
        assert report.open_orders == open_orders
        assert report.transfers == len(transfers) == expected_transfers


def test_raw_and_clean_register_agree(transfers_dir: Path) -> None:
    raw, _ = _read(transfers_dir, REGISTER_RAW)
    clean, _ = _read(transfers_dir, REGISTER_CLEAN)

    def key(t: Transfer) -> tuple[object, ...]:
        return (t.supplier_name, t.recipient_name, t.designation, t.delivery_year, t.tiv_delivered)

    assert sorted(map(key, raw)) == sorted(map(key, clean))
    # the four records SIPRI broke over two lines are re-joined with their TIV intact
    assert sum(t.tiv_delivered or 0 for t in raw) == pytest.approx(
        sum(t.tiv_delivered or 0 for t in clean)
    )


def test_deliveries_counts_equal_the_files_rows(transfers_dir: Path) -> None:
    rows = _clean_rows(transfers_dir / DELIVERIES_CLEAN)
    deals = {r["sipri_deal_id"] for r in rows}
    for name in (DELIVERIES_RAW, DELIVERIES_CLEAN):
        transfers, report = _read(transfers_dir, name)
        assert report.rows == len(transfers) == len(rows)
        assert report.deals == len(deals)
        assert sum(t.tiv_delivered or 0 for t in transfers) == pytest.approx(
            sum(float(r["tiv_delivered"] or 0) for r in rows)
        )


@pytest.mark.parametrize("name", list(FILES))
def test_every_name_and_description_is_mapped(transfers_dir: Path, name: str) -> None:
    transfers, report = _read(transfers_dir, name)
    assert dict(report.unmapped_names) == {}
    assert dict(report.unmapped_descriptions) == {}
    for t in transfers:
        for ref in (t.supplier, t.recipient):
            assert ref is not None
            assert ref.reason  # every mapping says why
            if ref.kind in (PartyKind.state, PartyKind.non_state):
                assert ref.state, f"{ref.name} in {t.delivery_year} has no state"


def test_each_transfer_keeps_its_source_row(transfers_dir: Path) -> None:
    transfers, _ = _read(transfers_dir, REGISTER_RAW)
    broken = [
        t
        for t in transfers
        if "Hermes-900" in t.designation and t.recipient_name.startswith("United")
    ]
    assert broken and broken[0].source_row["tiv_delivered"] == "9"
    assert broken[0].source_row["order_year_uncertain"] in ("", "?")
    first = transfers[0]
    assert first.source_row["recipient"] == first.recipient_name


def test_non_state_and_organisations(transfers_dir: Path) -> None:
    transfers, _ = _read(transfers_dir, DELIVERIES_CLEAN)
    houthis = [t for t in transfers if t.recipient_name == "Houthi rebels (Yemen)*"]
    assert houthis
    ref = houthis[0].recipient
    assert ref is not None and ref.kind is PartyKind.non_state
    assert (ref.state, ref.group) == ("YEM", "Houthis (Ansar Allah)")
    un = [t for t in transfers if t.recipient_name == "United Nations**"]
    assert un and all(t.recipient and t.recipient.kind is PartyKind.organisation for t in un)
    assert not any(t.assessable for t in un)


def test_former_states_for_their_years() -> None:
    import datetime as dt

    parties = party_map()
    viet_nam_1970 = parties.resolve("Viet Nam", dt.date(1970, 7, 1))
    viet_nam_1990 = parties.resolve("Viet Nam", dt.date(1990, 7, 1))
    assert viet_nam_1970 is not None and viet_nam_1970.state == "VDR"
    assert viet_nam_1990 is not None and viet_nam_1990.state == "VNM"
    former = {
        "Soviet Union": "SUN",
        "East Germany (GDR)": "DDR",
        "South Yemen": "YMD",
        "Czechoslovakia": "CSK",
        "Yugoslavia": "YUG",
    }
    for name, code in former.items():
        ref = parties.resolve(name, dt.date(1980, 7, 1))
        assert ref is not None and ref.state == code
    # the Federal Republic of Yugoslavia kept YUG until 2003, as the reference data codes it
    serbia = [parties.resolve("Serbia", dt.date(y, 7, 1)) for y in (1999, 2004, 2010)]
    assert [s.state if s else None for s in serbia] == ["YUG", "SCG", "SRB"]


def test_categories(transfers_dir: Path) -> None:
    transfers, _ = _read(transfers_dir, DELIVERIES_CLEAN)
    by_description = {t.description: t.category for t in transfers}
    assert by_description["tank"] is Category.I
    assert by_description["armoured personnel carrier"] is Category.II
    assert by_description["combat helicopter"] is Category.V
    assert by_description["aircraft engine"] is Category.parts
    assert by_description["surveillance satellite"] is Category.other
    # outside ATT Art. 2(1) but on the military lists: the control entry says which heading
    entries = {t.description: t.control_entry for t in transfers}
    assert entries["transport aircraft"] == "ML10"
    assert entries["air-search radar"] == "ML5"
    assert all(t.control_entry for t in transfers if t.category is Category.other)

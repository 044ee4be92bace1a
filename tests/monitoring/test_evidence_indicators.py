"""Each indicator provider against its real file, and the mapping's timing rule."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from openatt.core.model import EvidenceKind
from openatt.evidence.mapping import load_mapping
from openatt.evidence.offer import indicator_evidence
from openatt.evidence.providers import PROVIDERS, find_indicator_files, load_indicators
from openatt.evidence.table import IndicatorTable


@pytest.fixture(scope="module")
def tables(indicators_dir: Path) -> dict[str, IndicatorTable]:
    return load_indicators(indicators_dir)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_provider_finds_its_file(indicators_dir: Path) -> None:
    assert set(find_indicator_files(indicators_dir)) == set(PROVIDERS)


def test_pts_against_its_file(indicators_dir: Path, tables: dict[str, IndicatorTable]) -> None:
    rows = _csv(next(indicators_dir.rglob("PTS-2024.csv")))
    syria = {r["Year"]: r for r in rows if r["Country"] == "Syrian Arab Republic"}
    pts = tables["pts"]
    assert pts.values("SYR", 2013)["PTS_S"] == float(syria["2013"]["PTS_S"])
    assert "PTS_H" not in pts.values("SYR", 1980) or syria["1980"]["PTS_H"] != "NA"
    scored = {(r["Country"], r["Year"]) for r in rows if r["PTS_A"] != "NA" or r["PTS_S"] != "NA"}
    assert pts.rows >= len(scored) - 200  # only sub-state units (Crimea, Gaza...) are skipped


def test_ucdp_organized_violence(indicators_dir: Path, tables: dict[str, IndicatorTable]) -> None:
    rows = _csv(next(indicators_dir.rglob("organizedviolencecy_v25_1.csv")))
    table = tables["ucdp_ov"]
    assert table.rows == len(rows)  # every country-year mapped to a state
    syria = next(r for r in rows if r["country_cy"] == "Syria" and r["year_cy"] == "2014")
    got = table.values("SYR", 2014)["sb_total_deaths_best_cy"]
    assert got == float(syria["sb_total_deaths_best_cy"])
    assert table.values("SUN", 1990) and table.values("RUS", 1995)
    assert table.values("YUG", 1999) and table.values("SCG", 2004) and table.values("SRB", 2010)


def test_ucdp_prio_conflict(indicators_dir: Path, tables: dict[str, IndicatorTable]) -> None:
    rows = _csv(next(indicators_dir.rglob("UcdpPrioConflict_v25_1.csv")))
    table = tables["ucdp_acd"]
    wars_2014 = {r["location"] for r in rows if r["year"] == "2014" and r["intensity_level"] == "2"}
    assert "Syria" in wars_2014
    assert table.values("SYR", 2014)["intrastate_intensity"] == 2.0
    assert set(table.values("CHE", 2014).values()) == {0.0}
    assert set(table.values("CHE", 2014)) == {
        "party_intensity",
        "intrastate_intensity",
        "interstate_primary_intensity",
        "opposition_support_intensity",
    }
    assert table.values("USA", 2003)["party_intensity"] == 2.0  # Iraq
    # 2003: the war against Iraq's government is interstate; from 2004 the US fights beside
    # Iraq's government (a secondary party on the government's side): not read as interstate
    assert table.values("USA", 2003)["interstate_primary_intensity"] == 2.0
    assert table.values("USA", 2004)["party_intensity"] == 2.0
    assert table.values("USA", 2004)["interstate_primary_intensity"] == 0.0
    assert table.values("USA", 2004)["opposition_support_intensity"] == 0.0
    # Turkey fights with the Syrian insurgents against Syria's government from 2020 (gwno_b_2nd)
    assert table.values("TUR", 2020)["opposition_support_intensity"] >= 1.0
    assert table.values("TUR", 2018)["opposition_support_intensity"] == 0.0
    assert table.values("ISL", 1900) == {}  # outside the data's years: no claim


def test_vdem(indicators_dir: Path, tables: dict[str, IndicatorTable]) -> None:
    rows = _csv(next(indicators_dir.rglob("dv_data_1968_on.csv")))
    usa = next(r for r in rows if r["country_text_id"] == "USA" and r["year"] == "2020")
    assert tables["vdem"].values("USA", 2020)["v2xcl_rol"] == float(usa["v2xcl_rol"])
    assert tables["vdem"].rows == len(rows) - 8  # 8 rows of units openatt does not code
    regimes = tables["vdem_row"]
    assert regimes.values("SAU", 2020)["v2x_regime"] == 0.0
    assert regimes.values("SWE", 2020)["v2x_regime"] == 3.0


def test_cpi_gpi_fsi(indicators_dir: Path, tables: dict[str, IndicatorTable]) -> None:
    cpi_rows = _csv(next(indicators_dir.rglob("cpi_2012_2023_long.csv")))
    assert tables["cpi"].rows == len(cpi_rows)
    dnk = next(r for r in cpi_rows if r["iso3"] == "DNK" and r["year"] == "2023")
    assert tables["cpi"].values("DNK", 2023)["cpi_score"] == float(dnk["cpi_score"])
    gpi_rows = [
        r for r in _csv(next(indicators_dir.rglob("gpi_2008_2022_long.csv"))) if r["overall"]
    ]
    assert len({(s, y) for s, y, v, _ in tables["gpi"].records() if v == "overall"}) == len(
        gpi_rows
    )
    fsi_rows = _csv(next(indicators_dir.rglob("fsi_2023.csv")))
    assert tables["fsi"].rows == len(fsi_rows)
    assert tables["fsi"].values("SOM", 2023)["total"] == 111.9


def test_evidence_never_uses_a_later_year(tables: dict[str, IndicatorTable]) -> None:
    day = dt.date(2016, 7, 1)
    evidence = indicator_evidence("SYR", day, tables)
    assert evidence
    for item in evidence:
        assert item.kind is EvidenceKind.indicator
        assert item.date < day
        assert item.date.year <= day.year - load_mapping().timing.latest_year_offset
        assert "indicators lag" in (item.note or "")
        assert item.value is not None and f"{item.value:g}" in item.source


def test_bands_follow_the_values(tables: dict[str, IndicatorTable]) -> None:
    syria = {
        e.criterion: e
        for e in indicator_evidence("SYR", dt.date(2016, 7, 1), tables)
        if e.source.startswith("Political Terror")
    }
    assert syria["human_rights"].likelihood == "very_likely"  # PTS 5 in 2015
    iceland = [
        e
        for e in indicator_evidence("ISL", dt.date(2016, 7, 1), tables)
        if e.source.startswith("Political Terror")
    ]
    assert iceland and all(e.likelihood == "remote" for e in iceland)


def test_only_fsi_2023_for_2024(tables: dict[str, IndicatorTable]) -> None:
    later = indicator_evidence("SOM", dt.date(2024, 7, 1), tables)
    earlier = indicator_evidence("SOM", dt.date(2023, 7, 1), tables)
    assert any(e.source.startswith("Fragile States") for e in later)
    assert not any(e.source.startswith("Fragile States") for e in earlier)


def test_empty_cells_per_provider(tmp_path: Path) -> None:
    """An empty PTS score is left out (not scored); an empty UCDP count is zero deaths, and
    UCDP's region is kept per state. Written files: the real ones have few such cells."""
    pts = tmp_path / "PTS-2024.csv"
    pts.write_text("Country,Year,PTS_A,PTS_H,PTS_S\nFrance,2010,1,NA,\n", encoding="utf-8")
    table = PROVIDERS["pts"][1](pts)
    assert table.values("FRA", 2010) == {"PTS_A": 1.0}
    assert table.file == "PTS-2024.csv"
    ucdp = tmp_path / "organizedviolencecy_v25_1.csv"
    columns = (
        "sb_total_deaths_best_cy,sb_intrastate_deaths_best_cy,ns_total_deaths_best_cy,"
        "os_main_govt_killings_best_cy,os_total_deaths_best_cy"
    )
    ucdp.write_text(
        f"country_cy,year_cy,region_cy,{columns}\nFrance,2010,Europe,3,,NA,0,\n", encoding="utf-8"
    )
    table = PROVIDERS["ucdp_ov"][1](ucdp)
    assert table.values("FRA", 2010) == {
        "sb_total_deaths_best_cy": 3.0,
        "sb_intrastate_deaths_best_cy": 0.0,
        "ns_total_deaths_best_cy": 0.0,
        "os_main_govt_killings_best_cy": 0.0,
        "os_total_deaths_best_cy": 0.0,
    }
    assert table.regions == {"FRA": "Europe"}

"""Loaders for the country indicators openatt reads, one function per publisher's file.

Each returns an :class:`IndicatorTable`: (state, year) -> values, with the title, release and
citation its evidence will name. The files are the ones the user downloaded (see
``openatt indicators import DIR``); :data:`PROVIDERS` says which file name each loader reads.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from openatt.evidence.table import IndicatorTable, gw_codes, recode, state_for


def _rows(path: Path, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)


def _number(text: str) -> float | None:
    text = text.strip()
    if not text or text.upper() in ("NA", "N/A", "NAN"):
        return None
    return float(text)


def load_pts(path: Path) -> IndicatorTable:
    """Political Terror Scale: PTS_A (Amnesty), PTS_H (HRW), PTS_S (US State Dept), 1-5."""
    table = IndicatorTable(
        id="pts",
        title="Political Terror Scale",
        release="2024 release",
        citation="Gibney, Cornett, Wood, Haschke, Arnon, Pisano, Barrett, Park. The Political "
        "Terror Scale 1976-2023, http://www.politicalterrorscale.org",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["Year"])
        state = state_for("pts", row["Country"], year)
        if state is None:
            continue
        for variable in ("PTS_A", "PTS_H", "PTS_S"):
            value = _number(row[variable])
            if value is not None:
                table.put(state, year, variable, value)
    return table


_UCDP_OV = (
    "sb_total_deaths_best_cy",
    "sb_intrastate_deaths_best_cy",
    "ns_total_deaths_best_cy",
    "os_main_govt_killings_best_cy",
    "os_total_deaths_best_cy",
)


def load_ucdp_organized_violence(path: Path) -> IndicatorTable:
    """UCDP country-year organised violence: battle and one-sided-violence deaths in the state."""
    table = IndicatorTable(
        id="ucdp_ov",
        title="UCDP Country-Year Dataset on Organized Violence",
        release="v25.1",
        citation="Uppsala Conflict Data Program, Country-Year Dataset on Organized Violence "
        "within Country Borders v25.1, https://ucdp.uu.se/downloads/",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["year_cy"])
        state = state_for("ucdp", row["country_cy"], year)
        if state is None:
            continue
        table.regions[state] = row["region_cy"]
        for variable in _UCDP_OV:
            value = _number(row[variable])
            table.put(state, year, variable, 0.0 if value is None else value)
    return table


def load_ucdp_prio_conflict(path: Path) -> IndicatorTable:
    """UCDP/PRIO Armed Conflict Dataset: per state and year, the highest intensity of the
    armed conflicts it is a party to (``party_intensity``) and of intrastate conflicts on its
    territory (``intrastate_intensity``); 0 = none recorded, 1 = 25-999, 2 = 1,000+ deaths."""
    table = IndicatorTable(
        id="ucdp_acd",
        title="UCDP/PRIO Armed Conflict Dataset",
        release="v25.1",
        citation="Gleditsch et al. (2002), Armed Conflict 1946-2001: A New Dataset, Journal of "
        "Peace Research 39(5); UCDP/PRIO Armed Conflict Dataset v25.1",
        file=path.name,
    )
    codes = gw_codes()

    def states(field: str, year: int) -> list[str]:
        found = []
        for part in field.replace(";", ",").split(","):
            part = part.strip()
            if part and int(part) in codes:
                code, final = codes[int(part)]
                found.append(code if final else recode(code, year))
        return found

    first, last = 9999, 0
    for row in _rows(path):
        year = int(row["year"])
        first, last = min(first, year), max(last, year)
        intensity = float(row["intensity_level"])
        parties = {
            s
            for f in ("gwno_a", "gwno_a_2nd", "gwno_b", "gwno_b_2nd")
            for s in states(row[f], year)
        }
        for state in parties:
            current = table.values(state, year).get("party_intensity", 0.0)
            table.put(state, year, "party_intensity", max(current, intensity))
            table.put(
                state,
                year,
                "intrastate_intensity",
                table.values(state, year).get("intrastate_intensity", 0.0),
            )
        if row["type_of_conflict"] in ("3", "4"):
            for state in states(row["gwno_loc"], year):
                current = table.values(state, year).get("intrastate_intensity", 0.0)
                table.put(state, year, "intrastate_intensity", max(current, intensity))
                table.put(
                    state,
                    year,
                    "party_intensity",
                    table.values(state, year).get("party_intensity", 0.0),
                )
    table.default = {"party_intensity": 0.0, "intrastate_intensity": 0.0}
    table.default_states = frozenset(code for code, _ in codes.values()) | {
        "SUN",
        "YUG",
        "CSK",
        "VDR",
    }
    table.default_years = (first, last)
    return table


_VDEM14 = (
    "v2xcl_rol",
    "v2x_pubcorr",
    "v2xcs_ccsi",
    "v2x_freexp_altinf",
    "v2x_veracc_osp",
    "v2x_horacc_osp",
)


def load_vdem_indices(path: Path) -> IndicatorTable:
    """V-Dem v14 indices (0-1): rule of law and liberties, public-sector corruption, ..."""
    table = IndicatorTable(
        id="vdem",
        title="V-Dem Country-Year Dataset",
        release="v14",
        citation="Coppedge et al. (2024), V-Dem Country-Year Dataset v14, Varieties of "
        "Democracy (V-Dem) Project",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["year"])
        state = state_for("vdem", row["country_text_id"], year)
        if state is None:
            continue
        for variable in _VDEM14:
            value = _number(row[variable])
            if value is not None:
                table.put(state, year, variable, value)
    return table


def load_vdem_regimes(path: Path) -> IndicatorTable:
    """V-Dem v15 Regimes of the World (0 closed autocracy .. 3 liberal democracy)."""
    table = IndicatorTable(
        id="vdem_row",
        title="V-Dem Regimes of the World (ERT)",
        release="v15 / ERT 15.0",
        citation="Maerz, Edgell, Krusell, Maxwell, Hellmeier (2025), ERT - Episodes of Regime "
        "Transformation, V-Dem Project; V-Dem v15",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["year"])
        state = state_for("vdem", row["country_text_id"], year)
        if state is None:
            continue
        for variable in ("v2x_regime", "v2x_polyarchy"):
            value = _number(row[variable])
            if value is not None:
                table.put(state, year, variable, value)
    return table


def load_cpi(path: Path) -> IndicatorTable:
    """Transparency International CPI, 0 (highly corrupt) .. 100 (very clean), 2012 on."""
    table = IndicatorTable(
        id="cpi",
        title="Transparency International Corruption Perceptions Index",
        release="CPI 2023",
        citation="Transparency International, Corruption Perceptions Index 2023, "
        "https://www.transparency.org/en/cpi",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["year"])
        state = state_for("cpi", row["iso3"], year)
        value = _number(row["cpi_score"])
        if state is not None and value is not None:
            table.put(state, year, "cpi_score", value)
    return table


def load_gpi(path: Path) -> IndicatorTable:
    """Global Peace Index, 1 (most peaceful) .. 5, overall and three domains, 2008 on."""
    table = IndicatorTable(
        id="gpi",
        title="Global Peace Index",
        release="GPI 2022",
        citation="Institute for Economics & Peace, Global Peace Index 2022",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["year"])
        state = state_for("gpi", row["iso3"], year)
        if state is None:
            continue
        for variable in ("overall", "safety_security", "militarisation", "ongoing_conflict"):
            value = _number(row[variable])
            if value is not None:
                table.put(state, year, variable, value)
    return table


def load_fsi(path: Path) -> IndicatorTable:
    """Fragile States Index: total 0-120 and twelve indicators 0-10 (2023 only here)."""
    table = IndicatorTable(
        id="fsi",
        title="Fragile States Index",
        release="FSI 2023",
        citation="The Fund for Peace, Fragile States Index 2023, https://fragilestatesindex.org",
        file=path.name,
    )
    for row in _rows(path):
        year = int(row["year"])
        state = state_for("fsi", row["country"], year)
        if state is None:
            continue
        for variable in ("total", "P3_human_rights_rule_of_law", "C1_security_apparatus"):
            value = _number(row[variable])
            if value is not None:
                table.put(state, year, variable, value)
    return table


Loader = Callable[[Path], IndicatorTable]

PROVIDERS: dict[str, tuple[str, Loader]] = {
    "pts": ("PTS-*.csv", load_pts),
    "ucdp_ov": ("organizedviolencecy_v*.csv", load_ucdp_organized_violence),
    "ucdp_acd": ("UcdpPrioConflict_v*[0-9].csv", load_ucdp_prio_conflict),
    "vdem": ("dv_data_*.csv", load_vdem_indices),
    "vdem_row": ("ert_*regime*.csv", load_vdem_regimes),
    "cpi": ("cpi_*_long.csv", load_cpi),
    "gpi": ("gpi_*_long.csv", load_gpi),
    "fsi": ("fsi_*.csv", load_fsi),
}


def find_indicator_files(directory: Path) -> dict[str, Path]:
    """The file each provider reads under ``directory`` (searched recursively)."""
    found: dict[str, Path] = {}
    for provider, (pattern, _) in PROVIDERS.items():
        matches = sorted(directory.rglob(pattern))
        if matches:
            found[provider] = matches[-1]
    return found


def load_indicators(directory: Path) -> dict[str, IndicatorTable]:
    """Every indicator found under ``directory``, by provider id."""
    return {
        provider: PROVIDERS[provider][1](path)
        for provider, path in find_indicator_files(directory).items()
    }

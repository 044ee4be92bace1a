"""Loaders for the country indicators openatt reads, one per publisher's file.

Each returns an :class:`IndicatorTable`: (state, year) -> values, with the title, release and
citation its evidence will name. The files are the ones the user downloaded (see
``openatt indicators import DIR``); :data:`PROVIDERS` says which file name each loader reads.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _ColumnFile:
    """A publisher's file with one row per country and year and one column per variable.

    Every such file loads the same way; what differs is which columns to read, so each provider
    is one of these rather than a loop of its own.
    """

    id: str
    title: str
    release: str
    citation: str
    country: str  # the column naming the country
    year: str  # the column holding the year
    variables: tuple[str, ...]
    states: str  # the provider's section in indicator_states.yaml
    region: str | None = None  # the column with the publisher's region, kept per state
    empty: float | None = None  # what an empty or NA cell stands for; None leaves it out

    def load(self, path: Path) -> IndicatorTable:
        table = IndicatorTable(
            id=self.id,
            title=self.title,
            release=self.release,
            citation=self.citation,
            file=path.name,
        )
        for row in _rows(path):
            year = int(row[self.year])
            state = state_for(self.states, row[self.country], year)
            if state is None:
                continue
            if self.region is not None:
                table.regions[state] = row[self.region]
            for variable in self.variables:
                value = _number(row[variable])
                if value is None:
                    value = self.empty
                if value is not None:
                    table.put(state, year, variable, value)
        return table


# Political Terror Scale: PTS_A (Amnesty), PTS_H (HRW), PTS_S (US State Dept), 1-5.
_PTS = _ColumnFile(
    id="pts",
    title="Political Terror Scale",
    release="2024 release",
    citation="Gibney, Cornett, Wood, Haschke, Arnon, Pisano, Barrett, Park. The Political "
    "Terror Scale 1976-2023, http://www.politicalterrorscale.org",
    country="Country",
    year="Year",
    variables=("PTS_A", "PTS_H", "PTS_S"),
    states="pts",
)

# UCDP country-year organised violence: battle and one-sided-violence deaths in the state;
# no deaths recorded is zero.
_UCDP_OV = _ColumnFile(
    id="ucdp_ov",
    title="UCDP Country-Year Dataset on Organized Violence",
    release="v25.1",
    citation="Uppsala Conflict Data Program, Country-Year Dataset on Organized Violence "
    "within Country Borders v25.1, https://ucdp.uu.se/downloads/",
    country="country_cy",
    year="year_cy",
    variables=(
        "sb_total_deaths_best_cy",
        "sb_intrastate_deaths_best_cy",
        "ns_total_deaths_best_cy",
        "os_main_govt_killings_best_cy",
        "os_total_deaths_best_cy",
    ),
    states="ucdp",
    region="region_cy",
    empty=0.0,
)

# V-Dem v14 indices (0-1): rule of law and liberties, public-sector corruption, ...
_VDEM = _ColumnFile(
    id="vdem",
    title="V-Dem Country-Year Dataset",
    release="v14",
    citation="Coppedge et al. (2024), V-Dem Country-Year Dataset v14, Varieties of "
    "Democracy (V-Dem) Project",
    country="country_text_id",
    year="year",
    variables=(
        "v2xcl_rol",
        "v2x_pubcorr",
        "v2xcs_ccsi",
        "v2x_freexp_altinf",
        "v2x_veracc_osp",
        "v2x_horacc_osp",
    ),
    states="vdem",
)

# V-Dem v15 Regimes of the World (0 closed autocracy .. 3 liberal democracy).
_VDEM_ROW = _ColumnFile(
    id="vdem_row",
    title="V-Dem Regimes of the World (ERT)",
    release="v15 / ERT 15.0",
    citation="Maerz, Edgell, Krusell, Maxwell, Hellmeier (2025), ERT - Episodes of Regime "
    "Transformation, V-Dem Project; V-Dem v15",
    country="country_text_id",
    year="year",
    variables=("v2x_regime", "v2x_polyarchy"),
    states="vdem",
)

# Transparency International CPI, 0 (highly corrupt) .. 100 (very clean), 2012 on.
_CPI = _ColumnFile(
    id="cpi",
    title="Transparency International Corruption Perceptions Index",
    release="CPI 2023",
    citation="Transparency International, Corruption Perceptions Index 2023, "
    "https://www.transparency.org/en/cpi",
    country="iso3",
    year="year",
    variables=("cpi_score",),
    states="cpi",
)

# Global Peace Index, 1 (most peaceful) .. 5, overall and three domains, 2008 on.
_GPI = _ColumnFile(
    id="gpi",
    title="Global Peace Index",
    release="GPI 2022",
    citation="Institute for Economics & Peace, Global Peace Index 2022",
    country="iso3",
    year="year",
    variables=("overall", "safety_security", "militarisation", "ongoing_conflict"),
    states="gpi",
)

# Fragile States Index: total 0-120 and twelve indicators 0-10 (2023 only here).
_FSI = _ColumnFile(
    id="fsi",
    title="Fragile States Index",
    release="FSI 2023",
    citation="The Fund for Peace, Fragile States Index 2023, https://fragilestatesindex.org",
    country="country",
    year="year",
    variables=("total", "P3_human_rights_rule_of_law", "C1_security_apparatus"),
    states="fsi",
)


_ACD_VARIABLES = (
    "party_intensity",
    "intrastate_intensity",
    "interstate_primary_intensity",
    "opposition_support_intensity",
)


def load_ucdp_prio_conflict(path: Path) -> IndicatorTable:
    """UCDP/PRIO Armed Conflict Dataset: per state and year, the highest intensity (0 = none
    recorded, 1 = 25-999, 2 = 1,000+ battle-related deaths) of

    - ``party_intensity``: any armed conflict it is a party to, primary or secondary, at home or
      abroad (what indicator-mapping-v1 reads);
    - ``intrastate_intensity``: intrastate conflicts (types 3 and 4) located on its territory;
    - ``interstate_primary_intensity``: interstate conflicts (type 2) in which it is a primary
      party (``gwno_a`` or ``gwno_b``), the only kind in which it fights another state itself;
    - ``opposition_support_intensity``: intrastate conflicts in another state in which it fights
      as a secondary party on the side of the opposition (``gwno_b_2nd``), i.e. against that
      state's government. Taking part on a government's side (``gwno_a_2nd``), as coalitions at a
      host government's request do, is deliberately not counted here."""
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

    def raise_to(state: str, year: int, variable: str, intensity: float) -> None:
        current = table.values(state, year)
        for name in _ACD_VARIABLES:
            if name not in current:
                table.put(state, year, name, 0.0)
        table.put(state, year, variable, max(table.values(state, year)[variable], intensity))

    first, last = 9999, 0
    for row in _rows(path):
        year = int(row["year"])
        first, last = min(first, year), max(last, year)
        intensity = float(row["intensity_level"])
        kind = row["type_of_conflict"]
        for field in ("gwno_a", "gwno_a_2nd", "gwno_b", "gwno_b_2nd"):
            for state in states(row[field], year):
                raise_to(state, year, "party_intensity", intensity)
        if kind == "2":
            for field in ("gwno_a", "gwno_b"):
                for state in states(row[field], year):
                    raise_to(state, year, "interstate_primary_intensity", intensity)
        if kind in ("3", "4"):
            location = set(states(row["gwno_loc"], year))
            for state in location:
                raise_to(state, year, "intrastate_intensity", intensity)
            for state in states(row["gwno_b_2nd"], year):
                if state not in location:
                    raise_to(state, year, "opposition_support_intensity", intensity)
    table.default = dict.fromkeys(_ACD_VARIABLES, 0.0)
    table.default_states = frozenset(code for code, _ in codes.values()) | {
        "SUN",
        "YUG",
        "CSK",
        "VDR",
    }
    table.default_years = (first, last)
    return table


Loader = Callable[[Path], IndicatorTable]

PROVIDERS: dict[str, tuple[str, Loader]] = {
    "pts": ("PTS-*.csv", _PTS.load),
    "ucdp_ov": ("organizedviolencecy_v*.csv", _UCDP_OV.load),
    "ucdp_acd": ("UcdpPrioConflict_v*[0-9].csv", load_ucdp_prio_conflict),
    "vdem": ("dv_data_*.csv", _VDEM.load),
    "vdem_row": ("ert_*regime*.csv", _VDEM_ROW.load),
    "cpi": ("cpi_*_long.csv", _CPI.load),
    "gpi": ("gpi_*_long.csv", _GPI.load),
    "fsi": ("fsi_*.csv", _FSI.load),
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

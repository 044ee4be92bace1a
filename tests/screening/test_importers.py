"""Each importer against its real sample file; expected counts are those in the lists README."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from openatt.screening.importers import detect_format, read_list
from openatt.screening.model import ImportResult, NameKind, Schema


def _schemas(result: ImportResult) -> Counter[Schema]:
    return Counter(entity.schema for entity in result.entities)


def _by_id(result: ImportResult, entity_id: str):  # type: ignore[no-untyped-def]
    return next(e for e in result.entities if e.entity_id == entity_id)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("un-sc-consolidated/consolidated.xml", "un-xml"),
        ("un-sc-consolidated/history/consolidated-2024-09-26.xml", "un-xml"),
        ("ofac-sdn-csv-2021/sdn.csv", "ofac-csv"),
        ("ofac-sdn-csv-2024-primary-only/sdn.csv", "ofac-csv"),
        ("ofac-consolidated-non-sdn/consolidated.xml", "ofac-xml"),
        ("ofac-consolidated-non-sdn/cons_prim.csv", "ofac-csv"),
        ("us-bis-denied-persons/dpl.txt", "bis-dpl"),
        ("us-csl-partial/csl.csv", "csl-csv"),
        ("canada-sema/sema-lmes.xml", "canada-xml"),
        ("australia-dfat/regulation8_consolidated.xlsx", "dfat-xlsx"),
        ("opensanctions-ftm/zala-cluster.entities.ftm.json", "ftm-json"),
    ],
)
def test_format_is_detected(lists_dir: Path, relative: str, expected: str) -> None:
    assert detect_format(lists_dir / relative) == expected


def test_un_2026(lists_dir: Path) -> None:
    path = lists_dir / "un-sc-consolidated/consolidated.xml"
    result = read_list(path)
    assert result.list_id == "un-sc-consolidated" and result.authority == "UN"
    assert result.version_date == dt.date(2026, 2, 27)
    assert len(result.entities) == 1003
    assert _schemas(result) == {Schema.person: 730, Schema.organization: 273}
    # 3,043 alias elements in the file, some of them empty: every non-empty one is kept.
    text = path.read_text("utf-8")
    non_empty = len(re.findall(r"<ALIAS_NAME>\s*[^<\s][^<]*</ALIAS_NAME>", text))
    kept = sum(
        1
        for e in result.entities
        for n in e.names
        if n.kind in (NameKind.alias, NameKind.weak_alias, NameKind.former)
    )
    assert text.count("_ALIAS>") // 2 == 3043 and kept == non_empty
    emraan = _by_id(result, "QDi.430")
    assert emraan.caption == "EMRAAN ALI"
    assert emraan.birth_dates == ["1967-07-04"]
    assert emraan.countries == ["TTO", "USA"]
    assert emraan.listed_on == "2021-11-23" and emraan.programmes == ["Al-Qaida"]
    assert {i.value for i in emraan.identifiers} >= {"TB162181", "19670704052"}
    assert any(n.kind is NameKind.weak_alias and n.value == "Abu Jihad TNT" for n in emraan.names)
    scripts = {n.script for e in result.entities for n in e.names}
    assert "Arabic" in scripts


def test_un_2024(lists_dir: Path) -> None:
    result = read_list(lists_dir / "un-sc-consolidated/history/consolidated-2024-09-26.xml")
    assert result.version_date == dt.date(2024, 9, 26)
    assert _schemas(result) == {Schema.person: 682, Schema.organization: 193}


def test_ofac_sdn_csv_set(lists_dir: Path) -> None:
    result = read_list(lists_dir / "ofac-sdn-csv-2021/sdn.csv")
    assert result.list_id == "ofac-sdn" and result.version_date is None
    assert result.source_files == ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
    assert len(result.entities) == 8976
    assert _schemas(result) == {
        Schema.person: 4620,
        Schema.organization: 3673,
        Schema.vessel: 406,
        Schema.aircraft: 277,
    }
    assert result.alias_count == 11910 and not result.skipped
    abbas = _by_id(result, "2674")
    assert abbas.birth_dates == ["1948-12-10"] and abbas.programmes == ["SDGT"]
    bnc = _by_id(result, "306")
    assert "NATIONAL BANK OF CUBA" in [n.value for n in bnc.names]


def test_ofac_sdn_primary_only(lists_dir: Path) -> None:
    result = read_list(lists_dir / "ofac-sdn-csv-2024-primary-only/sdn.csv")
    assert len(result.entities) == 14965
    assert _schemas(result) == {
        Schema.person: 6854,
        Schema.organization: 6884,
        Schema.vessel: 851,
        Schema.aircraft: 376,
    }
    # Without alt.csv the aliases OFAC writes into Remarks are used.
    assert result.alias_count > 0


def test_ofac_consolidated_xml_and_csv_agree(lists_dir: Path) -> None:
    xml = read_list(lists_dir / "ofac-consolidated-non-sdn/consolidated.xml")
    csv = read_list(lists_dir / "ofac-consolidated-non-sdn/cons_prim.csv")
    assert xml.version_date == dt.date(2026, 1, 8)
    assert xml.list_id == csv.list_id == "ofac-consolidated"
    assert _schemas(xml) == _schemas(csv) == {Schema.person: 79, Schema.organization: 363}
    assert {e.entity_id for e in xml.entities} == {e.entity_id for e in csv.entities}
    assert csv.alias_count == 1073
    haniya = _by_id(xml, "9639")
    assert haniya.caption == "Ismail Abdul Salah HANIYA" and haniya.birth_dates == ["1962"]


def test_bis_denied_persons(lists_dir: Path) -> None:
    result = read_list(lists_dir / "us-bis-denied-persons/dpl.txt")
    assert result.version_date == dt.date(2023, 11, 16)
    assert len(result.entities) == 545  # 665 orders, 545 names
    assert "I. ASH" in {e.entity_id for e in result.entities}  # leading space trimmed


def test_csl_partial(lists_dir: Path) -> None:
    result = read_list(lists_dir / "us-csl-partial/csl.csv")
    assert len(result.entities) + len(result.skipped) == 4228
    reasons = Counter(s.reason for s in result.skipped)
    assert reasons["repeated header row"] == 1
    assert any(r.startswith("truncated") for r in reasons)


def test_canada(lists_dir: Path) -> None:
    result = read_list(lists_dir / "canada-sema/sema-lmes.xml")
    assert result.authority == "CA" and result.version_date == dt.date(2025, 3, 20)
    assert len(result.entities) == 4759
    counts = _schemas(result)
    assert counts[Schema.person] == 3334
    assert counts[Schema.organization] + counts[Schema.vessel] == 1425
    first = _by_id(result, "Belarus/1, Part 1/1")
    assert first.caption == "Khazalbek Bakhtibekovich Atabekov" and first.listed_on == "2020-09-28"


def test_australia(lists_dir: Path) -> None:
    result = read_list(lists_dir / "australia-dfat/regulation8_consolidated.xlsx")
    assert result.authority == "AU" and result.version_date == dt.date(2024, 11, 11)
    assert len(result.entities) == 3062
    assert _schemas(result) == {Schema.person: 2316, Schema.organization: 746}
    assert result.name_count == 9553
    akhund = _by_id(result, "2")
    assert [n.kind for n in akhund.names] == [NameKind.primary, NameKind.original_script]
    assert akhund.names[1].script == "Arabic"


def test_opensanctions_ftm(lists_dir: Path) -> None:
    zala = read_list(lists_dir / "opensanctions-ftm/zala-cluster.entities.ftm.json")
    assert len(zala.entities) == 14 and len(zala.entities) + len(zala.skipped) == 91
    assert zala.version_date == dt.date(2026, 4, 29)
    scripts = {n.script for e in zala.entities for n in e.names}
    assert {"Latin", "Cyrillic", "Japanese"} <= scripts
    eu = read_list(lists_dir / "opensanctions-ftm/eu_fsf-sample.entities.ftm.json")
    assert len(eu.entities) == 6 and {e.authority for e in eu.entities} == {"EU"}

"""How the importers refuse a file that is not their format: one line naming where and why.

These files are written by the test (a broken download is not something the shared data holds);
the messages are what an officer sees after ``openatt lists import``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.screening.importers import read_list
from openatt.screening.model import MalformedList

_XML_ROOTS = {"un-xml": "CONSOLIDATED_LIST", "ofac-xml": "sdnList", "canada-xml": "data-set"}


@pytest.mark.parametrize("format", sorted(_XML_ROOTS))
def test_xml_importers_name_the_position_of_broken_xml(tmp_path: Path, format: str) -> None:
    path = tmp_path / "list.xml"
    path.write_text("<a>\n  <b></a>\n", encoding="utf-8")
    with pytest.raises(MalformedList, match=r"^not well-formed XML at line 2, column 7$"):
        read_list(path, format)


@pytest.mark.parametrize("format", sorted(_XML_ROOTS))
def test_xml_importers_name_the_root_they_expected(tmp_path: Path, format: str) -> None:
    path = tmp_path / "list.xml"
    path.write_text("<other><x/></other>", encoding="utf-8")
    expected = f"root element is <other>, expected <{_XML_ROOTS[format]}>"
    with pytest.raises(MalformedList) as raised:
        read_list(path, format)
    assert str(raised.value) == expected


def test_ofac_xml_reads_namespaced_tags_by_their_local_name(tmp_path: Path) -> None:
    path = tmp_path / "sdn.xml"
    path.write_text(
        '<sdnList xmlns="https://example.org/sdn"><publshInformation>'
        "<Publish_Date>01/02/2026</Publish_Date><Record_Count>1</Record_Count>"
        "</publshInformation><sdnEntry><uid>7</uid><lastName>ACME TRADING</lastName>"
        "<sdnType>Entity</sdnType></sdnEntry></sdnList>",
        encoding="utf-8",
    )
    result = read_list(path, "ofac-xml")
    assert [e.names[0].value for e in result.entities] == ["ACME TRADING"]
    assert str(result.version_date) == "2026-01-02"


def test_un_xml_keeps_a_namespace_in_the_root_it_reports(tmp_path: Path) -> None:
    path = tmp_path / "list.xml"
    path.write_text('<CONSOLIDATED_LIST xmlns="urn:x"/>', encoding="utf-8")
    with pytest.raises(MalformedList, match=r"root element is <\{urn:x\}CONSOLIDATED_LIST>"):
        read_list(path, "un-xml")


@pytest.mark.parametrize("format", ["bis-dpl", "csl-csv"])
def test_text_importers_refuse_bytes_that_are_not_utf8(tmp_path: Path, format: str) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"Name\tStreet_Address\n\xff\xfe")
    with pytest.raises(MalformedList) as raised:
        read_list(path, format)
    assert str(raised.value) == "not UTF-8 text (invalid start byte at byte 20)"


_CSL_COLUMNS = (
    "_id,source,entity_number,name,alt_names,type,nationalities,citizenships,"
    "dates_of_birth,start_date,ids,programs"
)
_ONE_ENTRY = {
    "bis-dpl": "Name\tStreet_Address\tCity\tState\tCountry\tPostal_Code\tEffective_Date\n"
    "ACME\t1 Road\tBonn\t\tDE\t1\t01/02/2020\n",
    "csl-csv": f"{_CSL_COLUMNS}\n1,Entity List,,ACME,,Entity,,,,2020-02-01,,\n",
}


@pytest.mark.parametrize("format", sorted(_ONE_ENTRY))
def test_text_importers_drop_a_byte_order_mark(tmp_path: Path, format: str) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"\xef\xbb\xbf" + _ONE_ENTRY[format].encode("utf-8"))
    result = read_list(path, format)
    assert [e.names[0].value for e in result.entities] == ["ACME"]


def test_an_ftm_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    """It was a bare UnicodeDecodeError (a traceback for the officer)."""
    path = tmp_path / "entities.ftm.json"
    good = b'{"id": "a", "schema": "Person", "properties": {"name": ["Ann"]}}\n'
    path.write_bytes(good + b'{"id": "b", "schema": "Person", "properties": {"name": ["\xff"]}}\n')
    with pytest.raises(MalformedList, match=r"^line 2: not UTF-8 text \(invalid start byte\)$"):
        read_list(path, "ftm-json")


def test_ofac_csv_names_the_companion_file_that_is_not_utf8(tmp_path: Path) -> None:
    """The SDN list comes in up to four files: the message names the broken one."""
    (tmp_path / "sdn.csv").write_text(
        '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
        encoding="utf-8",
    )
    (tmp_path / "alt.csv").write_bytes(b'36,12,"aka","\xff",-0- \n')
    with pytest.raises(MalformedList, match=r"^alt\.csv: not UTF-8 text"):
        read_list(tmp_path / "sdn.csv", "ofac-csv")

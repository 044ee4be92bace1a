"""UN Security Council Consolidated List, official XML (``sc-sanctions.xsd``).

Individuals carry up to four name parts, aliases of ``Good``/``Low`` quality (``Low`` is the
UN's own word for a weak alias), a name in original script, dates of birth as a date, a year
or a range, nationalities and documents. The version is the ``dateGenerated`` attribute.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from openatt.screening.importers._common import (
    clean,
    country,
    iso_date,
    make_name,
    partial_date,
    read_xml,
    unique,
)
from openatt.screening.model import (
    Identifier,
    ImportResult,
    ListEntity,
    MalformedList,
    Name,
    NameKind,
    Schema,
    Skipped,
)

FORMAT = "un-xml"
LIST_ID = "un-sc-consolidated"
TITLE = "UN Security Council Consolidated List"
_ALIAS_KINDS = {"low": NameKind.weak_alias, "f.k.a.": NameKind.former}
_MAX_RANGE_YEARS = 10


def sniff(head: bytes) -> bool:
    return b"<CONSOLIDATED_LIST" in head


def _text(element: ET.Element, tag: str) -> str:
    return clean(element.findtext(tag))


def _birth_dates(record: ET.Element) -> list[str]:
    dates: list[str] = []
    for item in record.iter("INDIVIDUAL_DATE_OF_BIRTH"):
        for tag in ("DATE", "YEAR"):
            value = partial_date(item.findtext(tag))
            if value:
                dates.append(value)
        start, end = (
            partial_date(item.findtext("FROM_YEAR")),
            partial_date(item.findtext("TO_YEAR")),
        )
        if start and end and 0 <= int(end[:4]) - int(start[:4]) <= _MAX_RANGE_YEARS:
            dates.extend(str(year) for year in range(int(start[:4]), int(end[:4]) + 1))
    return unique(dates)


def _entity(record: ET.Element, individual: bool, position: int) -> ListEntity | Skipped:
    reference = _text(record, "REFERENCE_NUMBER")
    label = f"record {position} (DATAID {_text(record, 'DATAID') or '?'})"
    if not reference:
        raise MalformedList(f"{label}: REFERENCE_NUMBER is missing")
    parts = [
        _text(record, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    ]
    names: list[Name] = []
    primary = make_name(" ".join(part for part in parts if part), NameKind.primary)
    if primary:
        names.append(primary)
    original = make_name(_text(record, "NAME_ORIGINAL_SCRIPT"), NameKind.original_script)
    if original:
        names.append(original)
    alias_tag = "INDIVIDUAL_ALIAS" if individual else "ENTITY_ALIAS"
    for alias in record.iter(alias_tag):
        kind = _ALIAS_KINDS.get(_text(alias, "QUALITY").casefold(), NameKind.alias)
        name = make_name(_text(alias, "ALIAS_NAME"), kind)
        if name:
            names.append(name)
    if not names:
        return Skipped(reference, "no name")
    countries = [country(clean(v.text)) or "" for v in record.findall("NATIONALITY/VALUE")]
    identifiers = [
        Identifier(
            type=_text(doc, "TYPE_OF_DOCUMENT") or "document",
            value=_text(doc, "NUMBER"),
            country=country(_text(doc, "ISSUING_COUNTRY")),
        )
        for doc in record.iter("INDIVIDUAL_DOCUMENT")
        if _text(doc, "NUMBER")
    ]
    listed = iso_date(_text(record, "LISTED_ON"))
    return ListEntity(
        entity_id=reference,
        schema=Schema.person if individual else Schema.organization,
        names=names,
        birth_dates=_birth_dates(record) if individual else [],
        countries=unique(countries),
        identifiers=identifiers,
        programmes=unique([_text(record, "UN_LIST_TYPE")]),
        listed_on=listed.isoformat() if listed else None,
        remarks=_text(record, "COMMENTS1") or None,
    )


def read(path: Path) -> ImportResult:
    root = read_xml(path, "CONSOLIDATED_LIST")
    generated = root.get("dateGenerated")
    version = iso_date(generated)
    if version is None:
        raise MalformedList("the list has no dateGenerated attribute")
    entities: list[ListEntity] = []
    skipped: list[Skipped] = []
    position = 0
    seen: set[str] = set()
    for tag, individual in (("INDIVIDUALS/INDIVIDUAL", True), ("ENTITIES/ENTITY", False)):
        for record in root.findall(tag):
            position += 1
            result = _entity(record, individual, position)
            if isinstance(result, Skipped):
                skipped.append(result)
                continue
            if result.entity_id in seen:
                raise MalformedList(f"record {position} ({result.entity_id}): reference repeated")
            seen.add(result.entity_id)
            entities.append(result)
    return ImportResult(LIST_ID, "UN", TITLE, FORMAT, version, entities, skipped, [path.name])

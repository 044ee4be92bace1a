"""OFAC XML (``sdn.xml`` and ``consolidated.xml``, the Sanctions List Service ``sdnList`` schema).

Names are split into ``firstName``/``lastName``; akas carry a ``category`` (``strong`` or
``weak``) that OFAC itself uses to say which aliases are too loose to screen on alone. The
version is ``Publish_Date`` (OFAC writes it MM/DD/YYYY; note its spelling ``publshInformation``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from openatt.screening.importers._common import (
    clean,
    country,
    make_name,
    partial_date,
    read_xml,
    unique,
    us_date,
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

FORMAT = "ofac-xml"
_TYPES = {
    "individual": Schema.person,
    "entity": Schema.organization,
    "vessel": Schema.vessel,
    "aircraft": Schema.aircraft,
}
# idType values that are facts about the entry, not documents.
_NOT_IDENTIFIERS = {
    "gender",
    "secondary sanctions risk:",
    "target type",
    "website",
    "email address",
}


def sniff(head: bytes) -> bool:
    return b"<sdnList" in head


def _full_name(element: ET.Element) -> str:
    return " ".join(
        part
        for part in (clean(element.findtext("firstName")), clean(element.findtext("lastName")))
        if part
    )


def read(path: Path) -> ImportResult:
    root = read_xml(path, "sdnList", local_names=True)
    version = us_date(clean(root.findtext("publshInformation/Publish_Date")))
    entries = root.findall("sdnEntry")
    declared = clean(root.findtext("publshInformation/Record_Count"))
    if declared.isdigit() and int(declared) != len(entries):
        raise MalformedList(f"Record_Count says {declared} entries, the file holds {len(entries)}")
    is_sdn = "sdn" in path.name.casefold()
    list_id = "ofac-sdn" if is_sdn else "ofac-consolidated"
    title = (
        "OFAC Specially Designated Nationals List" if is_sdn else "OFAC Consolidated (Non-SDN) List"
    )
    entities: list[ListEntity] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        uid = clean(entry.findtext("uid"))
        if not uid:
            raise MalformedList(f"sdnEntry {position}: uid is missing")
        if uid in seen:
            raise MalformedList(f"sdnEntry {position} (uid {uid}): uid repeated")
        seen.add(uid)
        names: list[Name] = []
        main = make_name(_full_name(entry), NameKind.primary)
        if main is None:
            skipped.append(Skipped(f"sdnEntry {position} (uid {uid})", "no name"))
            continue
        names.append(main)
        for aka in entry.iterfind("akaList/aka"):
            weak = clean(aka.findtext("category")).casefold() == "weak"
            former = clean(aka.findtext("type")).casefold() == "f.k.a."
            kind = NameKind.weak_alias if weak else NameKind.former if former else NameKind.alias
            alias = make_name(_full_name(aka), kind)
            if alias:
                names.append(alias)
        schema = _TYPES.get(clean(entry.findtext("sdnType")).casefold(), Schema.unknown)
        births = [
            partial_date(clean(item.findtext("dateOfBirth")))
            for item in entry.iterfind("dateOfBirthList/dateOfBirthItem")
        ]
        countries = [
            country(clean(item.findtext("country")))
            for item in entry.iterfind("nationalityList/nationality")
        ] + [
            country(clean(item.findtext("country")))
            for item in entry.iterfind("citizenshipList/citizenship")
        ]
        if schema is not Schema.person:
            countries += [
                country(clean(a.findtext("country"))) for a in entry.iterfind("addressList/address")
            ]
        identifiers = [
            Identifier(
                type=clean(item.findtext("idType")),
                value=clean(item.findtext("idNumber")),
                country=country(clean(item.findtext("idCountry"))),
            )
            for item in entry.iterfind("idList/id")
            if clean(item.findtext("idNumber"))
            and clean(item.findtext("idType")).casefold() not in _NOT_IDENTIFIERS
        ]
        entities.append(
            ListEntity(
                entity_id=uid,
                schema=schema,
                names=names,
                birth_dates=unique([b for b in births if b]),
                countries=unique([c for c in countries if c]),
                identifiers=identifiers,
                programmes=unique([clean(p.text) for p in entry.iterfind("programList/program")]),
                remarks=clean(entry.findtext("remarks")) or None,
            )
        )
    return ImportResult(list_id, "US", title, FORMAT, version, entities, skipped, [path.name])

"""OpenSanctions / FollowTheMoney entity files (``entities.ftm.json``, one JSON object a line).

This is how a user brings the EU and UK lists, which OpenSanctions republishes in this form.
Only entities marked ``target`` are screened; the rest of the graph (addresses, ownership,
sanction records) is reported as skipped, except ``Sanction`` records, which lend their
programme and start date to the entity they sanction. The authority of each entity comes from
its datasets (``us_ofac_sdn`` -> US, ``eu_fsf`` -> EU...), see ``data/authorities.yaml``.
The version is the newest ``last_change``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from openatt.screening.importers._common import country, iso_date, make_name, partial_date, unique
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

FORMAT = "ftm-json"
_SCHEMATA = {
    "Person": Schema.person,
    "Organization": Schema.organization,
    "Company": Schema.organization,
    "LegalEntity": Schema.organization,
    "PublicBody": Schema.organization,
    "Vessel": Schema.vessel,
    "Airplane": Schema.aircraft,
}
_NAME_PROPS = (
    ("name", NameKind.alias),
    ("alias", NameKind.alias),
    ("weakAlias", NameKind.weak_alias),
    ("previousName", NameKind.former),
)
_COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction")
_ID_PROPS = (
    "idNumber",
    "passportNumber",
    "innCode",
    "ogrnCode",
    "taxNumber",
    "registrationNumber",
    "imoNumber",
    "vatCode",
    "leiCode",
    "swiftBic",
)


@functools.cache
def dataset_authorities() -> dict[str, str]:
    """Dataset-name prefix -> authority, from the package's ``authorities.yaml``."""
    raw = yaml.safe_load(
        resources.files("openatt.screening").joinpath("data/authorities.yaml").read_text("utf-8")
    )
    return {str(k): str(v) for k, v in raw["ftm_dataset_prefixes"].items()}


def authority_of(datasets: list[str]) -> str:
    table = dataset_authorities()
    for prefix, authority in table.items():  # the YAML's order is the priority
        if any(dataset.startswith(prefix) for dataset in datasets):
            return authority
    return "OpenSanctions"


def sniff(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"schema"' in first and b'"properties"' in first


def _props(entity: dict[str, Any], name: str) -> list[str]:
    values = entity.get("properties", {}).get(name, [])
    return [str(v) for v in values if isinstance(v, str | int | float)]


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's entities, line by line (a full export is large: it is streamed, and each
    line decoded on its own, so that a refusal names the line)."""
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise MalformedList(
                    f"line {line_number}: not UTF-8 text ({error.reason})"
                ) from error
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise MalformedList(f"line {line_number}: not JSON ({error.msg})") from error
            if not isinstance(record, dict) or "id" not in record or "schema" not in record:
                raise MalformedList(f"line {line_number}: not an FtM entity (no id or schema)")
            yield line_number, record


def read(path: Path) -> ImportResult:
    """One pass over the file, holding the entities made and never the file's records: a
    ``Sanction`` may come before or after the entity it sanctions, so what it lends (its
    programmes and start date) is kept by target and given to the entities at the end.
    Holding every record until then cost several times the entities at 300,000 of them."""
    sanctions: dict[str, list[tuple[list[str], list[str]]]] = {}
    made: dict[str, list[tuple[ListEntity, list[str]]]] = {}  # id -> (entity, own programmes)
    entities: list[ListEntity] = []
    skipped: list[Skipped] = []
    newest = None
    for line_number, record in _records(path):
        label = f"line {line_number} ({record['id']})"
        changed = iso_date(record.get("last_change"))
        if changed and (newest is None or changed > newest):
            newest = changed
        if record["schema"] == "Sanction":
            lent = (
                _props(record, "programId") or _props(record, "program"),
                _props(record, "startDate"),
            )
            for target in _props(record, "entity"):
                sanctions.setdefault(target, []).append(lent)
        schema = _SCHEMATA.get(record["schema"])
        if schema is None:
            skipped.append(Skipped(label, f"schema {record['schema']} is not a screenable party"))
            continue
        if not record.get("target"):
            skipped.append(Skipped(label, "not a sanctions target (related party)"))
            continue
        names: list[Name] = []
        caption = make_name(str(record.get("caption", "")), NameKind.primary)
        if caption:
            names.append(caption)
        seen = {caption.value} if caption else set()
        for prop, kind in _NAME_PROPS:
            for value in _props(record, prop):
                name = make_name(value, kind)
                if name and name.value not in seen:
                    seen.add(name.value)
                    names.append(name)
        if not names:
            skipped.append(Skipped(label, "no name"))
            continue
        if names[0].kind is not NameKind.primary:
            names[0].kind = NameKind.primary
        births = [partial_date(v) for v in _props(record, "birthDate")]
        countries = [country(v) for prop in _COUNTRY_PROPS for v in _props(record, prop)]
        identifiers = [
            Identifier(prop, value) for prop in _ID_PROPS for value in unique(_props(record, prop))
        ]
        own = _props(record, "programId")
        entity = ListEntity(
            entity_id=str(record["id"]),
            schema=schema,
            names=names,
            birth_dates=unique([b for b in births if b]),
            countries=unique([c for c in countries if c]),
            identifiers=identifiers,
            programmes=unique(own),
            listed_on=None,
            authority=authority_of([str(d) for d in record.get("datasets", [])]),
        )
        made.setdefault(record["id"], []).append((entity, own))
        entities.append(entity)
    for target, given in sanctions.items():
        for entity, own in made.get(target, []):
            entity.programmes = unique([p for programmes, _ in given for p in programmes] + own)
            starts = sorted(d for _, dates in given for d in (partial_date(v) for v in dates) if d)
            entity.listed_on = starts[0] if starts else None
    stem = path.name.split(".")[0]
    list_id = f"opensanctions-{stem}"
    title = f"OpenSanctions FtM entities ({stem})"
    return ImportResult(
        list_id, "OpenSanctions", title, FORMAT, newest, entities, skipped, [path.name]
    )

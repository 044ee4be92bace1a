"""What OFAC writes into its free-text Remarks field: dates of birth, nationality, documents,
and (in primary-only files) aliases. Used by the legacy CSV importer; the XML has these as
structured elements."""

from __future__ import annotations

import re

from openatt.screening.importers._common import country, partial_date
from openatt.screening.model import Identifier

_FIELD = re.compile(r"(?:^|;\s*)([A-Za-z][A-Za-z .]*?)\s+([^;]+)")
_DOCUMENTS = (
    "Passport",
    "National ID No.",
    "Cedula No.",
    "NIT #",
    "RFC",
    "C.U.R.P.",
    "SSN",
    "Tax ID No.",
    "Registration ID",
    "IMO",
    "Vessel Registration Identification",
    "Identification Number",
)
_ALIAS = re.compile(r"(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'([^']+)'")


def birth_dates(remarks: str) -> list[str]:
    found: list[str] = []
    for match in re.finditer(r"DOB ([^;]+)", remarks):
        for piece in re.split(r"\s*(?:,|;|\bto\b|\balt\.)\s*", match.group(1)):
            text = piece.replace("circa", "").strip().rstrip(".")
            date = partial_date(text)
            if date:
                found.append(date)
    return found


def nationalities(remarks: str) -> list[str]:
    found: list[str] = []
    for match in re.finditer(r"(?:nationality|citizen) ([^;.]+)", remarks):
        resolved = country(match.group(1))
        if resolved:
            found.append(resolved)
    return found


def identifiers(remarks: str) -> list[Identifier]:
    found: list[Identifier] = []
    for chunk in remarks.split(";"):
        chunk = chunk.strip().rstrip(".")
        for kind in _DOCUMENTS:
            if chunk.startswith(kind + " "):
                rest = chunk[len(kind) :].strip()
                number, _, tail = rest.partition(" ")
                issuer = None
                paren = re.search(r"\(([^)]+)\)", tail)
                if paren:
                    issuer = country(paren.group(1))
                if number:
                    found.append(Identifier(kind.rstrip(" .#"), number.strip(","), issuer))
                break
    return found


def aliases(remarks: str) -> list[str]:
    return [match.group(1).strip() for match in _ALIAS.finditer(remarks)]

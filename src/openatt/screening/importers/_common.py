"""Small helpers every importer shares: opening the file, cleaning text, reading dates, naming
scripts, countries."""

from __future__ import annotations

import datetime as dt
import functools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from openatt.reference.states import UnknownState, resolve_state
from openatt.screening.model import MalformedList, Name, NameKind
from openatt.screening.scripts import script_of

_SPACES = re.compile(r"\s+")


def read_xml(path: Path, root_tag: str, *, local_names: bool = False) -> ET.Element:
    """The root element of ``path``; a file that is not XML, or not this list, is refused.

    ``local_names`` drops the namespace from every tag (before the root is checked), for lists
    that carry one on some releases and not on others (OFAC).
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        line, column = error.position
        raise MalformedList(f"not well-formed XML at line {line}, column {column}") from error
    if local_names:
        for element in root.iter():
            element.tag = element.tag.rsplit("}", 1)[-1]
    if root.tag != root_tag:
        raise MalformedList(f"root element is <{root.tag}>, expected <{root_tag}>")
    return root


def read_utf8(path: Path) -> str:
    """The text of ``path`` without its byte-order mark; a file that is not UTF-8 is refused."""
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedList(f"not UTF-8 text ({error.reason} at byte {error.start})") from error


def clean(value: object) -> str:
    """Collapse whitespace and strip; ``None`` and OFAC's ``-0-`` null marker become ``""``."""
    if value is None:
        return ""
    text = _SPACES.sub(" ", str(value)).strip()
    return "" if text == "-0-" else text


def make_name(value: str, kind: NameKind) -> Name | None:
    text = clean(value)
    if not text:
        return None
    return Name(text, kind, script_of(text))


_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DMY_TEXT = re.compile(r"^(?:(\d{1,2}) )?([A-Za-z]{3,9})\.? (\d{4})$")
_DMY_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def partial_date(value: object) -> str | None:
    """An ISO date of the precision the source gives (``1967``, ``1967-07``, ``1967-07-04``).

    Accepts ISO text (unpadded too), ``10 Dec 1948``, ``Dec 1948``, ``DD/MM/YYYY`` and
    Python dates; returns ``None`` for anything else rather than guessing.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 2999:
        return str(value)
    text = clean(value)
    if not text:
        return None
    match = _ISO.match(text)
    if match:
        year, month, day = match.groups()
        return _join(int(year), month, day)
    match = _DMY_TEXT.match(text)
    if match:
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name.casefold())
        if month is None:
            return None
        return _join(int(year), str(month), day)
    match = _DMY_SLASH.match(text)
    if match:
        day, month, year = match.groups()
        return _join(int(year), month, day)
    return None


def _join(year: int, month: str | None, day: str | None) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if month is None:
        return f"{year:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{m:02d}"
    try:
        return dt.date(year, m, int(day)).isoformat()
    except ValueError:
        return f"{year:04d}-{m:02d}"


def us_date(value: str) -> dt.date | None:
    """``MM/DD/YYYY`` as US lists write it."""
    text = clean(value)
    try:
        return dt.datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        return None


def iso_date(value: str | None) -> dt.date | None:
    text = clean(value)
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def country(value: str) -> str | None:
    """ISO alpha-3 for a country name or code where it resolves, else the cleaned text."""
    text = clean(value)
    if not text:
        return None
    # Bilingual values such as "Russia / Russie" (Canada).
    first = text.split(" / ")[0].strip()
    try:
        return resolve_state(first)
    except UnknownState:
        return first


def unique(values: list[str]) -> list[str]:
    """Drop empties and repeats, keeping first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)

"""Resolve what a user writes for a state (alpha-3, alpha-2, an English name) to one code.

ISO 3166-1 comes from pycountry; former states (ISO 3166-3: the Soviet Union, Yugoslavia,
Czechoslovakia, East Germany...) are accepted by their alpha-3 code or name, because world
transfer data and old cases name them. The result is always an upper-case alpha-3 code.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

import pycountry

from openatt import yaml_data
from openatt.errors import OpenattError


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("\u2019", "'").casefold().replace(",", " ").split())


@functools.cache
def _aliases() -> tuple[dict[str, str], dict[str, str]]:
    raw = yaml_data.load(
        resources.files("openatt.reference").joinpath("data/state_aliases.yaml").read_text("utf-8")
    )
    aliases = {_fold(k): v for k, v in raw["aliases"].items()}
    extra = {code: entry["name"] for code, entry in raw["extra_states"].items()}
    return aliases, extra


@functools.cache
def _historic() -> dict[str, tuple[str, str]]:
    """alpha-3 and folded names of ISO 3166-3 former states -> (alpha-3, name)."""
    table: dict[str, tuple[str, str]] = {}
    for country in pycountry.historic_countries:
        entry = (country.alpha_3, country.name)
        table[country.alpha_3.casefold()] = entry
        table[_fold(country.name)] = entry
    return table


class UnknownState(OpenattError, ValueError):
    """Raised with a message that names what was not recognised."""


@functools.lru_cache(maxsize=4096)
def resolve_state(text: str) -> str:
    """Return the alpha-3 code for ``text`` or raise :class:`UnknownState`."""
    if not isinstance(text, str) or not text.strip():
        raise UnknownState("a state is required (ISO 3166 alpha-3, alpha-2 or English name)")
    cleaned = text.strip()
    aliases, extra = _aliases()
    if cleaned.upper() in extra:
        return cleaned.upper()
    folded = _fold(cleaned)
    if folded in aliases:
        return aliases[folded]
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_3)
    except LookupError:
        pass
    historic = _historic()
    if folded in historic:
        return historic[folded][0]
    raise UnknownState(
        f"unknown state {text!r}: use an ISO 3166 alpha-3 or alpha-2 code or an English name"
    )


@functools.lru_cache(maxsize=1024)
def state_name(code: str) -> str:
    """A readable English name for an alpha-3 code (common name where ISO has one)."""
    country = pycountry.countries.get(alpha_3=code)
    if country is not None:
        return str(getattr(country, "common_name", None) or country.name)
    _, extra = _aliases()
    if code in extra:
        return extra[code]
    for historic in pycountry.historic_countries:
        if historic.alpha_3 == code:
            return str(historic.name)
    return code

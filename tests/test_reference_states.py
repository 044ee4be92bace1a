"""The state names and codes openatt accepts, checked against ISO 3166 (pycountry).

``state_aliases.yaml`` maps common names to codes; a mistyped code there would silently send
a party to the wrong state, so every alias must point at a code ISO 3166-1 or ISO 3166-3 knows,
or at one of the file's own extra states.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pycountry
import pytest
import yaml

from openatt.reference.states import UnknownState, resolve_state, state_name


def _raw() -> dict[str, dict[str, object]]:
    text = resources.files("openatt.reference").joinpath("data/state_aliases.yaml").read_text()
    loaded: dict[str, dict[str, object]] = yaml.safe_load(text)
    return loaded


def _known_codes() -> set[str]:
    current = {c.alpha_3 for c in pycountry.countries}
    former = {c.alpha_3 for c in pycountry.historic_countries}
    return current | former | set(_raw()["extra_states"])


def test_every_alias_points_at_a_known_code() -> None:
    known = _known_codes()
    wrong = {name: code for name, code in _raw()["aliases"].items() if code not in known}
    assert wrong == {}


def test_every_alias_resolves_to_its_code() -> None:
    for name, code in _raw()["aliases"].items():
        assert resolve_state(str(name)) == code, name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Türkiye", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("Eswatini", "SWZ"),
        ("State of Palestine", "PSE"),
        ("Niue", "NIU"),
        ("Sao Tome and Principe", "STP"),
        ("Republic of Moldova", "MDA"),
        ("United Republic of Tanzania", "TZA"),
    ],
)
def test_depositary_names_resolve(text: str, code: str) -> None:
    """Names as the UN Treaty Collection writes them (the ATT status list)."""
    assert resolve_state(text) == code


def test_extra_states_are_dated_and_checked() -> None:
    for code, entry in _raw()["extra_states"].items():
        assert isinstance(entry["valid_from"], dt.date), code
        checked = entry["checked"]
        assert isinstance(checked, dict) and checked["against"], code
        assert state_name(code) == entry["name"]


def test_unknown_name_is_refused_with_the_text() -> None:
    with pytest.raises(UnknownState, match="Atlantis"):
        resolve_state("Atlantis")

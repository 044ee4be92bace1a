"""The rows of the ATT and UN Register forms, and regions, loaded from cited package data.

An item is placed in a form's row by its control-list entry and item kind (``ML1.a:rifle``),
through the placement the control lists give each entry (:mod:`openatt.reference.control_lists`):
never from the words of its description. The placement decides the category too, and the
UN Register's exclusions (an entry whose items have no UNROCA row, e.g. ground-to-air
missiles other than MANPADS, is not in the return). An item whose entry is missing, unknown,
or needs an item kind that is not given falls in its declared category's default row, and
the report says that its sub-category is not confirmed.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from openatt.core.model import Category, Item
from openatt.reference import control_lists


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    instrument: str
    provision: str


class Row(_Strict):
    code: str
    category: str = Field(description="the ATT Art. 2(1) category, I..VIII")
    label: str
    group: str | None = Field(default=None, description="small arms or light weapons")
    field: str | None = Field(default=None, description="the UNROCA database field")
    default: bool = False


class Form(_Strict):
    title: str
    rows: tuple[Row, ...]


class CategoryFile(_Strict):
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    forms: dict[str, Form]


class RegionFile(_Strict):
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    regions: dict[str, str]


class VoluntaryCategory(_Strict):
    """A category a State reports beyond I-VIII, holding the items of the entries named."""

    code: str
    label: str
    entries: tuple[str, ...] = Field(description="Military List headings, e.g. ML10")


class StateProfile(_Strict):
    """What a reporting State declared for its reports (``data/reporting_states.yaml``)."""

    sources: tuple[Source, ...] = ()
    value_definition: str | None = None
    national_definitions: dict[str, str] = Field(default_factory=dict)
    voluntary_categories: tuple[VoluntaryCategory, ...] = ()


class ProfileFile(_Strict):
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    states: dict[str, StateProfile]


NO_PROFILE = StateProfile()


def _read(name: str) -> str:
    return resources.files("openatt.reports").joinpath("data", name).read_text("utf-8")


@functools.cache
def categories() -> CategoryFile:
    return CategoryFile.model_validate(yaml.safe_load(control_lists.report_rows_text()))


@functools.cache
def _regions() -> dict[str, str]:
    data = RegionFile.model_validate(yaml.safe_load(_read("regions.yaml")))
    return {code: region for region, codes in data.regions.items() for code in codes.split()}


@functools.cache
def _profiles() -> dict[str, StateProfile]:
    return ProfileFile.model_validate(yaml.safe_load(_read("reporting_states.yaml"))).states


def profile_of(state: str | None) -> StateProfile:
    """The reporting State's declarations (none when it has made none here)."""
    return _profiles().get(state or "", NO_PROFILE)


def region_of(state: str) -> str:
    """The M49 region of a state (alpha-3), or ``Other``."""
    return _regions().get(state, "Other")


def form(name: str) -> Form:
    """``att`` or ``unroca``."""
    return categories().forms[name]


@dataclass(frozen=True)
class Placement:
    row: Row
    by_default: bool
    citation: str = ""
    """The control-list entry that placed the item (empty when placed by default)."""
    why_default: str = ""


def classify(item: Item) -> control_lists.Placement | str:
    """The control lists' placement of an item's entry, or why there is none."""
    if not item.control_entry:
        return "no control-list entry"
    return _classify_entry(item.control_entry)


@functools.lru_cache(maxsize=4096)
def _classify_entry(text: str) -> control_lists.Placement | str:
    lists = control_lists.default_control_lists()
    try:
        ref = lists.resolve(text)
        return lists.placement(ref.list_id, ref.entry, ref.kind)
    except control_lists.ControlListError as error:
        return str(error)


def effective_category(item: Item) -> Category:
    """The item's category as its confirmed entry places it (its declared one without)."""
    found = classify(item)
    return item.category if isinstance(found, str) else found.att_category


def ml_heading(item: Item) -> str | None:
    """The top-level entry of the item's control entry (``ML1`` for ``ML1.a:rifle``)."""
    found = classify(item)
    if not isinstance(found, str):
        return found.entry.split(".", 1)[0]
    if not item.control_entry:
        return None
    return item.control_entry.split(":", 1)[0].split(".", 1)[0].strip().upper().replace(" ", "")


def _row_code(form_name: str, found: control_lists.Placement) -> str | None:
    return found.att_subcategory if form_name == "att" else found.unroca_subcategory


def reported_category(form_name: str, item: Item) -> str | None:
    """The ATT category under which a form counts the item, or ``None`` if it is not in it."""
    found = classify(item)
    if isinstance(found, str):
        return item.category.value if item.category.is_conventional_arm else None
    if not found.att_category.is_conventional_arm:
        return None
    code = _row_code(form_name, found)
    if code is None:
        return None
    return next(r.category for r in form(form_name).rows if r.code == code)


def place(form_: Form, item: Item) -> Placement | None:
    """The form's row for an item, or ``None`` when the item is not in the form."""
    form_name = next(name for name, f in categories().forms.items() if f is form_)
    found = classify(item)
    if not isinstance(found, str):
        code = _row_code(form_name, found)
        if code is None or not found.att_category.is_conventional_arm:
            return None
        row = next(r for r in form_.rows if r.code == code)
        return Placement(row, by_default=False, citation=found.citation)
    if not item.category.is_conventional_arm:
        return None
    candidates = [row for row in form_.rows if row.category == item.category.value]
    default = next(row for row in candidates if row.default)
    # A category with one row has nothing to choose between: that is not a default.
    return Placement(default, by_default=len(candidates) > 1, why_default=found)

"""The rows of the ATT and UN Register forms, and regions, loaded from cited package data.

An item of the register carries its ATT category (I..VIII) but no sub-category; the form's
row is chosen from the item's description by the keywords in ``data/categories.yaml`` (the
longest keyword found wins, else the category's default row). Reports say when a row was
chosen by default, so an officer can correct the item's description.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from openatt.core.model import Item


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
    keywords: tuple[str, ...] = ()
    default: bool = False


class Form(_Strict):
    title: str
    rows: tuple[Row, ...]


class CategoryFile(_Strict):
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    forms: dict[str, Form]
    national_definitions: dict[str, str]


class RegionFile(_Strict):
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    regions: dict[str, str]


def _read(name: str) -> str:
    return resources.files("openatt.reports").joinpath("data", name).read_text("utf-8")


@functools.cache
def categories() -> CategoryFile:
    return CategoryFile.model_validate(yaml.safe_load(_read("categories.yaml")))


@functools.cache
def _regions() -> dict[str, str]:
    data = RegionFile.model_validate(yaml.safe_load(_read("regions.yaml")))
    return {code: region for region, codes in data.regions.items() for code in codes.split()}


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


def place(form_: Form, item: Item) -> Placement | None:
    """The form's row for an item, or ``None`` when the item is outside ATT Art. 2(1)."""
    if not item.category.is_conventional_arm:
        return None
    candidates = [row for row in form_.rows if row.category == item.category.value]
    text = f"{item.description} {item.control_entry or ''}".lower()
    best: tuple[int, Row] | None = None
    for row in candidates:
        for keyword in row.keywords:
            if keyword.lower() in text and (best is None or len(keyword) > best[0]):
                best = (len(keyword), row)
    if best is not None:
        return Placement(best[1], by_default=False)
    default = next(row for row in candidates if row.default)
    # A category with one row has nothing to choose between: that is not a default.
    return Placement(default, by_default=len(candidates) > 1)

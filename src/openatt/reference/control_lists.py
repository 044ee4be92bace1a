"""Control lists as cited, dated data, and where each entry lands in the treaty's reports.

An authority licenses an item by its control-list entry (EU Common Military List ``ML4.b``,
USML ``IV(b)``, UK Military List ``ML10.c``) and reports it by the ATT's Art. 2(1) categories
and the UN Register's categories. Some entries land in one place whatever the item is (ML3:
ammunition, Art. 3); others hold items that land in different places (ML10.a: a manned combat
aircraft is ATT IV.a, a transport aircraft is in no Art. 2(1) category). Those entries carry a
small set of named *item kinds*, each with its own placement, so that the officer confirms the
entry AND the kind, and no report ever guesses a sub-category from a description.

This module is pure: it parses the YAML shipped in ``reference/data/control_lists/`` (and a
national overlay's text handed to it) through a strict schema that rejects an uncited or
undated entry, and answers ``placement(list_id, entry, kind, on)``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openatt import yaml_data
from openatt.core.model import Category
from openatt.core.provenance import Checked, Citation, Cited
from openatt.errors import OpenattError

LIST_FILES = ("eu_cml.yaml", "usml.yaml", "uk_ml.yaml")
REPORT_ROWS_FILE = "report_rows.yaml"


def report_rows_text() -> str:
    """The rows of the ATT template's and the UN Register's tables (``data/report_rows.yaml``):
    the one place their codes are written; the reports read their labels from it too."""
    return (
        resources.files("openatt.reference").joinpath("data", REPORT_ROWS_FILE).read_text("utf-8")
    )


@functools.cache
def row_codes(form: str) -> tuple[str, ...]:
    """The row codes of one form's table (``att`` or ``unroca``), in the form's order: a
    placement may name only these."""
    forms = yaml_data.load(report_rows_text())["forms"]
    return tuple(str(row["code"]) for row in forms[form]["rows"])


class ControlListError(OpenattError, ValueError):
    """A list file that breaks the schema, or an entry/kind that no list holds; names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlacementSpec(_Strict):
    """Where the items of an entry (or of one kind of item under it) land in the reports.

    ``att_category`` is openatt's item category (the eight of Art. 2(1), or ``ammunition``
    for Art. 3, ``parts`` for Art. 4, ``other`` for items outside all three).
    ``att_subcategory`` and ``unroca_subcategory`` are report row codes (``row_codes("att")``,
    ``row_codes("unroca")``); ``None`` where the item has no row (then ``note`` says why).
    """

    att_category: Category
    att_subcategory: str | None = None
    unroca_category: str | None = Field(default=None, pattern=r"^(I|II|III|IV|V|VI|VII|SALW)$")
    unroca_subcategory: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _rows_known(self) -> PlacementSpec:
        if self.att_subcategory is not None and self.att_subcategory not in row_codes("att"):
            raise ValueError(f"att_subcategory {self.att_subcategory!r} is not an ATT row")
        if self.unroca_subcategory is not None and self.unroca_subcategory not in row_codes(
            "unroca"
        ):
            raise ValueError(f"unroca_subcategory {self.unroca_subcategory!r} is not a row")
        if self.att_subcategory and not self.att_category.is_conventional_arm:
            raise ValueError("an ATT row needs an Art. 2(1) category")
        return self

    @property
    def article(self) -> str | None:
        """The ATT article that brings the item in: 2(1)(a)-(h), 3 or 4; None if none."""
        if self.att_category is Category.ammunition:
            return "3"
        if self.att_category is Category.parts:
            return "4"
        if self.att_category is Category.other:
            return None
        letter = "abcdefgh"[list(Category).index(self.att_category)]
        return f"2(1)({letter})"


class ItemKind(_Strict):
    """A named kind of item under an entry, with its own placement and search words."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=3)
    keywords: tuple[str, ...] = ()
    placement: PlacementSpec


class Entry(Cited):
    """One entry or sub-entry of a control list, in openatt's own words."""

    id: str = Field(pattern=r"^[A-Za-z0-9().]+$", description="e.g. ML10.a, IV(b), ML22")
    heading: str = Field(min_length=3, description="a short heading in openatt's words")
    wording: str = Field(min_length=10, description="what the entry covers, paraphrased")
    keywords: tuple[str, ...] = ()
    placement: PlacementSpec | None = None
    kinds: tuple[ItemKind, ...] = ()
    relation: str | None = Field(
        default=None, description="the entry of the list this one follows, e.g. Wassenaar ML4"
    )
    kinds_from: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]*:[A-Za-z0-9().]+$",
        description="take the item kinds of another list's entry (e.g. 'eu-cml:ML10'): the "
        "items, and so their placement, are the same whichever list names them",
    )

    @model_validator(mode="after")
    def _kinds_unique(self) -> Entry:
        ids = [k.id for k in self.kinds]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: item kinds repeat")
        return self


class ListVersion(_Strict):
    """One published version of a list: where it was published and from when it applies."""

    id: str
    published: str = Field(min_length=5, description="e.g. 'OJ C, C/2024/1945, 1.3.2024'")
    adopted: dt.date | None = None
    valid_from: dt.date
    valid_until: dt.date | None = None
    note: str | None = None


class ControlListFile(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str
    authority: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    versions: tuple[ListVersion, ...] = Field(min_length=1)
    checked: Checked
    not_covered: str | None = None
    entries: tuple[Entry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _entries_unique(self) -> ControlListFile:
        ids = [e.id.upper() for e in self.entries]
        if len(ids) != len(set(ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"entries repeat: {', '.join(dupes)}")
        return self


@dataclass(frozen=True)
class Placement:
    """What the reports and the engine read for an item: categories, rows and the source."""

    list_id: str
    entry: str
    kind: str | None
    att_category: Category
    att_subcategory: str | None
    unroca_category: str | None
    unroca_subcategory: str | None
    art3_4: str | None  # "3" (ammunition), "4" (parts and components) or None
    article: str | None  # "2(1)(d)", "3", "4" or None
    citation: str
    note: str | None = None


@dataclass(frozen=True)
class EntryRef:
    """A reference to an entry as written on an application: list, entry and item kind."""

    list_id: str
    entry: str
    kind: str | None = None

    def __str__(self) -> str:
        prefix = {"eu-cml": "", "usml": "USML ", "uk-ml": "UK "}.get(self.list_id, "")
        base = f"{prefix}{self.entry}"
        return f"{base}:{self.kind}" if self.kind else base


def _norm(entry: str) -> str:
    return entry.strip().upper().replace(" ", "")


@dataclass(frozen=True)
class ControlLists:
    """Every loaded list (shipped and overlays), by id; answers lookups "as of" a day."""

    lists: dict[str, ControlListFile]

    @functools.cached_property
    def _index(self) -> dict[tuple[str, str], tuple[Entry, ...]]:
        index: dict[tuple[str, str], list[Entry]] = {}
        for list_id, lst in self.lists.items():
            for entry in lst.entries:
                index.setdefault((list_id, _norm(entry.id)), []).append(entry)
        return {key: tuple(value) for key, value in index.items()}

    def entries(self, list_id: str, on: dt.date | None = None) -> tuple[Entry, ...]:
        lst = self._list(list_id)
        return tuple(e for e in lst.entries if on is None or e.applies_on(on))

    def _list(self, list_id: str) -> ControlListFile:
        if list_id not in self.lists:
            known = ", ".join(sorted(self.lists))
            raise ControlListError(f"list: no control list {list_id!r} (known: {known})")
        return self.lists[list_id]

    def version_on(self, list_id: str, on: dt.date) -> ListVersion | None:
        for version in self._list(list_id).versions:
            if version.valid_from <= on and (
                version.valid_until is None or on < version.valid_until
            ):
                return version
        return None

    def entry(self, list_id: str, entry_id: str, on: dt.date | None = None) -> Entry:
        """The entry in force on ``on`` (the newest if no day is given)."""
        self._list(list_id)
        found = self._index.get((list_id, _norm(entry_id)), ())
        if not found:
            raise ControlListError(f"entry: {entry_id!r} is not an entry of {list_id}")
        if on is None:
            return found[-1]
        for candidate in found:
            if candidate.applies_on(on):
                return candidate
        raise ControlListError(f"entry: {entry_id!r} of {list_id} was not in force on {on}")

    def kind(self, entry: Entry, kind_id: str) -> ItemKind:
        for kind in entry.kinds:
            if kind.id == kind_id:
                return kind
        known = ", ".join(k.id for k in entry.kinds) or "none"
        raise ControlListError(f"kind: {entry.id} has no item kind {kind_id!r} (kinds: {known})")

    def placement(
        self, list_id: str, entry_id: str, kind: str | None = None, on: dt.date | None = None
    ) -> Placement:
        """Where an item of ``entry_id`` (and ``kind``) lands; raises if the kind is needed.

        An entry with item kinds and no placement of its own needs the kind; a sub-entry
        without either takes its parent's (``ML1.d`` inherits nothing: each sub-entry of the
        shipped lists says its own).
        """
        entry = self.entry(list_id, entry_id, on)
        lst = self._list(list_id)
        spec = self.kind(entry, kind).placement if kind else entry.placement
        if spec is None:
            kinds = ", ".join(k.id for k in entry.kinds)
            raise ControlListError(
                f"kind: {entry.id} holds items placed differently; name the item kind ({kinds})"
            )
        version = self.version_on(list_id, on) if on else lst.versions[-1]
        citation = f"{lst.title}, entry {entry.id}"
        if version is not None:
            citation = f"{citation} (version {version.id}: {version.published})"
        return Placement(
            list_id=list_id,
            entry=entry.id,
            kind=kind or None,
            att_category=spec.att_category,
            att_subcategory=spec.att_subcategory,
            unroca_category=spec.unroca_category,
            unroca_subcategory=spec.unroca_subcategory,
            art3_4=spec.article if spec.article in ("3", "4") else None,
            article=spec.article,
            citation=citation,
            note=spec.note,
        )

    def resolve(self, text: str, on: dt.date | None = None) -> EntryRef:
        """Parse what an applicant wrote (``ML10.c:uav-combat``, ``USML IV(b)``, ``UK ML1.a``)
        and check it against the lists; raises ``ControlListError`` naming what is wrong."""
        ref = parse_reference(text)
        entry = self.entry(ref.list_id, ref.entry, on)
        if ref.kind:
            self.kind(entry, ref.kind)
        return EntryRef(ref.list_id, entry.id, ref.kind)

    def with_overlay(self, overlay: ControlListFile) -> ControlLists:
        """The lists plus a national overlay: a new list, or new entries for a shipped one."""
        lists = dict(self.lists)
        base = lists.get(overlay.id)
        if base is None:
            lists[overlay.id] = overlay
        else:
            clash = {_norm(e.id) for e in base.entries} & {_norm(e.id) for e in overlay.entries}
            if clash:
                raise ControlListError(
                    f"entries: the overlay redefines {', '.join(sorted(clash))} of {overlay.id}"
                )
            lists[overlay.id] = base.model_copy(
                update={
                    "entries": base.entries + overlay.entries,
                    "citations": base.citations + overlay.citations,
                }
            )
        return build_lists(lists)


def build_lists(lists: dict[str, ControlListFile]) -> ControlLists:
    """Resolve every ``kinds_from`` (one level: the source entry must hold its own kinds)."""
    resolved: dict[str, ControlListFile] = {}
    for list_id, lst in lists.items():
        entries = []
        for entry in lst.entries:
            if entry.kinds_from and not entry.kinds:
                source_list, source_id = entry.kinds_from.split(":", 1)
                candidates = lists[source_list].entries if source_list in lists else ()
                source = next((e for e in candidates if _norm(e.id) == _norm(source_id)), None)
                if source is None or not source.kinds:
                    raise ControlListError(
                        f"{list_id}: {entry.id}: kinds_from {entry.kinds_from!r} names no "
                        "entry with item kinds"
                    )
                entry = entry.model_copy(update={"kinds": source.kinds})
            if entry.placement is None and not entry.kinds:
                raise ControlListError(f"{list_id}: {entry.id}: neither a placement nor kinds")
            entries.append(entry)
        resolved[list_id] = lst.model_copy(update={"entries": tuple(entries)})
    return ControlLists(resolved)


_USML = re.compile(r"^(?:USML\s*)?(?:CAT(?:EGORY)?\.?\s*)?([IVX]+(?:\([a-z0-9]+\))*)$", re.I)


def parse_reference(text: str) -> EntryRef:
    """Split ``[LIST ]ENTRY[:kind]`` into its parts; the list defaults to the EU's for ML."""
    raw = text.strip()
    if not raw:
        raise ControlListError("control_entry: empty")
    kind: str | None = None
    if ":" in raw:
        raw, kind = (part.strip() for part in raw.split(":", 1))
        kind = kind.lower() or None
    upper = raw.upper()
    if upper.startswith("UK"):
        return EntryRef("uk-ml", _ml_id(raw[2:].strip(" -")), kind)
    if upper.startswith("USML") or upper.startswith("CAT"):
        match = _USML.match(raw)
        if not match:
            raise ControlListError(f"control_entry: {text!r} is not a USML category or paragraph")
        return EntryRef("usml", _usml_id(match.group(1)), kind)
    if upper.startswith("ML") or upper.startswith("EU"):
        body = raw[2:].strip(" -") if upper.startswith("EU") else raw
        return EntryRef("eu-cml", _ml_id(body), kind)
    raise ControlListError(
        f"control_entry: {text!r} names no list entry (write e.g. ML4.b, USML IV(b), UK ML10.c)"
    )


def _ml_id(text: str) -> str:
    match = re.match(r"^(?:ML)?\s*(\d{1,2})(?:\.?([a-z]))?\.?$", text.strip(), re.I)
    if not match:
        raise ControlListError(f"control_entry: {text!r} is not a Military List entry (ML1-ML22)")
    number, letter = match.groups()
    return f"ML{int(number)}" + (f".{letter.lower()}" if letter else "")


def _usml_id(text: str) -> str:
    match = re.match(r"^([IVX]+)((?:\([a-z0-9]+\))*)$", text, re.I)
    assert match is not None
    return match.group(1).upper() + match.group(2).lower()


def parse_list(name: str, text: str, *, shipped: bool = False) -> ControlListFile:
    """Parse one list file (shipped, or a national overlay read as untrusted input: no YAML
    aliases); errors name the file and field."""
    return yaml_data.parse_model(
        text, name, ControlListFile, ControlListError, untrusted=not shipped
    )


def _package_text(filename: str) -> str:
    root = resources.files("openatt.reference").joinpath("data", "control_lists")
    return root.joinpath(filename).read_text("utf-8")


@functools.cache
def default_control_lists() -> ControlLists:
    """The shipped lists, parsed once per process."""
    parsed = [parse_list(f, _package_text(f), shipped=True) for f in LIST_FILES]
    return build_lists({lst.id: lst for lst in parsed})


def placement(
    list_id: str, entry: str, kind: str | None = None, on: dt.date | None = None
) -> Placement:
    """``default_control_lists().placement(...)``: the call the reports and the engine make."""
    return default_control_lists().placement(list_id, entry, kind, on)

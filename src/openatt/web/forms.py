"""The application form: flat HTML fields to the core ``Application`` and back.

A failed form is shown again with every value the user typed and each message next to its
field, so nothing is lost. Field names are flat (``exporter_country``, ``item-0-quantity``);
:func:`field_of` maps a validation error's path in the model onto them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from openatt.core.model import Application, Category, DocumentKind, EndUserKind, TransferKind

ITEM_FIELDS = ("description", "category", "control_entry", "quantity", "value", "currency")
DOCUMENT_KINDS = (
    DocumentKind.end_user_certificate,
    DocumentKind.re_export_clause,
    DocumentKind.delivery_verification,
    DocumentKind.import_licence,
    DocumentKind.transit_authorisation,
)
PARTY_FIELDS = {
    "exporter": ("name", "country"),
    "consignee": ("name", "country"),
    "end_user": ("name", "country", "kind", "region"),
}
MAX_ITEMS = 20

CHOICES = {
    "kind": [k.value for k in TransferKind],
    "category": [c.value for c in Category],
    "end_user_kind": [k.value for k in EndUserKind],
}


LABELS = {
    "kind": "Kind of transfer",
    "date": "Decision date",
    "exporting_state": "Exporting state",
    "importing_state": "Importing state",
    "transit_states": "Transit states",
    "exporter_name": "Exporter",
    "exporter_country": "Exporter's country",
    "consignee_name": "Consignee",
    "consignee_country": "Consignee's country",
    "end_user_name": "End user",
    "end_user_country": "End user's country",
    "end_user_kind": "Kind of end user",
    "end_user_region": "Region of use",
    "broker_name": "Broker",
    "broker_country": "Broker's country",
    "end_use": "Stated end use",
    "documents": "Documents",
}
ITEM_LABELS = {
    "description": "description",
    "category": "category",
    "control_entry": "control-list entry",
    "quantity": "quantity",
    "value": "value",
    "currency": "currency",
}


def label_of(name: str) -> str:
    """The human name of a form field, for the error summary."""
    if name.startswith("item-"):
        _, index, part = name.split("-", 2)
        return f"Item {int(index) + 1} {ITEM_LABELS.get(part, part)}"
    return LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass
class ApplicationForm:
    """What the form shows: values by field name, errors by field name, and item rows."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    item_rows: int = 2

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def checked(self, name: str) -> bool:
        return self.values.get(name) in ("on", "1", "true")

    @property
    def error_summary(self) -> list[tuple[str, str]]:
        return list(self.errors.items())


def blank(
    company: str | None, exporting_state: str = "", today: dt.date | None = None
) -> ApplicationForm:
    day = today or dt.date.today()
    values = {
        "kind": "export",
        "date": day.isoformat(),
        "exporter_name": company or "",
        "exporting_state": exporting_state,
        "exporter_country": exporting_state,
        "end_user_kind": "armed_forces",
        "item-0-currency": "EUR",
        "item-1-currency": "EUR",
    }
    return ApplicationForm(values=values)


def from_application(application: Application) -> ApplicationForm:
    """The form filled from a stored application (editing a draft)."""
    v: dict[str, str] = {
        "kind": application.kind.value,
        "date": application.date.isoformat(),
        "exporting_state": application.exporting_state,
        "importing_state": application.importing_state,
        "transit_states": ", ".join(application.transit_states),
        "end_use": application.end_use,
    }
    for role, names in PARTY_FIELDS.items():
        party = getattr(application, role)
        for name in names:
            raw = getattr(party, name)
            v[f"{role}_{name}"] = "" if raw is None else str(getattr(raw, "value", raw))
    if application.brokers:
        v["broker_name"] = application.brokers[0].name
        v["broker_country"] = application.brokers[0].country
    for index, item in enumerate(application.items):
        v[f"item-{index}-description"] = item.description
        v[f"item-{index}-category"] = item.category.value
        v[f"item-{index}-control_entry"] = item.control_entry or ""
        v[f"item-{index}-quantity"] = str(item.quantity)
        v[f"item-{index}-value"] = f"{item.value.amount:g}" if item.value else ""
        v[f"item-{index}-currency"] = item.value.currency if item.value else "EUR"
    for document in application.documents:
        v[f"doc_{document.kind.value}"] = "on"
        v[f"doc_{document.kind.value}_reference"] = document.reference or ""
    return ApplicationForm(values=v, item_rows=max(len(application.items), 1))


def _rows(values: Mapping[str, str]) -> int:
    declared = values.get("item_rows", "")
    rows = int(declared) if declared.isdigit() else 1
    used = [
        i
        for i in range(MAX_ITEMS)
        if any(values.get(f"item-{i}-{name}") for name in ITEM_FIELDS if name != "currency")
    ]
    return max(1, min(MAX_ITEMS, max(rows, (used[-1] + 1) if used else 1)))


def read(
    values: Mapping[str, str], base: Application | None = None
) -> tuple[ApplicationForm, Application | None]:
    """Validate the posted fields. Returns the form (with errors, if any) and the application
    when it is valid. ``base`` keeps what the form does not show (evidence, screening...)."""
    kept = {k: v.strip() for k, v in values.items() if isinstance(v, str)}
    form = ApplicationForm(values=kept, item_rows=_rows(kept))
    data: dict[str, Any] = {
        "kind": kept.get("kind", ""),
        "date": kept.get("date", ""),
        "exporting_state": kept.get("exporting_state", ""),
        "importing_state": kept.get("importing_state", ""),
        "transit_states": [
            s.strip() for s in kept.get("transit_states", "").split(",") if s.strip()
        ],
        "end_use": kept.get("end_use", ""),
    }
    for role, names in PARTY_FIELDS.items():
        party = {name: kept.get(f"{role}_{name}", "") for name in names}
        if role == "end_user" and not party["region"]:
            party.pop("region")
        data[role] = party
    if kept.get("broker_name") or kept.get("broker_country"):
        data["brokers"] = [
            {"name": kept.get("broker_name", ""), "country": kept.get("broker_country", "")}
        ]
    items: list[dict[str, Any]] = []
    positions: list[int] = []
    for index in range(form.item_rows):
        row = {name: kept.get(f"item-{index}-{name}", "") for name in ITEM_FIELDS}
        if not any(
            row[name] for name in ("description", "category", "control_entry", "quantity", "value")
        ):
            continue
        item: dict[str, Any] = {
            "description": row["description"],
            "category": row["category"],
            "control_entry": row["control_entry"] or None,
            "quantity": row["quantity"],
        }
        if row["value"]:
            item["value"] = {"amount": row["value"], "currency": row["currency"] or "EUR"}
        items.append(item)
        positions.append(index)
    data["items"] = items
    data["documents"] = [
        {"kind": kind.value, "reference": kept.get(f"doc_{kind.value}_reference") or None}
        for kind in DOCUMENT_KINDS
        if kept.get(f"doc_{kind.value}") in ("on", "1", "true")
    ]
    if base is not None:
        for name in ("evidence", "mitigations", "screening", "licensing_state", "id"):
            data[name] = getattr(base, name)
        extra_docs = [
            d.model_dump(mode="json") for d in base.documents if d.kind not in DOCUMENT_KINDS
        ]
        data["documents"].extend(extra_docs)
    try:
        application = Application.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            name = field_of(tuple(problem["loc"]), positions)
            form.errors.setdefault(name, _message(problem))
        return form, None
    return form, application


def _message(problem: Mapping[str, Any]) -> str:
    message = str(problem["msg"])
    message = message.removeprefix("Value error, ")
    if problem.get("type") == "missing" or problem.get("input") in ("", None):
        return "This field is required."
    if problem.get("type") == "too_short" and problem["loc"] == ("items",):
        return "Add at least one item."
    return message[0].upper() + message[1:] if message else "Invalid value."


def field_of(loc: tuple[Any, ...], positions: list[int]) -> str:
    """The form field that a model path such as ``('items', 0, 'value', 'amount')`` names."""
    if not loc:
        return "form"
    head = loc[0]
    if head == "items":
        if len(loc) == 1:
            return "item-0-description"
        index = positions[loc[1]] if isinstance(loc[1], int) and loc[1] < len(positions) else 0
        name = str(loc[2]) if len(loc) > 2 else "description"
        if name == "value":
            name = "currency" if len(loc) > 3 and loc[3] == "currency" else "value"
        return f"item-{index}-{name}"
    if head in PARTY_FIELDS and len(loc) > 1:
        return f"{head}_{loc[1]}"
    if head == "brokers":
        return f"broker_{loc[2]}" if len(loc) > 2 else "broker_name"
    if head == "transit_states":
        return "transit_states"
    if head == "documents":
        return "documents"
    return str(head)

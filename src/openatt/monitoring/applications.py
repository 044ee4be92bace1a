"""A transfer as the engine sees it: an export ``Application`` built from its signature.

Everything the engine reads is a function of the transfer's *signature* -- supplier state,
recipient state, end-user kind and group, ATT category and delivery year -- plus the indicator
evidence about the recipient for that date. SIPRI's own words (designation, description,
names) go into ``end_use``, which no rule reads. So two transfers with the same signature are
the same application to the engine, and the batch assesses each signature once.

Conventions (stated in every report): the decision date is 1 July of the delivery year; a
state recipient is its armed forces; a SIPRI non-state recipient is a non-state end user with
its group, in the country SIPRI names.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from openatt.core.model import (
    Application,
    Category,
    EndUser,
    EndUserKind,
    Evidence,
    Item,
    Party,
    TransferKind,
)
from openatt.evidence.mapping import DEFAULT_MAPPING
from openatt.evidence.offer import indicator_evidence
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.mapping import PartyKind
from openatt.monitoring.partial import UNKNOWN_STATE
from openatt.monitoring.transfer import Transfer, delivery_date
from openatt.reference.states import state_name

CATEGORY_LABELS = {
    Category.I: "battle tanks",
    Category.II: "armoured combat vehicles",
    Category.III: "large-calibre artillery systems",
    Category.IV: "combat aircraft",
    Category.V: "attack helicopters",
    Category.VI: "warships",
    Category.VII: "missiles and missile launchers",
    Category.VIII: "small arms and light weapons",
    Category.ammunition: "ammunition and munitions",
    Category.parts: "parts and components",
    Category.other: "items outside ATT Art. 2(1), 3 and 4",
}


@dataclass(frozen=True, order=True)
class Signature:
    """What the engine reads about a transfer."""

    supplier: str
    recipient: str
    end_user_kind: str
    group: str
    category: str
    year: int
    control_entry: str = ""

    @property
    def date(self) -> dt.date:
        return delivery_date(self.year)

    def row(self) -> tuple[str, str, str, str, str, int, str]:
        """The fields in ``SIGNATURE_COLUMNS`` order (``dataclasses.astuple`` copies each field
        deeply, which cost a tenth of the batch's time)."""
        return (
            self.supplier,
            self.recipient,
            self.end_user_kind,
            self.group,
            self.category,
            self.year,
            self.control_entry,
        )

    @property
    def case(self) -> tuple[str, str, str, str, int, str]:
        """Everything but the supplier: signatures with the same case differ in who supplies."""
        return (
            self.recipient,
            self.end_user_kind,
            self.group,
            self.category,
            self.year,
            self.control_entry,
        )


def signature(transfer: Transfer, supplier: str | None = None) -> Signature:
    """The transfer's signature; ``supplier`` replaces the supplier (counterfactuals)."""
    if not (transfer.assessable or transfer.partly_assessable):
        raise ValueError(f"transfer {transfer.id} cannot be assessed (party or category unknown)")
    assert transfer.supplier and transfer.recipient and transfer.category
    non_state = transfer.recipient.kind is PartyKind.non_state
    # '' stands for a party the source does not name (``monitoring.partial``)
    return Signature(
        supplier=supplier or transfer.supplier.state or "",
        recipient=transfer.recipient.state or "",
        end_user_kind=(EndUserKind.non_state if non_state else EndUserKind.armed_forces).value,
        group=(transfer.recipient.group or "") if non_state else "",
        category=transfer.category.value,
        year=transfer.delivery_year,
        control_entry=transfer.control_entry or "",
    )


# The columns of a signature in the pipeline's tables (``monitoring.pipeline``).
SIGNATURE_COLUMNS = (
    "supplier",
    "recipient",
    "end_user_kind",
    "grp",
    "category",
    "year",
    "control_entry",
)


def application_for(
    sig: Signature,
    evidence: tuple[Evidence, ...] = (),
    *,
    application_id: str | None = None,
    end_use: str | None = None,
) -> Application:
    """The export application a signature stands for; a party the source does not name
    (``''``) is the stand-in state of ``monitoring.partial``."""
    supplier_state = sig.supplier or UNKNOWN_STATE
    recipient_state = sig.recipient or UNKNOWN_STATE
    recipient_name = state_name(recipient_state)
    kind = EndUserKind(sig.end_user_kind)
    end_user_name = (
        sig.group if kind is EndUserKind.non_state else f"Armed forces of {recipient_name}"
    )
    category = Category(sig.category)
    return Application(
        id=application_id,
        kind=TransferKind.export,
        date=sig.date,
        exporting_state=supplier_state,
        importing_state=recipient_state,
        exporter=_exporter(supplier_state),
        consignee=Party(name=end_user_name, country=recipient_state),
        end_user=EndUser(
            name=end_user_name,
            country=recipient_state,
            kind=kind,
            group=sig.group or None,
        ),
        end_use=end_use or "delivery reported in world transfer data",
        items=(
            Item(
                description=f"ATT category {category.value}: {CATEGORY_LABELS[category]}",
                category=category,
                control_entry=sig.control_entry or None,
                quantity=1,
            ),
        ),
        evidence=evidence,
        # SIPRI records no end-user certificates or re-export clauses: unknown, not absent
        documents_recorded=False,
    )


@functools.lru_cache(maxsize=1024)
def _exporter(supplier: str) -> Party:
    """The exporter of a supplier state (a frozen model, shared by every application of it:
    the counterfactual makes hundreds of thousands)."""
    return Party(name=f"Supplier in {state_name(supplier)}", country=supplier)


def with_supplier(app: Application, supplier: str) -> Application:
    """The same application made by another supplier (the counterfactual's question)."""
    supplier = supplier or UNKNOWN_STATE
    return app.model_copy(update={"exporting_state": supplier, "exporter": _exporter(supplier)})


def transfer_application(
    transfer: Transfer,
    tables: Mapping[str, IndicatorTable],
    supplier: str | None = None,
    mapping: str = DEFAULT_MAPPING,
) -> Application:
    """The single-application path: one transfer, its evidence, one ``Application``."""
    sig = signature(transfer, supplier)
    return application_for(
        sig,
        indicator_evidence(sig.recipient, sig.date, tables, mapping, (Category(sig.category),))
        if sig.recipient
        else (),
        application_id=transfer.id,
        end_use=f"SIPRI: {transfer.designation} ({transfer.description}), "
        f"{transfer.supplier_name} to {transfer.recipient_name}, "
        f"delivered {transfer.delivery_year}",
    )

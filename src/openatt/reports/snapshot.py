"""The register as of one moment, as plain values: what the report functions compute from.

Built by :func:`openatt.reports.loading.snapshot` from the event log, so that a report for a
past year, written again later, sees exactly what the first one saw.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from openatt.core.model import Item, TransferKind


@dataclass(frozen=True)
class LicenceRecord:
    id: int
    number: str
    application: str
    kind: TransferKind
    exporting_state: str
    importing_state: str
    transit_states: tuple[str, ...]
    end_user: str
    end_user_kind: str
    items: tuple[Item, ...]
    issued_on: dt.date
    valid_until: dt.date
    state: str
    withheld: str | None = None
    """Grounds for leaving the licence out of the itemised report (ATT Art. 13(3)):
    ``commercially_sensitive`` or ``national_security``; ``None`` when it is reported."""
    state_changed_on: dt.date | None = None
    """The UTC day of the licence's last change of state by the snapshot's moment."""
    state_changes: tuple[tuple[str, dt.date], ...] = ()
    """Every change of state by the snapshot's moment, in order, with its UTC day: the
    national report counts the suspensions and revocations decided in its year, whatever
    became of the licence after."""


@dataclass(frozen=True)
class ShipmentRecord:
    id: int
    licence_id: int
    item: int
    quantity: int
    shipped_on: dt.date


@dataclass(frozen=True)
class DenialRecord:
    id: int
    reference: str
    notifying_state: str
    denied_on: dt.date
    destination: str
    end_user: str
    categories: tuple[str, ...]
    control_entries: tuple[str, ...]
    criteria: tuple[str, ...]
    own: bool
    """True for a denial of this authority's own (from a denied case), False when imported."""


@dataclass(frozen=True)
class Snapshot:
    as_of: str
    """UTC ISO moment: everything logged up to and including it is in, nothing after."""
    licences: tuple[LicenceRecord, ...]
    shipments: tuple[ShipmentRecord, ...]
    denials: tuple[DenialRecord, ...]

    @functools.cached_property
    def _by_id(self) -> dict[int, LicenceRecord]:
        return {lic.id: lic for lic in self.licences}

    def licence(self, licence_id: int) -> LicenceRecord | None:
        """The licence with this id (an index, not a scan: a register holds 100,000s)."""
        return self._by_id.get(licence_id)

"""The pure figure functions on hand-built snapshots: imports, transit, currencies, the
actual basis pro rata, withheld aggregation, and the reconciliation checks."""

from __future__ import annotations

import datetime as dt

import pytest

from openatt.core.model import Item, TransferKind
from openatt.reports import national, reconcile
from openatt.reports.figures import Basis, compute
from openatt.reports.snapshot import LicenceRecord, ShipmentRecord, Snapshot

DAY = dt.date(2025, 3, 1)


def _item(
    description: str,
    category: str,
    quantity: int,
    amount: float | None,
    currency: str = "EUR",
    entry: str | None = "ML1",
) -> Item:
    value = None if amount is None else {"amount": amount, "currency": currency}
    return Item.model_validate(
        {
            "description": description,
            "category": category,
            "control_entry": entry,
            "quantity": quantity,
            "value": value,
        }
    )


def _licence(
    licence_id: int,
    kind: TransferKind,
    exporting: str,
    importing: str,
    items: tuple[Item, ...],
    *,
    transit: tuple[str, ...] = (),
    withheld: str | None = None,
    issued: dt.date = DAY,
) -> LicenceRecord:
    return LicenceRecord(
        id=licence_id,
        number=f"LIC-{licence_id}",
        application=f"OA-{licence_id}",
        kind=kind,
        exporting_state=exporting,
        importing_state=importing,
        transit_states=transit,
        end_user="Armed forces",
        end_user_kind="armed_forces",
        items=items,
        issued_on=issued,
        valid_until=issued + dt.timedelta(days=365),
        state="active",
        withheld=withheld,
    )


def _snapshot(*licences: LicenceRecord, shipments: tuple[ShipmentRecord, ...] = ()) -> Snapshot:
    return Snapshot(
        as_of="2026-01-31T23:59:59.999999+00:00", licences=licences, shipments=shipments, denials=()
    )


def test_imports_are_reported_with_the_exporting_state_as_partner() -> None:
    snap = _snapshot(
        _licence(
            1, TransferKind.import_, "DEU", "SWE", (_item("Main battle tanks", "I", 10, 5e7),)
        ),
        _licence(
            2,
            TransferKind.export,
            "SWE",
            "NOR",
            (_item("Warship", "VI", 1, 3e8),),
            transit=("DNK",),
        ),
        _licence(3, TransferKind.transit, "FRA", "FIN", (_item("Pistols", "VIII", 5, 1e3),)),
    )
    figures = compute(snap, year=2025, basis=Basis.authorised, reporting_state="SWE")
    assert [(e.code, e.partner, e.number) for e in figures.imports.entries] == [("I", "DEU", 10)]
    assert [(e.code, e.partner, e.intermediate) for e in figures.exports.entries] == [
        ("VI", "NOR", ("DNK",))
    ]
    unroca = compute(snap, year=2025, basis=Basis.authorised, reporting_state="SWE", kind="unroca")
    assert unroca.form == "unroca" and unroca.imports.totals == {"I": 10}
    # Another year, another state: nothing.
    assert compute(snap, year=2024, basis=Basis.authorised, reporting_state="SWE").exports.nil
    assert compute(snap, year=2025, basis=Basis.authorised, reporting_state="NOR").exports.nil


def test_actual_basis_values_shipments_pro_rata() -> None:
    licence = _licence(
        1,
        TransferKind.export,
        "SWE",
        "CAN",
        (
            _item("Assault rifles", "VIII", 100, 10_000.0, entry="ML1.a:assault-rifle"),
            _item("Ammunition", "ammunition", 1000, 500.0, entry="ML3"),
        ),
    )
    snap = _snapshot(
        licence,
        shipments=(
            ShipmentRecord(1, 1, 0, 30, dt.date(2025, 5, 1)),
            ShipmentRecord(2, 1, 0, 20, dt.date(2026, 1, 5)),
            ShipmentRecord(3, 1, 1, 1000, dt.date(2025, 5, 1)),
        ),
    )
    figures = compute(snap, year=2025, basis=Basis.actual, reporting_state=None)
    (entry,) = figures.exports.entries
    assert (entry.code, entry.number, entry.value, entry.currency) == (
        "VIII.SA.4",
        30,
        3000.0,
        "EUR",
    )
    assert reconcile.actual_totals(snap, {(1, 0): 30, (1, 1): 1000}, None) == {
        ("exports", "VIII"): 30
    }


def test_several_currencies_give_no_value_and_say_why() -> None:
    snap = _snapshot(
        _licence(
            1,
            TransferKind.export,
            "SWE",
            "CAN",
            (_item("Pistols", "VIII", 5, 100.0, entry="ML1.a:pistol"),),
        ),
        _licence(
            2,
            TransferKind.export,
            "SWE",
            "CAN",
            (_item("Pistols", "VIII", 5, 200.0, "USD", "ML1.a:pistol"),),
        ),
    )
    (entry,) = compute(
        snap, year=2025, basis=Basis.authorised, reporting_state=None
    ).exports.entries
    assert entry.number == 10 and entry.value is None
    assert "EUR 100.00" in entry.comments and "USD 200.00" in entry.comments
    with pytest.raises(national.MixedCurrencies):
        national.compute(snap, year=2025, reporting_state=None)


def test_withheld_licences_are_aggregated_without_partner() -> None:
    snap = _snapshot(
        _licence(
            1,
            TransferKind.export,
            "SWE",
            "CAN",
            (_item("Pistols", "VIII", 5, 1.0, entry="ML1.a:pistol"),),
        ),
        _licence(
            2,
            TransferKind.export,
            "SWE",
            "ISR",
            (_item("Pistols", "VIII", 7, 1.0, entry="ML1.a:pistol"),),
            withheld="commercially_sensitive",
        ),
        _licence(
            3,
            TransferKind.export,
            "SWE",
            "SAU",
            (_item("Pistols", "VIII", 9, 1.0, entry="ML1.a:pistol"),),
            withheld="national_security",
        ),
    )
    figures = compute(snap, year=2025, basis=Basis.authorised, reporting_state=None)
    rows = [(e.partner, e.number, e.withheld) for e in figures.exports.entries]
    assert rows == [("CAN", 5, False), (None, 16, True)]
    assert figures.exports.totals == {"VIII.SA.1": 21}
    assert figures.withheld_entries == 2
    assert figures.withheld_grounds == ("commercially_sensitive", "national_security")
    report = national.compute(snap, year=2025, reporting_state=None)
    assert {r.destination for r in report.rows} == {"CAN", national.WITHHELD}
    assert report.withheld_licences == 2


def test_shipment_problems_name_the_licence_and_the_shipment() -> None:
    licence = _licence(
        1,
        TransferKind.export,
        "SWE",
        "CAN",
        (_item("Pistols", "VIII", 10, 1.0, entry="ML1.a:pistol"),),
    )
    snap = _snapshot(
        licence,
        shipments=(
            ShipmentRecord(11, 1, 0, 8, dt.date(2025, 4, 1)),
            ShipmentRecord(12, 1, 0, 5, dt.date(2025, 4, 2)),
            ShipmentRecord(13, 1, 3, 1, dt.date(2025, 4, 2)),
            ShipmentRecord(14, 1, 0, 1, dt.date(2027, 4, 2)),
        ),
    )
    problems = reconcile.shipment_problems(snap, {1})
    assert any(
        "shipment 12 exceeds licence LIC-1: item 0 licensed 10, shipped 13" in p for p in problems
    )
    assert any("shipment 13" in p and "does not have" in p for p in problems)
    assert any("shipment 14" in p and "outside the licence's validity" in p for p in problems)
    figures = compute(snap, year=2025, basis=Basis.actual, reporting_state=None)
    with pytest.raises(reconcile.ReportRefused):
        reconcile.check(figures, snap, {("exports", "VIII"): 13})


def test_totals_that_differ_from_the_register_are_refused() -> None:
    snap = _snapshot(
        _licence(
            1,
            TransferKind.export,
            "SWE",
            "CAN",
            (_item("Pistols", "VIII", 10, 1.0, entry="ML1.a:pistol"),),
        )
    )
    figures = compute(snap, year=2025, basis=Basis.authorised, reporting_state=None)
    reconcile.check(figures, snap, reconcile.authorised_totals(snap, 2025, None))
    with pytest.raises(reconcile.ReportRefused, match="the report counts 10, the register 11"):
        reconcile.check(figures, snap, {("exports", "VIII"): 11})


def test_checksum_ignores_the_moment_but_not_the_figures() -> None:
    snap = _snapshot(
        _licence(
            1,
            TransferKind.export,
            "SWE",
            "CAN",
            (_item("Pistols", "VIII", 10, 1.0, entry="ML1.a:pistol"),),
        )
    )
    later = Snapshot(
        as_of="2027-01-01T00:00:00.000000+00:00", licences=snap.licences, shipments=(), denials=()
    )
    a = compute(snap, year=2025, basis=Basis.authorised, reporting_state=None)
    b = compute(later, year=2025, basis=Basis.authorised, reporting_state=None)
    assert a.as_of != b.as_of and a.checksum() == b.checksum()
    c = compute(snap, year=2025, basis=Basis.actual, reporting_state=None)
    assert c.checksum() != a.checksum()


def test_unroca_names_the_state_of_origin_of_a_re_export() -> None:
    """Column D: the state of origin when it is not the exporter (a re-export), by name."""
    import io

    from openpyxl import load_workbook

    from openatt.reports.writers import unroca

    re_export = Item.model_validate(
        {
            "description": "Leopard 2A4 tanks (German-built, from our stocks)",
            "category": "I",
            "control_entry": "ML6",
            "quantity": 4,
            "origin_state": "DEU",
        }
    )
    own = _item("Main battle tanks", "I", 2, None, entry="ML6")
    snap = _snapshot(
        _licence(1, TransferKind.export, "SWE", "NOR", (re_export,), transit=("DNK",)),
        _licence(2, TransferKind.export, "SWE", "FIN", (own,)),
    )
    figures = compute(snap, year=2025, basis=Basis.authorised, reporting_state="SWE", kind="unroca")
    by_partner = {e.partner: e for e in figures.exports.entries}
    assert by_partner["NOR"].origin == ("DEU",) and by_partner["FIN"].origin == ()
    book = load_workbook(io.BytesIO(unroca.to_xlsx(figures)))
    rows = [
        [c.value for c in row]
        for sheet in book.worksheets
        if "xport" in sheet.title and "SALW" not in sheet.title
        for row in sheet.iter_rows(min_row=5)
    ]
    norway = next(r for r in rows if r[1] == "Norway (NOR)")
    finland = next(r for r in rows if r[1] == "Finland (FIN)")
    assert norway[3] == "Germany (DEU)" and norway[4] == "Denmark (DNK)"
    assert finland[3] in (None, "")

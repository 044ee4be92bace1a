"""The rules issue 15 asks of the reports, on hand-built snapshots: shipments counted by their
own date up to the as-of day, a basis per table, licences counted once per licence and per
entry, the reporting state's own criteria, revoked and suspended counts, stated currency
rates, brokering, totals per region and for the world, and withholding applied alike."""

from __future__ import annotations

import datetime as dt

import pytest

from openatt.core.model import Item, TransferKind
from openatt.reports import national
from openatt.reports.figures import Basis, compute
from openatt.reports.snapshot import DenialRecord, LicenceRecord, ShipmentRecord, Snapshot
from openatt.reports.writers import national as writer

DAY = dt.date(2025, 3, 1)


def _item(entry: str, quantity: int, amount: float, currency: str = "EUR") -> Item:
    category = "ammunition" if entry.startswith("ML3") else "VIII"
    return Item.model_validate(
        {
            "description": f"item {entry}",
            "category": category,
            "control_entry": entry,
            "quantity": quantity,
            "value": {"amount": amount, "currency": currency},
        }
    )


def _licence(
    licence_id: int,
    items: tuple[Item, ...],
    *,
    kind: TransferKind = TransferKind.export,
    exporting: str = "GBR",
    importing: str = "CAN",
    state: str = "active",
    changed: dt.date | None = None,
    withheld: str | None = None,
) -> LicenceRecord:
    return LicenceRecord(
        id=licence_id,
        number=f"LIC-{licence_id}",
        application=f"OA-{licence_id}",
        kind=kind,
        exporting_state=exporting,
        importing_state=importing,
        transit_states=(),
        end_user="Armed forces",
        end_user_kind="armed_forces",
        items=items,
        issued_on=DAY,
        valid_until=DAY + dt.timedelta(days=700),
        state=state,
        withheld=withheld,
        state_changed_on=changed,
    )


def _snap(
    *licences: LicenceRecord,
    shipments: tuple[ShipmentRecord, ...] = (),
    denials: tuple[DenialRecord, ...] = (),
    as_of: str = "2025-12-02T12:00:00.000000+00:00",
) -> Snapshot:
    return Snapshot(as_of=as_of, licences=licences, shipments=shipments, denials=denials)


def test_a_shipment_counts_only_once_its_own_date_has_come() -> None:
    licence = _licence(1, (_item("ML1.a:rifle", 100, 1000.0),))
    shipped = (
        ShipmentRecord(1, 1, 0, 10, dt.date(2025, 11, 30)),
        ShipmentRecord(2, 1, 0, 20, dt.date(2025, 12, 22)),  # recorded on 2 Dec, dated 22 Dec
    )
    early = compute(
        _snap(licence, shipments=shipped), year=2025, basis=Basis.actual, reporting_state="GBR"
    )
    assert early.exports.category_totals == {"VIII": 10}
    late = compute(
        _snap(licence, shipments=shipped, as_of="2025-12-31T23:59:59.999999+00:00"),
        year=2025,
        basis=Basis.actual,
        reporting_state="GBR",
    )
    assert late.exports.category_totals == {"VIII": 30}
    report = national.compute(_snap(licence, shipments=shipped), year=2025, reporting_state="GBR")
    assert report.rows[0].actual_items == 10


def test_each_table_has_its_own_basis() -> None:
    exported = _licence(1, (_item("ML1.a:rifle", 100, 1000.0),))
    imported = _licence(
        2,
        (_item("ML1.a:pistol", 50, 500.0),),
        kind=TransferKind.import_,
        exporting="DEU",
        importing="GBR",
    )
    snap = _snap(exported, imported, shipments=(ShipmentRecord(1, 2, 0, 5, DAY),))
    figures = compute(
        snap, year=2025, basis=Basis.authorised, imports_basis=Basis.actual, reporting_state="GBR"
    )
    assert figures.exports.category_totals == {"VIII": 100}
    assert figures.imports.category_totals == {"VIII": 5}
    assert figures.basis_of(figures.imports.direction) is Basis.actual
    same = compute(snap, year=2025, basis=Basis.authorised, reporting_state="GBR")
    assert same.imports.category_totals == {"VIII": 50} and same.imports_basis is None


def test_licences_once_per_licence_and_once_per_entry() -> None:
    # One licence under two ML entries: one licence in each row, one in the totals.
    licence = _licence(1, (_item("ML1.a:rifle", 10, 1000.0), _item("ML3.a", 100, 50.0)))
    other = _licence(2, (_item("ML1.a:pistol", 5, 500.0),), importing="AUS")
    report = national.compute(_snap(licence, other), year=2025, reporting_state="GBR")
    rows = {(r.destination, r.ml_category): r.licences for r in report.rows}
    assert rows == {("CAN", "ML1"): 1, ("CAN", "ML3"): 1, ("AUS", "ML1"): 1}
    assert report.totals["licences"] == 2 and report.world is not None
    assert report.world.licences == 2 and report.world.licensed_value == 1550.0
    assert report.regions["Americas"].licences == 1 and report.regions["Oceania"].licences == 1


def test_denials_show_the_reporting_states_own_criteria_and_revocations_count() -> None:
    denial = DenialRecord(
        id=1,
        reference="D-1",
        notifying_state="GBR",
        denied_on=DAY,
        destination="SSD",
        end_user="Militia",
        categories=("VIII",),
        control_entries=("ML1.a",),
        criteria=("att.7.1", "eu.c2", "uk.c1", "uk.c7", "wassenaar.x"),
        own=True,
    )
    revoked = _licence(1, (_item("ML1.a:rifle", 1, 1.0),), state="revoked", changed=DAY)
    suspended = _licence(2, (_item("ML1.a:rifle", 1, 1.0),), state="suspended", changed=DAY)
    old = _licence(3, (_item("ML1.a:rifle", 1, 1.0),), state="revoked", changed=dt.date(2024, 1, 1))
    snap = _snap(revoked, suspended, old, denials=(denial,))
    report = national.compute(snap, year=2025, reporting_state="GBR", own_regimes=("uk",))
    assert report.denials[0].criteria == ("uk.c1", "uk.c7")
    assert report.denials_by_criterion == {"uk.c1": 1, "uk.c7": 1}
    assert report.licence_counts == {"issued": 3, "refused": 1, "revoked": 1, "suspended": 1}
    every = national.compute(snap, year=2025, reporting_state="GBR")
    assert len(every.denials[0].criteria) == 5


def test_several_currencies_are_converted_at_the_stated_rates() -> None:
    snap = _snap(
        _licence(1, (_item("ML1.a:rifle", 10, 1000.0, "EUR"),)),
        _licence(2, (_item("ML1.a:rifle", 10, 1000.0, "USD"),)),
    )
    with pytest.raises(national.MixedCurrencies, match="USD"):
        national.compute(snap, year=2025, reporting_state="GBR", currency="EUR")
    report = national.compute(
        snap, year=2025, reporting_state="GBR", currency="EUR", rates={"USD": 0.9}
    )
    assert report.totals["licensed_value"] == 1900.0 and report.rates == {"USD": 0.9}
    html = writer.to_html(report, [], version="1").decode()
    assert "1 USD" in html and "0.9 EUR" in html


def test_brokering_licences_have_their_own_table() -> None:
    broker = _licence(1, (_item("ML1.a:rifle", 10, 700.0),), kind=TransferKind.brokering)
    report = national.compute(_snap(broker), year=2025, reporting_state="GBR")
    assert [(b.destination, b.ml_category, b.licences) for b in report.brokering] == [
        ("CAN", "ML1", 1)
    ]
    assert not report.rows, "brokering is not counted as an export"


def test_withholding_is_applied_alike_in_every_report() -> None:
    secret = _licence(
        7, (_item("ML1.a:rifle", 10, 999.0),), importing="ISR", withheld="national_security"
    )
    snap = _snap(secret, _licence(8, (_item("ML1.a:rifle", 5, 1.0),)))
    att = compute(snap, year=2025, basis=Basis.authorised, reporting_state="GBR")
    hidden = [e for e in att.exports.entries if e.withheld]
    assert len(hidden) == 1 and hidden[0].partner is None and hidden[0].value is None
    report = national.compute(snap, year=2025, reporting_state="GBR")
    assert {r.destination for r in report.rows} == {"CAN", national.WITHHELD}
    withheld = next(r for r in report.rows if r.destination == national.WITHHELD)
    assert withheld.licences == 1 and withheld.licensed_value == 0.0
    assert report.totals["licensed_value"] == 1.0
    html = writer.to_html(report, [], version="1").decode()
    assert "Israel" not in html and "ISR" not in html and "LIC-7" not in html


def test_annex_2_and_voluntary_categories_come_from_the_states_declarations() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from openatt.reports import forms
    from openatt.reports.writers import att

    aircraft = _item("ML10.a:military-aircraft-other", 2, 4e6)  # in no ATT row
    snap = _snap(_licence(1, (aircraft, _item("ML1.a:rifle", 10, 1000.0))))
    plain = compute(snap, year=2025, basis=Basis.authorised, reporting_state="GBR")
    assert plain.national_definitions == {} and plain.voluntary == ()
    title = dict(
        load_workbook(BytesIO(att.to_xlsx(plain, {})))["Title page"].iter_rows(
            min_row=3, values_only=True
        )
    )
    assert title["Annex 2: national definitions of categories"] == att.tick(False)
    assert title["Definition of value"] == "(to be completed by the national authority)"
    declared = forms.StateProfile(
        value_definition="contract value excluding VAT",
        national_definitions={"VIII": "as in the national Military List ML1 and ML2"},
        voluntary_categories=(
            forms.VoluntaryCategory(code="N.1", label="Other military aircraft", entries=("ML10",)),
        ),
    )
    figures = compute(
        snap, year=2025, basis=Basis.authorised, reporting_state="GBR", profile=declared
    )
    assert [(e.code, e.partner, e.number, e.value) for e in figures.voluntary] == [
        ("N.1", "CAN", 2, 4e6)
    ]
    assert figures.exports.category_totals == {"VIII": 10}
    book = load_workbook(BytesIO(att.to_xlsx(figures, {})))
    title = dict(book["Title page"].iter_rows(min_row=3, values_only=True))
    assert title["Annex 2: national definitions of categories"] == att.tick(True)
    assert title["Voluntary national categories"] == att.tick(True)
    assert title["Definition of value"] == "contract value excluding VAT"
    assert book["Voluntary categories"]["A5"].value == "N.1 Other military aircraft"

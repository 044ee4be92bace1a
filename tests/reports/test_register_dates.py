"""The register refuses shipment and delivery-verification dates after today, so that no
report can count a shipment that has not happened (issue 15; the server's own dates are
issue 13's, register/licensing.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from report_fixtures import Register, demo_user
from sqlalchemy import select

from openatt.register import licensing
from openatt.register.errors import Invalid
from openatt.register.models import LicenceRow, ShipmentRow


def test_future_shipment_and_verification_dates_are_refused(register: Register) -> None:
    officer = demo_user(register, "officer")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with register.db.read() as session:
        shipment = session.execute(
            select(ShipmentRow).where(ShipmentRow.delivery_verified_on.is_(None)).limit(1)
        ).scalar_one()
        licence = session.get(LicenceRow, shipment.licence_id)
        assert licence is not None
        application_id, shipment_id = licence.application_id, shipment.id
    with pytest.raises(Invalid) as refused, register.db.write() as session:
        licensing.record_shipment(
            session, officer, application_id, item=0, quantity=1, shipped_on=tomorrow
        )
    assert refused.value.field == ("shipped_on",)
    assert "before it happens" in refused.value.message
    with pytest.raises(Invalid) as refused, register.db.write() as session:
        licensing.verify_delivery(
            session,
            officer,
            application_id,
            shipment_id=shipment_id,
            verified_on=tomorrow,
            verification="certificate",
        )
    assert refused.value.field == ("verified_on",)
    assert "today" in refused.value.message

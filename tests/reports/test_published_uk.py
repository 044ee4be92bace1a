"""Part 4 of issue 15: a register rebuilt from a published national report's figures gives
the same table. The UK's 2023 SIEL decisions (issued, refused, revoked; cited in
``data/uk_siel_decisions_2023.yaml``) as licences, refusals and revocations of a register
snapshot, and the national report's "Licensing decisions" table compared line by line."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

import yaml

from openatt.core.model import Item, TransferKind
from openatt.reports import national
from openatt.reports.snapshot import DenialRecord, LicenceRecord, Snapshot
from openatt.reports.writers import national as writer

PUBLISHED: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "data" / "uk_siel_decisions_2023.yaml").read_text("utf-8")
)


def _register() -> Snapshot:
    year = PUBLISHED["year"]
    item = Item.model_validate(
        {
            "description": "rifles",
            "category": "VIII",
            "control_entry": "ML1.a:rifle",
            "quantity": 1,
            "value": {"amount": 1000.0, "currency": "GBP"},
        }
    )

    def licence(n: int, issued: dt.date, state: str, changed: dt.date | None) -> LicenceRecord:
        return LicenceRecord(
            id=n,
            number=f"SIEL-{n}",
            application=f"APP-{n}",
            kind=TransferKind.export,
            exporting_state="GBR",
            importing_state="CAN",
            transit_states=(),
            end_user="Armed forces",
            end_user_kind="armed_forces",
            items=(item,),
            issued_on=issued,
            valid_until=issued + dt.timedelta(days=730),
            state=state,
            state_changed_on=changed,
        )

    issued = [
        licence(n, dt.date(year, 1 + n % 12, 1 + n % 28), "active", None)
        for n in range(1, PUBLISHED["issued"] + 1)
    ]
    # The revoked licences were issued the year before and revoked in the year.
    revoked = [
        licence(10**6 + n, dt.date(year - 1, 6, 1), "revoked", dt.date(year, 3, 1))
        for n in range(PUBLISHED["revoked"])
    ]
    refusals = tuple(
        DenialRecord(
            id=n,
            reference=f"REF-{n}",
            notifying_state="GBR",
            denied_on=dt.date(year, 1 + n % 12, 1),
            destination="CAN",
            end_user="x",
            categories=("VIII",),
            control_entries=("ML1.a",),
            criteria=("uk.c7",),
            own=True,
        )
        for n in range(1, PUBLISHED["refused"] + 1)
    )
    return Snapshot(
        as_of=f"{year + 1}-03-31T00:00:00.000000+00:00",
        licences=tuple(issued + revoked),
        shipments=(),
        denials=refusals,
    )


def test_the_uk_decisions_table_is_reproduced_from_the_register() -> None:
    figures = national.compute(
        _register(), year=PUBLISHED["year"], reporting_state="GBR", years=1, own_regimes=("uk",)
    )
    assert figures.licence_counts["issued"] == PUBLISHED["issued"]
    assert figures.licence_counts["refused"] == PUBLISHED["refused"]
    assert figures.licence_counts["revoked"] == PUBLISHED["revoked"]
    lines = writer.decision_lines(figures)
    assert [list(line) for line in lines] == PUBLISHED["published_lines"]
    html = writer.to_html(figures, [], version="1").decode()
    for what, text in lines:
        assert f'<td>{what}</td><td class="num">{escape(text)}</td>' in html

"""Reference data as of a chosen date: arms embargoes in force and ATT States Parties."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from openatt.law.loader import default_law
from openatt.reference.loader import default_reference
from openatt.screening.importers import IMPORTERS
from openatt.web.rendering import render
from openatt.web.security import AnyUser

router = APIRouter()


@router.get("/reference", response_model=None)
def reference_page(
    request: Request, viewer: AnyUser, date: Annotated[str, Query(max_length=10)] = ""
) -> Response:
    error = ""
    day = dt.date.today()
    if date:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            error = "Give the date as YYYY-MM-DD."
    data = default_reference()
    embargoes = {
        authority: sorted(
            data.measures_on(day, authority, any_target=True),
            key=lambda m: (m.embargo.target or "", m.embargo.name),
        )
        for authority in ("un", "eu", "osce")
    }
    att = data.treaties["att"]
    parties = sorted((p for p in att.parties if p.applies_on(day)), key=lambda p: p.state)
    return render(
        request,
        "reference.html",
        viewer,
        day=day,
        date=date or day.isoformat(),
        error=error,
        embargoes=embargoes,
        parties=parties,
        treaty=att,
        digest=data.digest,
        regimes=list(default_law().regimes.values()),
        formats=list(IMPORTERS),
    )

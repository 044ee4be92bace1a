"""The law this server applies, as the other endpoints accept it: ``GET /regimes``.

The regimes come from the loaded law (the shipped ones and any overlay the installation
configures with ``OPENATT_OVERLAYS``), the same list the request bodies are checked against.
The law is public; reading it needs no login.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from openatt.law.loader import default_law

router = APIRouter(tags=["law"])


class RegimeOut(BaseModel):
    id: str
    title: str
    valid_from: dt.date
    rules: int


@router.get("/regimes", response_model=list[RegimeOut])
def regimes() -> list[RegimeOut]:
    """Every regime an assessment may name, in the order they are applied."""
    return [
        RegimeOut(id=r.id, title=r.title, valid_from=r.valid_from, rules=len(r.rules))
        for r in default_law().regimes.values()
    ]

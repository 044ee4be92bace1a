"""What this server knows, read from the registries the other endpoints check against:
``GET /regimes`` (the loaded law: the shipped regimes and any overlay the installation
configures with ``OPENATT_OVERLAYS``) and ``GET /screening/formats`` (the list importers).
The regimes are for every user (an exporter's pre-check names them); the formats for those
who screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from openatt.api.deps import Allow
from openatt.law.loader import default_law
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor
from openatt.screening.importers import IMPORTERS

router = APIRouter(tags=["catalogue"])


class RegimeOut(BaseModel):
    id: str
    title: str
    valid_from: dt.date
    rules: int


@router.get("/regimes", response_model=list[RegimeOut])
def regimes(_actor: Annotated[Actor, Allow(None)]) -> list[RegimeOut]:
    """Every regime an assessment may name, in the order they are applied."""
    return [
        RegimeOut(id=r.id, title=r.title, valid_from=r.valid_from, rules=len(r.rules))
        for r in default_law().regimes.values()
    ]


@router.get("/screening/formats", response_model=list[str])
def list_formats(_actor: Annotated[Actor, Allow(P.screening_run)]) -> list[str]:
    """The list formats an import accepts, in the order detection tries them."""
    return list(IMPORTERS)

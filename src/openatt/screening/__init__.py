"""Screening parties against sanctions and denied-party lists.

Importers (one per list format) normalise a list into :class:`ListEntity` records; the
:class:`ListStore` keeps every imported version; the :class:`Matcher` screens names with the
versioned ``openatt-match-v3`` algorithm (``algorithm.py`` names the version in force) and
explains every hit; :func:`screen_parties` is the entry point for the register and the engine.
"""

from typing import TYPE_CHECKING, Any

from openatt.screening.compiled import activate

# The modules compiled with mypyc, where ``openatt lists compile`` built them from these very
# sources (issue 16; see compiled.py): imported in place of the plain ones.
activate()

if TYPE_CHECKING:
    from openatt.screening.matcher import Hit, Matcher
    from openatt.screening.model import ListEntity, MalformedList, Schema
    from openatt.screening.scoring import ALGORITHM, Query
    from openatt.screening.service import (
        matcher_for,
        screen_parties,
        screen_queries,
        to_screening_hits,
    )
    from openatt.screening.store import ImportReport, ListMetadata, ListNotLoaded, ListStore

# Where each name lives: imported on first use, so that a cold `openatt screen NAME` loads
# only the modules its query needs (not the importers, nor the core model).
_HOMES = {
    "Hit": "matcher",
    "Matcher": "matcher",
    "ListEntity": "model",
    "MalformedList": "model",
    "Schema": "model",
    "ALGORITHM": "scoring",
    "Query": "scoring",
    "matcher_for": "service",
    "screen_parties": "service",
    "screen_queries": "service",
    "to_screening_hits": "service",
    "ImportReport": "store",
    "ListMetadata": "store",
    "ListNotLoaded": "store",
    "ListStore": "store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'openatt.screening' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"openatt.screening.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ALGORITHM",
    "Hit",
    "ImportReport",
    "ListEntity",
    "ListMetadata",
    "ListNotLoaded",
    "ListStore",
    "MalformedList",
    "Matcher",
    "Query",
    "Schema",
    "matcher_for",
    "screen_parties",
    "screen_queries",
    "to_screening_hits",
]

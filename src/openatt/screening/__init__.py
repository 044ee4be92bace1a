"""Screening parties against sanctions and denied-party lists.

Importers (one per list format) normalise a list into :class:`ListEntity` records; the
:class:`ListStore` keeps every imported version; the :class:`Matcher` screens names with the
versioned ``openatt-match-v2`` algorithm (``algorithm.py`` names the version in force) and
explains every hit; :func:`screen_parties` is the entry point for the register and the engine.
"""

from openatt.screening.matcher import Hit, Matcher
from openatt.screening.model import ListEntity, MalformedList, Schema
from openatt.screening.scoring import ALGORITHM, Query
from openatt.screening.service import matcher_for, screen_parties, screen_queries, to_screening_hits
from openatt.screening.store import ImportReport, ListMetadata, ListNotLoaded, ListStore

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

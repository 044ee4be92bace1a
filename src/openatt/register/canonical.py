"""Canonical JSON and digests: the one byte form that the hash chain and row digests sign.

Two databases return the same row in different Python shapes (SQLite drops the time zone of a
timestamp, PostgreSQL keeps it), so values are normalised here before hashing: timestamps to
naive UTC ISO strings, dates to ISO strings. Keys are sorted and separators fixed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def normalise(value: Any) -> Any:
    """A JSON-ready value that reads the same whichever database returned it."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    return value


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def dumps_json_ready(value: Any) -> str:
    """The same text as :func:`dumps` for a value that is JSON-ready already (pydantic's
    ``model_dump(mode="json")``: string keys, no dates): the walk through every value that
    :func:`normalise` makes is skipped. The engine's output is written this way once per
    assessment; it was a tenth of a reassessment's CPU."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(value: Any) -> str:
    """The SHA-256 of the canonical JSON of ``value``."""
    return sha256(dumps(value))

"""Canonical JSON and digests: the one byte form that the hash chain and row digests sign.

Two databases return the same row in different Python shapes (SQLite drops the time zone of a
timestamp, PostgreSQL keeps it), so values are normalised here before hashing: timestamps to
naive UTC ISO strings, dates to ISO strings. Keys are sorted and separators fixed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
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


def dumps_spliced(value: Mapping[str, Any], spliced: Mapping[str, str]) -> str:
    """The text :func:`dumps` gives for ``value`` with each key of ``spliced`` added, whose
    value is canonical JSON text already (a stored payload): set in place as it is, not
    parsed and walked again (issue 16: an application's whole payload in its create event).
    Each spliced value stands in a marker no input can hold (random, per call) until the
    surrounding text is written."""
    if not spliced:
        return dumps(value)
    token = secrets.token_hex(16)
    markers = {key: f"\x00{token}:{index}" for index, key in enumerate(spliced)}
    text = dumps({**value, **markers})
    for key, marker in markers.items():
        quoted = json.dumps(marker, ensure_ascii=False)
        if text.count(quoted) != 1:  # pragma: no cover - a 128-bit random marker
            raise ValueError("a splice marker appears in the value itself")
        text = text.replace(quoted, spliced[key])
    return text


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(value: Any) -> str:
    """The SHA-256 of the canonical JSON of ``value``."""
    return sha256(dumps(value))

"""Canonical JSON and digests: the one byte form that the hash chain and row digests sign.

Two databases return the same row in different Python shapes (SQLite drops the time zone of a
timestamp, PostgreSQL keeps it), so values are normalised here before hashing: timestamps to
naive UTC ISO strings, dates to ISO strings. Keys are sorted and separators fixed.

The form is the standard library's ``json.dumps`` with sorted keys, no spaces and UTF-8 kept
(every chain and digest written so far is in it). :func:`dumps` writes it with orjson (issue
16, seventh round: the digests and event payloads of a write were a tenth of its CPU; a
digest of a register's row or event now takes about a third of the time, the walk below
included) for every value whose text orjson writes byte for byte the same: strings,
whole numbers, booleans, null, lists and string-keyed objects, and floats other than the ones
it writes differently (not-a-number and the infinities, which it writes as null, and those
under 1e-4 in size, which it writes as 0.00001 or 1.5e-7 where ``json`` writes 1e-05 and
1.5e-07). Anything else (such a float, an integer beyond 64 bits, a lone surrogate, a type
orjson knows and ``json`` refuses) takes ``json.dumps`` itself, so the text never differs.
``tests/register/test_canonical_fast.py`` compares the two over every code point, random
floats of every exponent and the register's own values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS
# a subclass of str, int, dict or list, a dataclass or a date goes to ``json`` (found in
# review, twelfth round: a dict subclass whose ``items`` differs from its storage is written
# by ``json`` through ``items``, by orjson from the storage)
_READY = (
    _SORTED
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)
# the smallest size of a float that orjson writes as ``json`` does (zero apart)
_FLOAT_AS_JSON_FROM = 1e-4
_INFINITY = float("inf")


class _NotPlain(Exception):
    """A value whose canonical text the fast path may not write as ``json`` would."""


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


def _plain(value: Any) -> Any:
    """:func:`normalise`'s value, built only of what orjson writes as ``json`` does; else
    :class:`_NotPlain` is raised."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        if value != value or value in (_INFINITY, -_INFINITY):
            raise _NotPlain
        if value and -_FLOAT_AS_JSON_FROM < value < _FLOAT_AS_JSON_FROM:
            raise _NotPlain
        return value
    if kind is dict:
        plain = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            plain[key] = _plain(item)
        return plain
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    if kind is dt.datetime or kind is dt.date:
        return normalise(value)
    raise _NotPlain


def _json_text(value: Any) -> str:
    return json.dumps(normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def dumps_bytes(value: Any) -> bytes:
    """:func:`dumps`'s text, encoded in UTF-8."""
    try:
        return orjson.dumps(_plain(value), option=_SORTED)
    except (_NotPlain, orjson.JSONEncodeError, RecursionError):
        return _json_text(value).encode("utf-8")


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 kept as is."""
    try:
        return orjson.dumps(_plain(value), option=_SORTED).decode("utf-8")
    except (_NotPlain, orjson.JSONEncodeError, RecursionError):
        return _json_text(value)


def _json_ready_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _may_hold_a_small_float(text: bytes) -> bool:
    """Whether orjson's ``text`` may hold a float it writes differently from ``json``: one
    under 1e-4 in size, which it writes as ``0.00005`` or ``1.5e-7`` (where ``json`` writes
    ``5e-05`` and ``1.5e-07``). A string holding such characters answers yes too, and only
    costs the slower path."""
    if b"0.0000" in text:
        return True
    at = text.find(b"e-")
    while at > 0:
        if 0x30 <= text[at - 1] <= 0x39:  # a digit before the exponent
            return True
        at = text.find(b"e-", at + 2)
    return False


def dumps_json_ready(value: Any) -> str:
    """The same text as :func:`dumps` for a value that is JSON-ready already (pydantic's
    ``model_dump(mode="json")``: string keys, no dates): the walk through every value that
    :func:`normalise` makes is skipped. The engine's output is written this way once per
    assessment; it was a tenth of a reassessment's CPU.

    orjson writes it (issue 16, twelfth round: the examples' outputs in 1.27-1.40 times
    less time, checks included; ``benchmarks/canonical_text.py``), and the text is kept
    only when it is ``json``'s: no float small enough to be written otherwise
    (:func:`_may_hold_a_small_float`), and the text reads back as the very value (a
    not-a-number, which orjson writes as null, does not; nor does a tuple, which reads back
    as a list though both write the same). Anything else, or anything orjson refuses (an
    integer beyond 64 bits, a lone surrogate, a key that is not a string, a subclass of a
    JSON type), is written by ``json`` itself."""
    try:
        text = orjson.dumps(value, option=_READY)
    except (orjson.JSONEncodeError, TypeError):
        return _json_ready_text(value)
    if _may_hold_a_small_float(text) or orjson.loads(text) != value:
        return _json_ready_text(value)
    return text.decode("utf-8")


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
    return hashlib.sha256(dumps_bytes(value)).hexdigest()

"""The canonical text written with orjson is the standard library's, byte for byte (issue
16, seventh round): every chain link and row digest written before it must verify after it,
and every one written after it must verify with the standard library alone."""

from __future__ import annotations

import datetime as dt
import enum
import json
import random
import struct
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from openatt.core.engine import Engine
from openatt.register import audit, canonical, demo
from openatt.register.db import Database
from openatt.register.models import ENTITY_TABLES, Event


def reference(value: Any) -> str:
    """The canonical text as it was defined before (and still is): the standard library's."""
    return json.dumps(
        canonical.normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def same(value: Any) -> None:
    expected = reference(value)
    assert canonical.dumps(value) == expected
    assert canonical.dumps_bytes(value) == expected.encode("utf-8")
    assert canonical.digest(value) == canonical.sha256(expected)


def test_every_code_point_is_written_as_the_standard_library_writes_it() -> None:
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 4096):
        text = "".join(chr(c) for c in points[start : start + 4096])
        same({"k": text, text[:8]: [text[-3:]]})


def test_keys_sort_by_code_point_as_the_standard_library_sorts_them() -> None:
    alphabet = ["a", "B", "é", "中", "\U0001f600", "\uff5e", "\U00010000", "\ufffd", "\x00", " "]
    chance = random.Random(7)
    for _ in range(2000):
        keys = ["".join(chance.choices(alphabet, k=chance.randint(0, 4))) for _ in range(6)]
        same({key: index for index, key in enumerate(keys)})


def test_floats_of_every_size_are_written_as_the_standard_library_writes_them() -> None:
    chance = random.Random(11)
    floats = [
        struct.unpack("d", struct.pack("Q", chance.getrandbits(64)))[0] for _ in range(50_000)
    ]
    floats += [chance.random() * 10.0 ** chance.randint(-12, 20) for _ in range(50_000)]
    floats += [1e-4, 9.99e-5, 1e-5, 1.5e-7, 1e-10, 1e16, 1e22, -0.0, 0.0, 100.0, 0.1 + 0.2]
    floats += [float("nan"), float("inf"), float("-inf")]
    for start in range(0, len(floats), 500):
        same({"values": floats[start : start + 500]})
    for value in floats[:2000]:
        same(value)


class Colour(enum.StrEnum):
    red = "red"


class Size(enum.IntEnum):
    big = 3


@pytest.mark.parametrize(
    "value",
    [
        {"n": 2**63, "m": -(2**63), "o": 2**64 - 1},
        {"beyond": 2**64, "below": -(2**63) - 1, "far": 10**30},
        {"colour": Colour.red, "size": Size.big, "flag": True, "none": None},
        {1: "int key", "2": "str key", None: "none key"},
        ("a", ("tuple", [1, 2.5])),
        {"at": dt.datetime(2026, 12, 4, 19, 30, tzinfo=dt.UTC), "on": dt.date(2026, 1, 2)},
        {
            "naive": dt.datetime(2026, 12, 4, 19, 30, 1, 5),
            "east": dt.datetime(2026, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        },
        {"deep": json.loads("[" * 400 + "]" * 400)},
        {"payload": '{"evidence":[{"value":NaN}]}', "quote": 'say "no"\\'},
        "",
        [],
        {},
    ],
)
def test_values_of_every_kind_give_the_standard_librarys_text(value: Any) -> None:
    same(value)


@pytest.mark.parametrize("value", [{"id": uuid.uuid4()}, {"x": object()}, {"s": "\ud800"}])
def test_values_the_standard_library_refuses_are_still_refused(value: Any) -> None:
    with pytest.raises((TypeError, UnicodeEncodeError)):
        canonical.digest(value)


def test_a_registers_rows_and_events_give_the_same_text(tmp_path: Path, engine: Engine) -> None:
    """The demo register, with every kind of row: each row's values as the digest takes them
    and each event's hashed fields give the standard library's text; the chain verifies."""
    db = Database(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    demo.fill(db, engine)
    with db.read() as session:
        rows = 0
        for table in ENTITY_TABLES.values():
            columns = [c.key for c in inspect(table).column_attrs]
            for row in session.execute(select(table)).scalars():
                same({key: getattr(row, key) for key in columns})
                rows += 1
        events = list(session.execute(select(Event).order_by(Event.seq)).scalars())
        for event in events:
            same(audit._hashed_fields(event))
            same(json.loads(event.payload))
        assert rows > 100 and len(events) > 100
        assert audit.verify(session).intact


def test_plain_values_never_reach_the_standard_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is taken for what the register writes all day (or there is no gain)."""

    def refused(_value: Any) -> str:
        raise AssertionError("the standard library's encoder was used")

    monkeypatch.setattr(canonical, "_json_text", refused)
    fields = {
        "seq": 12,
        "at": "2026-12-04T19:30:00.000001+00:00",
        "payload": '{"digest":"ab"}',
        "entity_id": 3,
        "retain_until": dt.date(2036, 12, 31),
        "scores": [0.5, 1.0, 0.25, 12345.678],
        "nested": {"é": [None, True, False], "when": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
    }
    assert canonical.digest(fields) == canonical.sha256(reference(fields))


def ready_same(value: Any) -> None:
    """``dumps_json_ready`` of a JSON-ready value gives the standard library's text."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical.dumps_json_ready(value) == expected


def test_json_ready_floats_of_every_size_are_written_as_json_writes_them() -> None:
    """Issue 16, twelfth round: the engine's output is written by orjson where its text is
    the standard library's; a float under 1e-4 (which orjson writes as 0.00005 or 1.5e-7)
    or a not-a-number (null) sends the whole value to the standard library."""
    chance = random.Random(13)
    floats = [
        struct.unpack("d", struct.pack("Q", chance.getrandbits(64)))[0] for _ in range(50_000)
    ]
    floats += [chance.random() * 10.0 ** chance.randint(-12, 20) for _ in range(50_000)]
    floats += [1e-4, 9.99e-5, 5e-5, 1e-5, 1.5e-7, 1e-10, 1e16, 1e22, -0.0, 0.0, 0.1 + 0.2]
    floats += [float("nan"), float("inf"), float("-inf")]
    for start in range(0, len(floats), 500):
        ready_same({"values": floats[start : start + 500], "note": "no 1e-5 here"})
    for value in floats[:3000]:
        ready_same([value])
        ready_same({"facts": {"value": value}, "text": "a 0.00001 in words"})


@pytest.mark.parametrize(
    "value",
    [
        {"n": 2**63, "m": -(2**63), "o": 2**64 - 1, "beyond": 2**64, "far": -(10**30)},
        {"colour": Colour.red, "size": Size.big, "flag": True, "none": None},
        {"tuple": ("a", ("b", [1, 2.5]))},
        {2: "an int key", 1: "another"},
        {"every": "".join(chr(c) for c in range(0x20)) + '"\\\u2028\u00e9\U0001f600'},
        {"deep": json.loads("[" * 400 + "]" * 400)},
        {"nan": [float("nan")], "inf": float("inf")},
        "",
        [],
        {},
    ],
)
def test_json_ready_values_of_every_kind_give_the_standard_librarys_text(value: Any) -> None:
    ready_same(value)


def test_the_engines_output_is_written_without_the_standard_library(
    monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    """The fast path is the one the engine's output takes (or there is no gain), and its
    text is the standard library's."""
    from openatt.core.loading import parse_applications
    from openatt.register.assessor import stored_text

    examples = Path(__file__).resolve().parents[2] / "examples"
    apps = [
        app
        for path in sorted(examples.glob("*.yaml"))
        for app in parse_applications(path.read_text("utf-8"), path.name)
    ]
    assert len(apps) >= 10
    outputs = [[a.model_dump(mode="json") for a in engine.assess(app)] for app in apps]
    expected = [
        json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for o in outputs
    ]

    def refused(_value: Any) -> str:
        raise AssertionError("the standard library's encoder was used")

    monkeypatch.setattr(canonical, "_json_ready_text", refused)
    assert [canonical.dumps_json_ready(o) for o in outputs] == expected
    assert [stored_text(engine.assess(app)) for app in apps] == expected


class Rewritten(dict[str, Any]):
    """A dict whose items, as ``json`` reads them, are not its storage."""

    def items(self) -> Any:  # type: ignore[override]
        return [("shown", 1)]


def test_json_ready_subclasses_take_the_standard_library() -> None:
    """Found in review, twelfth round: orjson wrote a dict subclass from its storage where
    ``json`` goes through its ``items``."""
    value = {"nested": Rewritten(hidden=2)}
    ready_same(value)
    assert canonical.dumps_json_ready(value) == '{"nested":{"shown":1}}'

"""The engine's output is written once per assessment, as canonical JSON text; the faster
writer (no walk through every value) must give the very text the canonical one gives, so
that stored assessments, their digests and the hash chain read the same as before."""

from __future__ import annotations

import datetime as dt

import pytest
from register_helpers import application

from openatt.core.engine import Engine
from openatt.core.model import Application, Evidence, Mitigation
from openatt.register import canonical


def test_the_fast_writer_gives_the_canonical_text_of_the_engines_output(engine: Engine) -> None:
    for overrides in ({}, {"importing_state": "RUS"}, {"date": "2013-05-01"}):
        case = Application.model_validate(application(**overrides))
        results = engine.assess(case, ("att", "eu", "us", "uk"), None)
        dumped = [a.model_dump(mode="json") for a in results]
        assert canonical.dumps_json_ready(dumped) == canonical.dumps(dumped)


def test_the_fast_writer_is_only_for_json_ready_values() -> None:
    # canonical.dumps turns dates into text; the fast writer refuses them, never guesses
    value = {"b": [1, 2], "a": dt.date(2026, 12, 3)}
    assert canonical.dumps(value) == '{"a":"2026-12-03","b":[1,2]}'
    with pytest.raises(TypeError):
        canonical.dumps_json_ready(value)


def test_an_applications_payload_is_written_as_the_canonical_text() -> None:
    # every demo case (parties, items, evidence, mitigations, dates): the stored payload the
    # fast writer gives is the canonical text, byte for byte (issue 16, fifth round)
    from openatt.register import demo

    samples = [sample.application for sample in demo.cases(dt.date(2026, 12, 4))]
    assert samples
    report = Evidence(
        criterion="diversion",
        likelihood="likely",
        severity="serious",
        source="Embassy report été “quoted”",
        date=dt.date(2026, 1, 2),
        value=0.25,
    )
    measure = Mitigation(description="Post-shipment check", addresses=("diversion",))
    more = samples[0].model_copy(update={"evidence": (report,), "mitigations": (measure,)})
    for sample in [*samples, more]:
        dumped = sample.model_dump(mode="json")
        assert canonical.dumps_json_ready(dumped) == canonical.dumps(dumped)

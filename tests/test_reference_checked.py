"""Every entry of the law and reference data says when it was checked against which source.

The entries checked in the second legal review carry ``checked: {on, against}``; those not
yet checked are listed, one id a line, in ``data/unchecked_entries.txt``. A new entry without
``checked`` is refused (it is not on the list), and the list can only shrink.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from conftest import TESTS
from openatt.core.provenance import Checked
from openatt.law.loader import default_law
from openatt.law.sources import SourceEntry, source_ledger
from openatt.reference.loader import ReferenceDataError, load_reference, parse_file
from openatt.reference.schema import EmbargoFile

BASELINE = TESTS / "data" / "unchecked_entries.txt"
REVIEW_STARTED = dt.date(2026, 11, 26)


def _baseline() -> set[str]:
    lines = BASELINE.read_text("utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _unlisted(ledger: list[SourceEntry], baseline: set[str]) -> list[str]:
    return sorted(e.id for e in ledger if not e.is_checked and e.id not in baseline)


def test_every_unchecked_entry_is_on_the_list() -> None:
    ledger = source_ledger(default_law(), load_reference())
    assert _unlisted(ledger, _baseline()) == []


def test_the_list_only_shrinks() -> None:
    ledger = {e.id: e for e in source_ledger(default_law(), load_reference())}
    stale = sorted(i for i in _baseline() if i not in ledger or ledger[i].is_checked)
    assert stale == [], "remove these lines from data/unchecked_entries.txt"


def test_ids_are_unique() -> None:
    ids = [e.id for e in source_ledger(default_law(), load_reference())]
    assert len(ids) == len(set(ids))


def test_checks_are_dated_and_name_a_source() -> None:
    checked = [e for e in source_ledger(default_law(), load_reference()) if e.checked]
    assert len(checked) >= 40
    for entry in checked:
        assert entry.checked is not None
        assert REVIEW_STARTED <= entry.checked.on <= dt.date.today(), entry.id
        assert all(len(source) >= 10 for source in entry.checked.against), entry.id


def test_a_new_measure_without_checked_is_refused(tmp_path: Path) -> None:
    new = tmp_path / "un.yaml"
    shipped = (TESTS.parent / "src/openatt/reference/data/un_embargoes.yaml").read_text("utf-8")
    addition = textwrap.dedent(
        """\
          - id: un.invented
            name: Invented
            authority: UN Security Council
            target: ISL
            measures:
              - id: un.invented.2030
                description: An embargo nobody checked against its resolution.
                coverage: whole_state
                valid_from: 2030-01-01
                citations: [{instrument: "UNSC Resolution 9999 (2030)", provision: "para. 1"}]
        """
    )
    new.write_text(shipped.rstrip("\n") + "\n" + textwrap.indent(addition, "  "), "utf-8")
    ledger = source_ledger(default_law(), load_reference({"un_embargoes": new}))
    assert _unlisted(ledger, _baseline()) == ["un.invented.2030"]


def test_checked_needs_a_day_and_a_source() -> None:
    with pytest.raises(ValueError):
        Checked.model_validate({"on": "2026-12-03", "against": []})
    bad = textwrap.dedent(
        """\
        description: test
        last_reviewed: 2026-12-03
        embargoes:
          - id: x.y
            name: X
            authority: OSCE
            target: ARM
            measures:
              - id: x.y.1
                description: a measure
                coverage: whole_state
                valid_from: 2000-01-01
                citations: [{instrument: "A decision"}]
                checked: {against: ["a source"]}
        """
    )
    with pytest.raises(ReferenceDataError, match=r"checked\.on"):
        parse_file("x.yaml", bad, EmbargoFile)


def test_yaml_on_key_is_read_as_the_day() -> None:
    # PyYAML reads a bare ``on:`` key as the boolean true; the model takes it back
    assert Checked.model_validate({True: "2026-12-03", "against": ["x"]}).on == dt.date(2026, 12, 3)


def test_uk_versions_before_december_2021_cite_the_2014_criteria() -> None:
    uk = default_law().regime("uk")
    for rule in uk.rules:
        if rule.id == "uk.scope":
            continue
        for version in rule.versions:
            cited = " ".join(c.instrument for c in version.citations)
            if version.valid_from < dt.date(2021, 12, 8):
                assert "Consolidated EU and National Arms Export Licensing Criteria" in cited
            else:
                assert "Strategic Export Licensing Criteria" in cited, rule.id


def test_every_mandatory_un_arms_embargo_before_1990_is_there() -> None:
    ref = load_reference()
    first = {e.id: min(m.valid_from for m in e.measures) for e in ref.un_embargoes}
    assert first["un.southern_rhodesia"] == dt.date(1966, 12, 16)
    assert first["un.south_africa"] == dt.date(1977, 11, 4)
    before_1990 = sorted(i for i, day in first.items() if day < dt.date(1990, 1, 1))
    assert before_1990 == ["un.south_africa", "un.southern_rhodesia"]

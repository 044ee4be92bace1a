"""Every entry of the law and reference data says when it was checked against which source.

The embargo files, 22 CFR 126.1 and the rule versions set ``review_required``: each entry
carries ``checked: {on, against}`` or ``unchecked: "why not"``, and a file with an entry that
says neither does not load. Treaty participations and group memberships (files that do not
yet set it) not yet checked are listed, one id a line, in ``data/unchecked_entries.txt``; a
new one without ``checked`` is refused (it is not on the list), and the list can only shrink.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import TESTS
from openatt.core.provenance import Checked
from openatt.law.loader import LawError, default_law, parse_regime
from openatt.law.sources import SourceEntry, source_ledger
from openatt.reference.loader import ReferenceDataError, load_reference, parse_file
from openatt.reference.schema import DenialPolicyFile, EmbargoFile

BASELINE = TESTS / "data" / "unchecked_entries.txt"
REVIEW_STARTED = dt.date(2026, 11, 26)


def _baseline() -> set[str]:
    lines = BASELINE.read_text("utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _unlisted(ledger: list[SourceEntry], baseline: set[str]) -> list[str]:
    return sorted(e.id for e in ledger if not e.is_reviewed and e.id not in baseline)


REVIEWED_KINDS = ("embargo", "126.1 entry", "rule version")


def test_every_unchecked_entry_is_on_the_list() -> None:
    ledger = source_ledger(default_law(), load_reference())
    assert _unlisted(ledger, _baseline()) == []


def test_the_list_only_shrinks() -> None:
    ledger = {e.id: e for e in source_ledger(default_law(), load_reference())}
    stale = sorted(i for i in _baseline() if i not in ledger or ledger[i].is_reviewed)
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


def _shipped_un_plus(addition: str, tmp_path: Path) -> Path:
    new = tmp_path / "un.yaml"
    shipped = (TESTS.parent / "src/openatt/reference/data/un_embargoes.yaml").read_text("utf-8")
    text = shipped.rstrip("\n") + "\n" + textwrap.indent(textwrap.dedent(addition), "  ")
    new.write_text(text, "utf-8")
    return new


INVENTED = """\
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


def test_a_new_measure_without_checked_or_unchecked_is_refused(tmp_path: Path) -> None:
    path = _shipped_un_plus(INVENTED, tmp_path)
    with pytest.raises(ReferenceDataError, match=r"un\.invented\.2030: every entry needs checked"):
        load_reference({"un_embargoes": path})


def test_a_new_measure_saying_why_it_was_not_checked_loads_and_is_listed(tmp_path: Path) -> None:
    said = INVENTED + '        unchecked: "the resolution is not yet published"\n'
    ref = load_reference({"un_embargoes": _shipped_un_plus(said, tmp_path)})
    entry = next(e for e in source_ledger(default_law(), ref) if e.id == "un.invented.2030")
    assert not entry.is_checked and entry.is_reviewed
    assert entry.unchecked == "the resolution is not yet published"


def test_checked_and_unchecked_together_are_refused(tmp_path: Path) -> None:
    both = (
        INVENTED
        + '        unchecked: "the resolution is not yet published"\n'
        + '        checked: {on: 2026-12-03, against: ["S/RES/9999 (2030)"]}\n'
    )
    with pytest.raises(ReferenceDataError, match="not both"):
        load_reference({"un_embargoes": _shipped_un_plus(both, tmp_path)})


def test_the_shipped_files_require_a_review_of_every_entry() -> None:
    ref = load_reference()
    law = default_law()
    assert all(ref_file.review_required for ref_file in _shipped_reference_files())
    assert all(regime.review_required for regime in law.regimes.values())
    ledger = source_ledger(law, ref)
    reviewed_kinds = [e for e in ledger if any(k in e.kind for k in REVIEWED_KINDS)]
    assert len(reviewed_kinds) > 350
    assert all(e.is_reviewed for e in reviewed_kinds)
    # the list names only the treaty and group entries (files that do not require a review)
    assert all(i.split(":")[1] in {"party", "signatory"} or "@" in i for i in _baseline())


def _shipped_reference_files() -> list[EmbargoFile | DenialPolicyFile]:
    data = TESTS.parent / "src/openatt/reference/data"
    files: list[EmbargoFile | DenialPolicyFile] = [
        parse_file(name, (data / name).read_text("utf-8"), EmbargoFile)
        for name in ("un_embargoes.yaml", "eu_embargoes.yaml", "osce_embargoes.yaml")
    ]
    us = (data / "us_126_1.yaml").read_text("utf-8")
    return [*files, parse_file("us_126_1.yaml", us, DenialPolicyFile)]


def test_a_rule_version_without_checked_or_unchecked_is_refused() -> None:
    shipped = yaml.safe_load((TESTS.parent / "src/openatt/law/data/att.yaml").read_text("utf-8"))
    first = shipped["rules"][0]["versions"][0]
    first.pop("checked", None)
    first.pop("unchecked", None)
    with pytest.raises(LawError, match="every entry needs checked"):
        parse_regime(yaml.safe_dump(shipped), "att.yaml")
    # a regime that does not require a review (a user's own file) loads without one
    shipped["review_required"] = False
    assert parse_regime(yaml.safe_dump(shipped), "att.yaml").rules[0].versions[0].checked is None


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

"""``openatt law sources``: what was checked, when and against what; and what was not."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from openatt.cli.main import build_app

RUNNER = CliRunner()
APP = build_app()


def _json(*args: str) -> dict[str, object]:
    result = RUNNER.invoke(APP, ["law", "sources", "--format", "json", *args])
    assert result.exit_code == 0, result.stdout
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_lists_checked_and_unchecked_entries_with_a_summary() -> None:
    document = _json()
    entries = document["entries"]
    assert isinstance(entries, list)
    checked = [e for e in entries if e["checked_on"]]
    unchecked = [e for e in entries if not e["checked_on"]]
    assert checked and unchecked
    reasoned = [e for e in unchecked if e["unchecked"]]
    assert document["summary"] == (
        f"{len(entries)} entries: {len(checked)} checked, {len(unchecked)} not checked "
        f"({len(reasoned)} saying why)"
    )
    rhodesia = next(e for e in entries if e["id"] == "un.southern_rhodesia.1966")
    assert rhodesia["checked_on"] == "2026-12-03"
    assert any("232 (1966)" in source for source in rhodesia["against"])
    assert all(e["against"] == [] and e["cited"] for e in unchecked)
    # every embargo entry, 126.1 entry and rule version says why it was not checked
    needs_reason = ("embargo", "126.1", "rule version")
    for entry in unchecked:
        if any(kind in entry["kind"] for kind in needs_reason):
            assert isinstance(entry["unchecked"], str) and len(entry["unchecked"]) >= 10
    assert all(e["unchecked"] is None for e in checked)


def test_filters_by_kind_and_check() -> None:
    document = _json("--show", "unchecked", "--kind", "rule version")
    entries = document["entries"]
    assert isinstance(entries, list) and entries
    assert all("rule version" in e["kind"] and e["checked_on"] is None for e in entries)
    parties = _json("--show", "checked", "--kind", "treaty party")["entries"]
    assert isinstance(parties, list)
    checked = {e["id"] for e in parties}
    assert {"att:party:LBN", "att:party:AFG", "att:party:BWA"} <= checked
    assert {"att:party:ZMB", "att:party:VUT"} <= checked  # the whole depositary list (2026-12-03)
    assert _json("--show", "unchecked", "--kind", "treaty party")["entries"] == []


def test_table_and_bad_option() -> None:
    result = RUNNER.invoke(
        APP, ["law", "sources", "--show", "checked", "--kind", "osce"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0
    assert "osce.nagorno_karabakh.arm.1992" in result.stdout
    assert "doubt:" in result.stdout
    why = RUNNER.invoke(
        APP, ["law", "sources", "--show", "unchecked", "--kind", "126.1"], env={"COLUMNS": "400"}
    )
    assert why.exit_code == 0 and "not checked" in why.stdout and "why: " in why.stdout
    assert RUNNER.invoke(APP, ["law", "sources", "--show", "everything"]).exit_code == 2


def test_law_show_gives_each_version_its_consequence_and_check() -> None:
    def show(*args: str) -> str:
        result = RUNNER.invoke(APP, ["law", "show", *args], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.stdout
        return result.stdout

    before = show("uk.7", "--as-of", "2020-01-01")
    assert "concern, not a denial" in before and "Consolidated EU and National" in before
    after = show("uk.7", "--as-of", "2022-01-01")
    assert "ground for denial" in after and "checked 2026-12-03" in after
    assert "not authorizing the export" in show("att.11")
    assert "where necessary and feasible" in show("att.9")

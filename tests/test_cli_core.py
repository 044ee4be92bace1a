"""The core commands as a user runs them: examples, JSON shape, bad input, law and data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from openatt.cli.core_commands import application_schema_json
from openatt.cli.main import build_app

RUNNER = CliRunner()
APP = build_app()
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def run(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(APP, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_examples_side_by_side_as_json() -> None:
    code, out, _ = run("assess", *map(str, EXAMPLES), "--regime", "att,eu,us", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assessments = document["assessments"]
    assert len(assessments) == 3 * len(EXAMPLES)
    for a in assessments:
        assert {"regime", "binding", "recommendation", "findings"} <= a.keys()
        assert a["recommendation"] in {"deny", "refer", "approve_with_conditions", "approve"}
        for f in a["findings"]:
            assert {"criterion", "outcome", "citations", "facts"} <= f.keys()
    assert {a["regime"] for a in assessments} == {"att", "eu", "us"}


def test_examples_cover_every_recommendation() -> None:
    _, out, _ = run("assess", *map(str, EXAMPLES), "-r", "att,eu,us,uk", "-f", "json")
    seen = {a["recommendation"] for a in json.loads(out)["assessments"]}
    assert seen == {"deny", "refer", "approve_with_conditions", "approve"}


def test_table_and_markdown_render() -> None:
    code, out, _ = run("assess", str(EXAMPLES[0]), "-r", "att,eu")
    assert code == 0 and "Recommendation" in out
    code, out, _ = run("assess", str(EXAMPLES[0]), "-f", "markdown")
    assert code == 0 and out.startswith("## ")


def test_as_of_changes_the_law_applied(tmp_path: Path) -> None:
    _, before, _ = run(
        "assess",
        str(ROOT / "examples" / "10-exporter-not-att-party.yaml"),
        "-r",
        "us",
        "--as-of",
        "2019-01-01",
        "-f",
        "json",
    )
    _, after, _ = run(
        "assess",
        str(ROOT / "examples" / "10-exporter-not-att-party.yaml"),
        "-r",
        "us",
        "-f",
        "json",
    )
    assert json.loads(before)["assessments"][0]["as_of"] == "2019-01-01"
    assert json.loads(after)["assessments"][0]["as_of"] == "2024-02-01"


BAD = {
    "unknown state": ("importing_state: Atlantis", "importing_state", "unknown state"),
    "missing field": ("end_use: null", "end_use", ""),
    "wrong type": ("items: 7", "items", ""),
    "bad date": ("date: 2020-02-31", "date", ""),
    "bad enum": ("kind: gift", "kind", ""),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_one_clear_line(tmp_path: Path, name: str) -> None:
    replacement, field, words = BAD[name]
    text = (ROOT / "examples" / "13-somalia-government-2016.yaml").read_text("utf-8")
    key = replacement.split(":")[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
    if key == "items":
        lines = [line for line in lines if not line.startswith("  - {description")]
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join([*lines, replacement]) + "\n", "utf-8")
    code, out, err = run("assess", str(path))
    assert code == 2
    assert "Traceback" not in err + out
    message = err.strip()
    assert len(message.splitlines()) == 1
    assert field in message and words in message


def test_unparseable_file_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: [export\n", "utf-8")
    code, _, err = run("assess", str(path))
    assert code == 2 and "not valid YAML" in err
    code, _, err = run("assess", str(tmp_path / "none.yaml"))
    assert code == 2 and "no such file" in err


def test_bad_options() -> None:
    assert run("assess", str(EXAMPLES[0]), "--regime", "att,xx")[0] == 2
    assert run("assess", str(EXAMPLES[0]), "--as-of", "yesterday")[0] == 2
    assert run("embargoes", "--state", "Atlantis")[0] == 2


def test_law_show_versions() -> None:
    code, out, _ = run("law", "show", "us.cat", "--as-of", "2024-01-01")
    assert code == 0 and "more likely than not" in out and "NSM-18" in out
    code, out, _ = run("law", "show", "us.cat", "--as-of", "2019-01-01")
    assert code == 0 and "actual knowledge" in out
    assert run("law", "show", "att.99")[0] == 2
    code, out, _ = run("law", "list", "--regime", "att")
    assert code == 0 and "att.6.1" in out


def test_overlay_adds_a_stricter_regime() -> None:
    overlay = ROOT / "examples" / "overlays" / "national-control-list.yaml"
    code, out, _ = run(
        "assess",
        str(ROOT / "examples" / "07-tear-gas-police.yaml"),
        "-r",
        "att",
        "--overlay",
        str(overlay),
        "-f",
        "json",
    )
    assert code == 0
    by_regime = {a["regime"]: a for a in json.loads(out)["assessments"]}
    assert by_regime["att"]["recommendation"] == "approve"  # tear gas is outside ATT Art. 2(1)
    assert by_regime["national.example"]["recommendation"] == "deny"
    assert by_regime["national.example"]["binding"] is True


def test_overlay_may_not_remove_a_prohibition(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "overlays" / "national-control-list.yaml").read_text("utf-8")
    path = tmp_path / "loose.yaml"
    path.write_text(text + "remove_rules: [att.6.1]\n", "utf-8")
    code, _, err = run("assess", str(EXAMPLES[0]), "--overlay", str(path))
    assert code == 2 and "stricter, not looser" in err


def test_published_schema_is_current() -> None:
    published = (ROOT / "schema" / "application.schema.json").read_text("utf-8")
    assert published == application_schema_json(), (
        "run: openatt schema > schema/application.schema.json"
    )


def test_reference_and_embargoes_commands() -> None:
    code, out, _ = run("reference", "--state", "CHN", "--as-of", "2021-01-01", "-f", "json")
    assert code == 0 and json.loads(out)["att"]["party_on_date"] is True
    code, out, _ = run("reference", "--state", "CHN", "--as-of", "2020-01-01", "-f", "json")
    assert json.loads(out)["att"]["party_on_date"] is False
    code, out, _ = run("embargoes", "--as-of", "2000-01-01", "--state", "SOM", "-f", "json")
    assert code == 0 and [m["measure"] for m in json.loads(out)["measures"]]


def test_data_prints_as_written_not_as_rich_markup(tmp_path: Path) -> None:
    """An id, a file name or an overlay's title is text, not rich markup: ``[/]`` raised a
    MarkupError (a traceback, exit 1) and ``[holdings]`` vanished from the panel's title."""
    text = (ROOT / "examples" / "05-lebanon-armed-group.yaml").read_text("utf-8")
    named = tmp_path / "named.yaml"
    named.write_text(text.replace("id: EX-05", 'id: "ACME [holdings] Ltd"'), "utf-8")
    folder = tmp_path / "Ali ["  # the file ``Ali [/].yaml``: no id, titled by its path
    folder.mkdir()
    (folder / "].yaml").write_text(text.replace("id: EX-05\n", ""), "utf-8")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        (ROOT / "examples" / "overlays" / "national-control-list.yaml")
        .read_text("utf-8")
        .replace("(stricter measures)", "[draft] [/]"),
        "utf-8",
    )
    files = [str(named), str(folder / "].yaml")]
    found = RUNNER.invoke(
        APP,
        ["assess", *files, "-r", "att", "-v", "--overlay", str(overlay)],
        env={"COLUMNS": "300"},
    )
    assert found.exit_code == 0, found.output
    assert "ACME [holdings] Ltd: export" in found.stdout
    assert f"{folder}/].yaml: export" in found.stdout
    assert "Example national overlay on the ATT [draft] [/]:" in found.stdout
    code, _, err = run("assess", str(tmp_path / "Ali [/] [holdings].yaml"))
    assert code == 2 and "Ali [/] [holdings].yaml: no such file" in err, err

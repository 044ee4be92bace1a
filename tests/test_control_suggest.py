"""The suggestion helper ranks the right entry and kind for real descriptions, and
``openatt law classify`` prints them with their wording, placement and citation.

The hit rate is measured on SIPRI weapon descriptions labelled by hand in
``tests/data/classification_labels.yaml``: one set was used to add search words to the
lists, the other (held-out) was labelled before the helper ever ran on it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from conftest import TESTS
from openatt.cli.main import build_app
from openatt.reference.control_suggest import description_features, suggest

LABELS: list[dict[str, Any]] = yaml.safe_load(
    (TESTS / "data" / "classification_labels.yaml").read_text("utf-8")
)
RUNNER = CliRunner()


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("anti-tank guided missile launchers", "ML4.b:atgm-launcher"),
        ("MQ-9B remotely-piloted aircraft", "ML10.c:uav-combat"),
        ("RBS 70 man portable air defence systems", "ML4.b:manpads-launcher"),
        ("81 mm mortars", "ML2.a:mortar-75mm-plus"),
        ("60 mm commando mortars", "ML2.a:mortar-under-75mm"),
        ("assault rifles", "ML1.a:assault-rifle"),
    ],
)
def test_the_issue_examples_rank_first(description: str, expected: str) -> None:
    assert suggest(description, limit=3)[0].reference == expected


def test_the_calibre_decides_between_mortar_kinds() -> None:
    assert description_features("81 mm mortar") == ("featcalibrelarge",)
    assert description_features("60mm mortar") == ("featcalibremedium",)
    assert description_features("7.62 mm rifle") == ()
    assert description_features("unarmed UAV") == ("featunarmed",)


def test_other_lists_place_the_same_item_alike() -> None:
    usml = suggest("MQ-9B remotely-piloted aircraft", "usml", 1)[0]
    uk = suggest("MQ-9B remotely-piloted aircraft", "uk-ml", 1)[0]
    assert (usml.reference, uk.reference) == ("VIII(a):uav-combat", "ML10:uav-combat")
    assert usml.placement.att_subcategory == uk.placement.att_subcategory == "IV.b"


def test_nothing_to_search_gives_no_suggestion() -> None:
    assert suggest("   ") == []
    assert suggest("zzzz qqqq") == []


def _hit_rates(selection: str) -> tuple[int, int, int]:
    first = top3 = total = 0
    for label in LABELS:
        if label["set"] != selection:
            continue
        total += 1
        refs = [
            s.reference for s in suggest(f"{label['designation']} {label['description']}", limit=3)
        ]
        first += bool(refs) and refs[0] in label["accept"]
        top3 += any(ref in label["accept"] for ref in refs)
    return first, top3, total


def test_labels_are_real_sipri_descriptions(shared_data: Path) -> None:
    path = (
        shared_data
        / "transfers"
        / "sipri_trade_register_1950_2024"
        / "trade_register_1950_2024.csv"
    )
    with path.open(encoding="utf-8") as handle:
        pairs = {(row["designation"], row["description"]) for row in csv.DictReader(handle)}
    missing = [
        (x["designation"], x["description"])
        for x in LABELS
        if (x["designation"], x["description"]) not in pairs
    ]
    assert missing == []
    assert len(LABELS) >= 30


def test_hit_rate_on_hand_labelled_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    tuned = _hit_rates("tuning")
    held = _hit_rates("held-out")
    with capsys.disabled():
        print(f"\nclassification hit rate (first / top 3 / n): tuning {tuned}, held-out {held}")
    # floors a little under the measured figures (docs/control-lists.md), to catch regressions
    assert tuned[1] >= 0.9 * tuned[2]
    assert held[0] >= 0.55 * held[2] and held[1] >= 0.65 * held[2]


def test_cli_classify_prints_ranked_entries_with_wording_and_citation() -> None:
    result = RUNNER.invoke(build_app(), ["law", "classify", "81 mm mortar", "--limit", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2].startswith("1. ML2.a:mortar-75mm-plus")
    assert "wording: Guns, howitzers, cannon, mortars" in result.output
    assert "placement: ATT III, Art. 2(1)(c), UNROCA III" in result.output
    assert "citation: Common Military List of the European Union, entry ML2.a" in result.output
    assert result.output.count("citation:") == 3


def test_cli_classify_json_and_other_lists() -> None:
    result = RUNNER.invoke(
        build_app(),
        ["law", "classify", "RBS 70 MANPADS", "--list", "usml", "-f", "json", "-n", "2"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["algorithm"] == "fts5-bm25-v1" and len(data["suggestions"]) == 2
    first = data["suggestions"][0]
    assert first["reference"] in {"IV(b):manpads-launcher", "IV(a):manpads-missile"}
    assert first["placement"]["unroca_subcategory"] == "VII.b"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["law", "classify", "  "], "description: give the goods in words"),
        (["law", "classify", "rifle", "--on", "2026-13-01"], "--on: '2026-13-01' is not a date"),
        (["law", "classify", "rifle", "--on", "2019-01-01"], "not in force on 2019-01-01"),
        (["law", "entry", "ML99"], "entry: 'ML99' is not an entry of eu-cml"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_field(args: list[str], message: str) -> None:
    result = RUNNER.invoke(build_app(), args)
    assert result.exit_code == 2
    assert message in result.output.replace("\n", " ") or message in (result.stderr or "")


def test_cli_entry_shows_kinds_and_placements() -> None:
    result = RUNNER.invoke(build_app(), ["law", "entry", "ML4.b"])
    assert result.exit_code == 0, result.output
    assert "kind manpads-launcher: " in result.output and "UNROCA VII.b" in result.output
    assert "kind atgm-launcher: " in result.output and "ATT VIII.LW.5" in result.output

"""The monitoring commands end to end, on the real files, into a temporary OPENATT_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import threads_at_forks
from openatt.cli.main import build_app

RAW_REGISTER = "sipri_trade_register_1950_2024/trade-register_generated-2025-03-13.csv"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENATT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_import_assess_audit(
    home: Path, transfers_dir: Path, indicators_dir: Path, tmp_path: Path
) -> None:
    code, out = _run("monitor", "import", str(transfers_dir / RAW_REGISTER))
    assert code == 0, out
    assert "29515" in out and "Every supplier, recipient and weapon description was mapped" in out
    assert (home / "monitoring" / "monitoring.duckdb").is_file()
    code, out = _run("indicators", "import", str(indicators_dir))
    assert code == 0, out
    for provider in ("pts", "ucdp_ov", "ucdp_acd", "vdem", "cpi", "gpi", "fsi"):
        assert provider in out
    code, out = _run("indicators", "show", "SYR", "--date", "2016-07-01")
    assert code == 0, out
    assert "human_rights" in out and "very_likely" in out and "2015" in out
    with threads_at_forks() as forks:  # the progress bar's thread would be copied locks
        code, out = _run(
            "monitor", "assess", "--regime", "att,eu", "--from", "2020", "--to", "2024"
        )
    assert code == 0, out
    assert "Recommendations" in out and "att" in out and "eu" in out
    assert forks and all(names == [] for names in forks), forks
    report = tmp_path / "audit" / "report.html"
    code, out = _run(
        "monitor",
        "audit",
        "--by",
        "supplier",
        "--criterion",
        "att.7.3",
        "--regime",
        "att",
        "--out",
        str(report),
        "--counterfactual-sample",
        "60",
        "--alternatives",
        "5",
    )
    assert code == 0, out
    text = report.read_text("utf-8")
    for needed in ("Method", "Sources", "Caveats", "Political Terror Scale", "TIV", "att.7.3"):
        assert needed in text
    folder = report.parent
    expected = (
        "outcomes_by_supplier.csv",
        "outcomes_by_supplier.json",
        "audit.xlsx",
        "side_by_side_att.7.3.csv",
        "supplier_recipient_heatmap.png",
        "supplier_recipient_heatmap.svg",
        "outcomes_by_supplier_over_time.png",
    )
    for name in expected:
        assert (folder / name).stat().st_size > 0, name
    for chart in ("outcomes_by_supplier_over_time.svg", "supplier_recipient_heatmap.svg"):
        assert "att.7.3" in (folder / chart).read_text("utf-8"), chart  # drawn for the criterion
    rows = json.loads((folder / "outcomes_by_supplier.json").read_text("utf-8"))
    assert rows
    for r in rows:
        assert 0 <= r["share_ci_low"] <= r["share_prohibited_or_risk"] <= r["share_ci_high"] <= 1
    summary = json.loads((folder / "counterfactual_summary.json").read_text("utf-8"))[0]
    assert summary["same_obligation_reassessments"] > 0
    assert summary["identical"] == summary["same_obligation_reassessments"]


@pytest.mark.parametrize(
    "args,field",
    [
        (("monitor", "import", "/nonexistent.csv"), "FILE"),
        (("monitor", "assess"), "no transfers imported"),
        (("monitor", "audit", "--out", "x.pdf"), "--out"),
        (("monitor", "assess", "--regime", "att,xx"), "--regime"),
        (("indicators", "import", "/nonexistent"), "DIR"),
        (("indicators", "show", "Narnia"), "STATE"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(home: Path, args: tuple[str, ...], field: str) -> None:
    code, out = _run(*args)
    assert code == 2
    assert field in out and "Traceback" not in out


def test_a_file_that_is_not_sipri(home: Path, indicators_dir: Path) -> None:
    code, out = _run("monitor", "import", str(next(indicators_dir.rglob("fsi_2023.csv"))))
    assert code == 2 and "not a SIPRI" in out


def test_names_print_as_written_not_as_rich_markup(
    home: Path, transfers_dir: Path, tmp_path: Path
) -> None:
    """A name from the SIPRI file or the command line is text, not rich markup: ``[/]``
    raised a MarkupError (a traceback, exit 1) and ``[holdings]`` vanished."""
    with (transfers_dir / RAW_REGISTER).open(encoding="latin-1") as raw:  # as SIPRI writes it
        lines = [next(raw).rstrip("\r\n") for _ in range(15)]
    lines[-1] = '"ACME [holdings] Ltd","Ali [/]",' + lines[-1].split(",", 2)[2]  # its parties
    sipri = tmp_path / "small.csv"
    sipri.write_text("\n".join(lines) + "\n", "latin-1")
    code, out = _run("monitor", "import", str(sipri))
    assert code == 0, out
    assert "Unmapped (add them to the mapping files):" in out
    assert "  ACME [holdings] Ltd: 1" in out and "  Ali [/]: 1" in out, out
    code, out = _run("indicators", "show", "Ali [/]")
    assert code == 2 and "STATE: unknown state 'Ali [/]'" in out, out

"""``openatt law test``: an authority runs its own cases against its overlay."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from openatt.cli.main import build_app

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "examples" / "overlays" / "national-control-list.yaml"
CASES = ROOT / "examples" / "overlays" / "national-control-list.cases.yaml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_the_example_overlay_passes_its_cases() -> None:
    code, out = run("law", "test", str(CASES), "--overlay", str(OVERLAY))
    assert code == 0, out
    assert "3 passed, 0 failed" in out


def test_a_case_that_does_not_hold_fails_with_what_was_found(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "regime: att\n"
        "cases:\n"
        "  - name: A UN embargo does not prohibit (wrongly expected)\n"
        "    application: {date: 2005-01-10, importing_state: SOM,\n"
        "                  consignee: {name: Ministry, country: SOM},\n"
        "                  end_user: {name: Army, country: SOM, kind: armed_forces}}\n"
        "    expect: {att.6.1: clear, recommendation: approve}\n",
        "utf-8",
    )
    code, out = run("law", "test", str(wrong))
    assert code == 1
    assert "att.6.1: expected clear, found prohibited" in out
    assert "recommendation: expected approve, found deny" in out
    assert "0 passed, 1 failed" in out


def test_the_overlays_regime_needs_the_overlay() -> None:
    code, out = run("law", "test", str(CASES))
    assert code == 2
    assert "national.example" in out and "--overlay" in out


def test_a_malformed_case_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("regime: att\ncases:\n  - name: no expectations\n", "utf-8")
    code, out = run("law", "test", str(bad))
    assert code == 2
    assert "cases.0.expect" in out


def test_an_unknown_base_is_reported_on_the_case(tmp_path: Path) -> None:
    bad = tmp_path / "base.yaml"
    bad.write_text(
        "regime: att\ncases:\n  - name: x\n    application: {base: nowhere}\n"
        "    expect: {att.6.1: clear}\n",
        "utf-8",
    )
    code, out = run("law", "test", str(bad))
    assert code == 1
    assert "unknown base 'nowhere'" in out


def test_case_names_print_as_written_not_as_rich_markup(tmp_path: Path) -> None:
    """A case's name is text, not rich markup: ``[/]`` raised a MarkupError (exit 1) and
    ``[holdings]`` vanished."""
    cases = tmp_path / "named.yaml"
    application = (
        "    application: {date: 2005-01-10, importing_state: SOM,\n"
        "                  consignee: {name: Ministry, country: SOM},\n"
        "                  end_user: {name: Army, country: SOM, kind: armed_forces}}\n"
    )
    cases.write_text(
        "regime: att\n"
        "cases:\n"
        "  - name: ACME [holdings] Ltd\n"
        f"{application}"
        "    expect: {att.6.1: prohibited}\n"
        '  - name: "Ali [/]"\n'
        f"{application}"
        "    expect: {att.6.1: clear}\n",
        "utf-8",
    )
    code, out = run("law", "test", str(cases), "-v")
    assert code == 1, out
    assert "pass att: ACME [holdings] Ltd" in out and "FAIL att: Ali [/]" in out
    code, out = run("law", "test", str(tmp_path / "Ali [/].yaml"))
    assert code == 2 and "Ali [/].yaml: cannot read" in out, out

"""One error model: every error openatt raises on purpose is an OpenattError whose kind each
adapter maps exactly once (an exit code, an HTTP status, a web page's heading)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import openatt
import openatt.errors
from openatt.api.errors import STATUS
from openatt.cli.errors import EXIT_CODES, describe, refuse
from openatt.errors import ErrorKind, OpenattError, subclasses
from openatt.web.app import ERROR_TITLES


def _import_everything() -> None:
    """Import every module of the package (the migrations aside: Alembic runs those), so
    that every subclass is defined before the walk."""
    for module in pkgutil.walk_packages(openatt.__path__, "openatt."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)


_import_everything()
ALL = subclasses()


def test_the_walk_finds_the_errors_of_every_package() -> None:
    packages = {cls.__module__.split(".")[1] for cls in ALL}
    assert {
        "law",
        "reference",
        "core",
        "register",
        "screening",
        "monitoring",
        "reports",
        "evidence",
    } <= packages


@pytest.mark.parametrize("cls", ALL, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_error_maps_to_a_status_an_exit_code_and_a_page(cls: type[OpenattError]) -> None:
    for kind in (cls.kind, *cls.kinds):
        assert isinstance(kind, ErrorKind)
        assert 400 <= STATUS[kind] < 600
        assert EXIT_CODES[kind] >= 2
        assert ERROR_TITLES[kind]


def test_every_kind_is_mapped_once_by_each_adapter() -> None:
    assert set(STATUS) == set(EXIT_CODES) == set(ERROR_TITLES) == set(ErrorKind)


def test_errors_that_were_value_errors_still_are() -> None:
    from openatt.core.loading import InputError
    from openatt.law.loader import LawError
    from openatt.monitoring.service import BadOption
    from openatt.screening.store import ListNotLoaded

    assert issubclass(LawError, ValueError) and issubclass(InputError, ValueError)
    assert issubclass(BadOption, ValueError) and issubclass(ListNotLoaded, LookupError)


def test_a_field_is_named_as_the_command_spells_it_and_exits_2() -> None:
    from openatt.monitoring.service import BadOption

    error = BadOption("'xx' was not assessed", field="regime")
    assert error.field == ("regime",) and error.kind is ErrorKind.invalid
    assert describe(error) == "regime: 'xx' was not assessed"
    assert describe(error, {"regime": "--regime"}) == "--regime: 'xx' was not assessed"
    assert refuse(error).exit_code == 2


def test_a_missing_component_exits_3_and_answers_503() -> None:
    from openatt.reports.writers.national import PdfUnavailable

    error = PdfUnavailable("WeasyPrint is not installed")
    assert EXIT_CODES[error.kind] == 3 and STATUS[error.kind] == 503


def test_the_cli_shows_the_option_not_the_service_field(tmp_path: Path) -> None:
    """A bad dimension for the audit: the service names the field, the CLI its option."""
    from openatt.cli.main import build_app

    result = CliRunner().invoke(
        build_app(),
        [
            "monitor",
            "audit",
            "--by",
            "nonsense",
            "--db",
            str(tmp_path / "m.duckdb"),
            "--out",
            str(tmp_path / "a.html"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--by: 'nonsense'" in result.output


def errors_table() -> str:
    """The mapping as docs/register.md shows it."""
    lines = ["| kind | HTTP | exit | page heading | meaning |", "| --- | --- | --- | --- | --- |"]
    for kind in ErrorKind:
        meaning = _meaning(kind)
        lines.append(
            f"| `{kind.value}` | {STATUS[kind]} | {EXIT_CODES[kind]} | {ERROR_TITLES[kind]} | {meaning} |"
        )
    return "\n".join(lines) + "\n"


def _meaning(kind: ErrorKind) -> str:
    source = Path(openatt.errors.__file__).read_text("utf-8")
    found = re.search(rf'    {kind.name} = "{kind.value}"\n    """(.*?)"""', source, re.DOTALL)
    assert found, kind
    return " ".join(found.group(1).split()).replace("``", "`")


def test_the_docs_show_the_mapping() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "register.md").read_text("utf-8")
    found = re.search(r"<!-- errors:start -->\n(.*?)<!-- errors:end -->", text, re.DOTALL)
    assert found, "docs/register.md has no errors markers"
    assert found.group(1) == errors_table()


def test_a_message_quoting_the_input_prints_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """``refuse`` and ``fail`` print the message as text, not rich markup: ``[/]`` raised a
    MarkupError and ``[holdings]`` vanished; ``error:`` is still styled."""
    import typer

    from openatt.cli import errors
    from openatt.monitoring.service import BadOption

    assert refuse(BadOption("'Ali [/]' and 'ACME [holdings] Ltd'", field="by"), {"by": "--by"})
    with pytest.raises(typer.Exit):
        errors.fail("Ali [/].yaml: ACME [holdings] Ltd")
    said = capsys.readouterr().err
    assert "error: --by: 'Ali [/]' and 'ACME [holdings] Ltd'\n" in said, said
    assert "error: Ali [/].yaml: ACME [holdings] Ltd\n" in said, said

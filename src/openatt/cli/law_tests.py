"""``openatt law test``: run law cases, the project's or an authority's, against the engine.

An authority that writes a national overlay states, in cases a lawyer can read, what the
overlay must decide; this command runs them (with ``--overlay``) and prints each case that
fails with what was expected and what the engine found. Exit 0 when all pass, 1 when a case
fails, 2 when a file does not parse.
"""

from __future__ import annotations

from pathlib import Path

import typer

from openatt.cli.errors import fail


def law_test(
    files: list[Path] = typer.Argument(..., help="Case files (YAML).", show_default=False),
    overlay: list[Path] = typer.Option(
        [], "--overlay", help="A national overlay file to load first (repeatable)."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing cases too."),
) -> None:
    """Run law cases: each states an application and what each rule must find."""
    from openatt.cli.output import console, styled
    from openatt.core.case_check import CaseResult, check_file
    from openatt.core.engine import Engine, engine_with_overlays
    from openatt.law.cases import CaseError, parse_case_file
    from openatt.law.loader import LawError

    try:
        engine = engine_with_overlays(overlay) if overlay else Engine.default()
    except LawError as exc:
        fail(str(exc))
    results: list[CaseResult] = []
    for path in files:
        try:
            document = parse_case_file(path.read_text("utf-8"), str(path))
        except OSError as exc:
            fail(f"{path}: cannot read: {exc.strerror}")
        except CaseError as exc:
            fail(str(exc))
        if document.regime not in engine.regimes():
            known = ", ".join(engine.regimes())
            fail(
                f"{path}: regime: {document.regime!r} is not loaded (known: {known}; an overlay needs --overlay)"
            )
        results.extend(check_file(engine, document))
    out = console(highlight=False)  # the cases' names and findings come from the case files
    for result in results:
        if result.passed:
            if verbose:
                out.print(styled("pass", "green", f" {result.regime}: {result.name}"))
            continue
        out.print(styled("FAIL", "bold red", f" {result.regime}: {result.name}"))
        for failure in result.failures:
            out.print(f"     {failure}")
    failed = sum(not r.passed for r in results)
    out.print(f"{len(results) - failed} passed, {failed} failed ({len(results)} cases)")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach ``test`` to the ``law`` command group."""
    from openatt.cli.core_commands import law_app

    if "test" not in {command.name for command in law_app.registered_commands}:
        law_app.command("test")(law_test)  # build_app may run more than once in a process

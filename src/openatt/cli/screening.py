"""``openatt lists import|status|diff`` and ``openatt screen``: thin commands over screening."""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from openatt.screening import ListStore, Query
    from openatt.screening.diff import ListDiff
    from openatt.screening.matcher import Hit
    from openatt.screening.store import LoadedList

# Everything else is imported where it is used: `openatt screen NAME` answers from a cold
# start, and must not pay for the list importers, the register or rich's progress bars.
# The packages of the screening extra are looked for (not imported) here, so that on an
# install without them loading these commands fails at once, as it did when they were
# imported at the top, and the `openatt` command can say which extra to install.
for _package in ("numpy", "rapidfuzz", "anyascii", "iuliia"):
    if importlib.util.find_spec(_package) is None:
        raise ModuleNotFoundError(f"No module named {_package!r}", name=_package)


# The importers' format names, written out so that defining the commands imports no importer
# (a test checks they are the importers' own).
FORMATS = (
    "un-xml",
    "ofac-xml",
    "ofac-csv",
    "bis-dpl",
    "csl-csv",
    "canada-xml",
    "dfat-xlsx",
    "ftm-json",
)


@functools.cache
def _out() -> Console:
    """Standard output, printing names as written (``openatt.cli.output``)."""
    from openatt.cli.output import console

    return console()


@functools.cache
def _err() -> Console:
    from openatt.cli.output import console

    return console(stderr=True)


def _bold(heading: str, rest: str) -> Text:
    from openatt.cli.output import styled

    return styled(heading, "bold", rest)


def _table(*headers: str, **options: Any) -> Table:
    """A table whose cells wrap instead of being cut: ids and versions must stay readable."""
    from rich.table import Table

    table = Table(**options)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _fail(message: str) -> typer.Exit:
    from openatt.cli.output import styled

    # a message naming `.[dev]` or a list's `[id]` is printed as it is written
    _err().print(styled("error:", "red", f" {message}"), highlight=False)
    return typer.Exit(code=2)


lists_app = typer.Typer(
    help="Import sanctions and denied-party lists, see what is loaded, compare versions."
)


@lists_app.command("import")
def import_list(
    file: Annotated[
        Path, typer.Argument(help="The list file (for OFAC CSV: sdn.csv or cons_prim.csv).")
    ],
    format: Annotated[
        str | None,
        typer.Option("--format", help=f"One of: {', '.join(FORMATS)} (detected if omitted)."),
    ] = None,
    list_id: Annotated[
        str | None, typer.Option("--list-id", help="Store under this list id.")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Register to re-screen (default: the settings' one)."),
    ] = None,
    rescreen: Annotated[
        bool,
        typer.Option(
            "--rescreen/--no-rescreen",
            help="Re-screen the register's open cases when a register exists (default: yes).",
        ),
    ] = True,
    compile_modules: Annotated[
        bool,
        typer.Option(
            "--compile/--no-compile",
            help="Compile the screening modules once for this version of openatt, as `openatt "
            "lists compile` does, when the compile extra is installed and no build of these "
            "sources exists (default: yes).",
        ),
    ] = True,
) -> None:
    """Import a list file as a new version; a malformed file leaves the previous one in force.
    When a register exists, its open applications and licences are screened again. Where mypyc
    is installed (the compile extra, part of `all`), the first import after an install or an
    upgrade also compiles the screening modules (about half a minute, once)."""
    from openatt.cli.errors import describe
    from openatt.screening import ListStore, MalformedList
    from openatt.screening.importers import UnknownFormat

    if not file.is_file():
        raise _fail(f"file: {file} does not exist")
    store = ListStore()
    try:
        report = store.import_file(file, format, list_id)
    except (MalformedList, UnknownFormat) as error:
        said = describe(error, {"format": "--format"})
        raise _fail(f"{file.name}: {said}; the list previously loaded is unchanged") from None
    meta = report.metadata
    _out().print(_bold(meta.title, f" ({meta.list_id}, {meta.authority})"))
    for label, value in (
        ("version", meta.version),
        ("date in file", str(meta.version_date or "none")),
        ("format", meta.format),
        ("files", ", ".join(meta.source_files)),
        ("sha256", meta.sha256),
        ("entities", str(meta.entity_count)),
        ("names", str(meta.name_count)),
        ("aliases", str(meta.alias_count)),
        ("skipped", str(meta.skipped_count)),
        ("replaces", report.previous_version or "-"),
    ):
        _out().print(f"  {label:13} {value}", highlight=False, soft_wrap=True)
    if report.already_loaded:
        _out().print("this version was already loaded; it is now the current one")
    reasons: dict[str, list[str]] = {}
    for skipped in report.skipped:
        reasons.setdefault(skipped.reason, []).append(skipped.record)
    for reason, records in sorted(reasons.items()):
        shown = ", ".join(records[:3]) + (" ..." if len(records) > 3 else "")
        _out().print(f"skipped {len(records)}: {reason} ({shown})", highlight=False, soft_wrap=True)
    if rescreen and report.previous_version != meta.version and _register_exists(database):
        _rescreen_register(store, database)
    if compile_modules:
        _compile_once()


def _compile_once() -> None:
    """Compile the screening modules if they can be and are not yet, for this version of the
    sources: what makes a batch reach 5,000 names a second on two cores (issue 16) without a
    step to remember. It never fails the import: no mypyc, OPENATT_COMPILED=off or a build
    that cannot be made leaves screening as plain Python, and says so where it was tried."""
    from openatt.screening import compiled

    found = compiled.state()
    if found.why == "failed":
        _err().print(
            "screening runs as plain Python: compiling these sources failed before "
            "(`openatt lists compile` tries again and says why)",
            highlight=False,
            soft_wrap=True,
        )
    if found.why != "not-compiled" or found.root is None:
        return  # compiled, turned off (activation ignores a bad value too), or no mypyc
    root = found.root
    _err().print(
        "compiling the screening modules with mypyc, once for this version of openatt "
        "(about half a minute; --no-compile skips it)",
        highlight=False,
        soft_wrap=True,
    )
    try:
        build = compiled.compile_into(root)
    except compiled.CompileError as error:
        compiled.note_failure(root, error)
        said = [line.strip() for line in str(error).splitlines() if line.strip()]
        first = " ".join(said[:2])  # what failed, and mypyc's or the compiler's first word on it
        _err().print(
            f"not compiled, screening stays plain Python: {first} (`openatt lists compile` "
            "tries again and shows the compiler's output)",
            highlight=False,
            soft_wrap=True,
        )
        return
    _out().print(
        f"compiled the screening modules into {build.folder}", highlight=False, soft_wrap=True
    )


def _register_exists(database: str | None) -> bool:
    """An explicit or configured database URL, or the default SQLite file already there."""
    from openatt import settings
    from openatt.settings import get_settings

    if database or get_settings().database_url:
        return True
    return (settings.home() / "openatt.sqlite").exists()


def _rescreen_register(store: ListStore, database: str | None) -> None:
    """Screen every open application and licence against the lists now in force."""
    from openatt.register.db import Database
    from openatt.register.models import ApplicationRow
    from openatt.register.screening import rescreen_register
    from openatt.register.users import SYSTEM

    try:
        db = Database(database)
    except Exception as error:  # a bad URL or an unreachable server: one line
        raise _fail(f"database: {type(error).__name__}: {error}".splitlines()[0]) from error
    try:
        with db.write() as session:
            runs = rescreen_register(session, SYSTEM, store)
            flagged = [
                row.reference
                for run in runs
                if run.flagged and (row := session.get(ApplicationRow, run.application_id))
            ]
    finally:
        db.dispose()
    _out().print(f"re-screened {len(runs)} open cases in the register; flagged: {len(flagged)}")
    for reference in flagged:
        _out().print(f"  flagged: {reference} (a party now hits a list)", highlight=False)


@lists_app.command("status")
def status() -> None:
    """The version in force of every loaded list, and whether screening runs compiled."""
    from openatt.screening import ListStore

    loaded = ListStore().status()
    if not loaded:
        _out().print("no list loaded: run `openatt lists import FILE`")
    for meta in loaded:
        _out().print(
            f"{meta.list_id} ({meta.authority}): version {meta.version}, date in file "
            f"{meta.version_date or '-'}, imported {meta.imported_at.isoformat()}, "
            f"{meta.entity_count} entities, {meta.name_count} names",
            highlight=False,
            soft_wrap=True,
        )
    _out().print(f"screening modules: {_modules_state()}", highlight=False, soft_wrap=True)


# Why screening runs as plain Python, by ``compiled.State.why`` ("off" says it in ``detail``).
_PLAIN_BECAUSE = {
    "no-mypyc": "mypyc is not installed: the compile extra",
    "failed": "compiling these sources failed: `openatt lists compile` says why",
    "not-compiled": "not compiled yet: `openatt lists compile`, or the next list import",
}


def _modules_state() -> str:
    """Whether the next process screens with the compiled build, and if not, why not."""
    from openatt.screening import compiled

    found = compiled.state()
    if found.build is not None:
        return f"compiled by mypyc, build {found.build.digest} in {found.root}"
    return f"plain Python ({found.detail or _PLAIN_BECAUSE[found.why or 'not-compiled']})"


@lists_app.command("compile")
def compile_screening(
    remove: Annotated[
        bool, typer.Option("--remove", help="delete the compiled builds (and nothing else there)")
    ] = False,
) -> None:
    """Compile the screening modules with mypyc (about 1.16 times less CPU a name, the same
    hits byte for byte): needs the compile extra (pip install 'openatt[compile]') and a C
    compiler with Python's headers.
    The build is used only while the installed sources are the ones it was made from;
    OPENATT_COMPILED=off turns it off, OPENATT_COMPILED=FOLDER keeps builds elsewhere."""
    from openatt.screening import compiled

    try:
        root = compiled.builds_root()
    except ValueError as error:
        raise _fail(str(error)) from error
    if root is None:
        raise _fail("OPENATT_COMPILED is off: unset it, or set it to a folder")
    if remove:
        removed = compiled.remove_builds(root)
        for folder in removed:
            _out().print(f"removed {folder}", highlight=False)
        if not removed:
            _out().print(f"no build in {root}", highlight=False)
        return
    found = compiled.current_build(root)
    if found is not None:
        _out().print(f"already compiled for these sources: {found.folder}", highlight=False)
        return
    if not compiled.mypyc_installed():
        raise _fail(compiled.NO_MYPYC)
    _err().print(f"compiling {len(compiled.MODULES)} modules with mypyc (about half a minute)")
    try:
        build = compiled.compile_into(root)
    except compiled.CompileError as error:
        compiled.note_failure(root, error)
        raise _fail(str(error)) from error
    compiled.forget_failure(root)
    _out().print(
        f"compiled {', '.join(compiled.MODULES)} into {build.folder}; the next `openatt` "
        "process screens with them",
        highlight=False,
        soft_wrap=True,
    )


def _resolve(store: ListStore, ref: str, list_id: str | None) -> LoadedList:
    from openatt.screening.importers import read_list
    from openatt.screening.store import ListMetadata, ListNotLoaded, LoadedList

    path = Path(ref)
    if path.is_file():
        result = read_list(path)
        meta = ListMetadata(
            list_id=result.list_id,
            title=result.title,
            authority=result.authority,
            format=result.format,
            version=f"{result.version_date or 'undated'} ({path.name})",
            version_date=result.version_date,
            imported_at=__import__("datetime").datetime.now(__import__("datetime").UTC),
            sha256="",
            source_files=result.source_files,
            entity_count=len(result.entities),
            name_count=result.name_count,
            alias_count=result.alias_count,
            skipped_count=len(result.skipped),
        )
        return LoadedList(meta, result.entities)
    candidates = [list_id] if list_id else store.list_ids()
    for candidate in candidates:
        for meta in store.versions(candidate):
            if meta.version == ref or meta.version.startswith(ref):
                return store.load(candidate, meta.version)
    raise ListNotLoaded(f"{ref!r} is neither a file nor a stored list version")


def _print_diff(result: ListDiff, limit: int) -> None:
    _out().print(
        _bold(
            result.list_id,
            f" {result.old_version} -> {result.new_version}: {len(result.added)} added, "
            f"{len(result.removed)} removed, {len(result.changed)} changed",
        ),
        soft_wrap=True,
    )
    for label, entities in (("added", result.added), ("removed", result.removed)):
        for entity in entities[:limit]:
            _out().print(f"  {label:8} {entity.entity_id:24} {entity.caption}", highlight=False)
        if len(entities) > limit:
            _out().print(f"  ... and {len(entities) - limit} more {label}")
    for change in result.changed[:limit]:
        _out().print(
            f"  changed  {change.entity_id:24} {change.caption} ({', '.join(change.fields)})",
            highlight=False,
        )
    if len(result.changed) > limit:
        _out().print(f"  ... and {len(result.changed) - limit} more changed")


@lists_app.command("diff")
def diff(
    old: Annotated[str | None, typer.Argument(help="Older version id (or a list file).")] = None,
    new: Annotated[str | None, typer.Argument(help="Newer version id (or a list file).")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="Limit to this list.")] = None,
    limit: Annotated[int, typer.Option(help="Entries shown per section.")] = 50,
) -> None:
    """What a newer version added, removed and changed (default: the two newest versions)."""
    from openatt.screening import ListNotLoaded, ListStore, MalformedList
    from openatt.screening.diff import diff_lists
    from openatt.screening.importers import UnknownFormat

    store = ListStore()
    try:
        if old and new:
            _print_diff(
                diff_lists(_resolve(store, old, list_id), _resolve(store, new, list_id)), limit
            )
            return
        if old or new:
            raise _fail("give both OLD and NEW, or neither")
        shown = 0
        for candidate in [list_id] if list_id else store.list_ids():
            versions = store.versions(candidate)
            if len(versions) >= 2:
                older, newer = (
                    store.load(candidate, versions[-2].version),
                    store.load(candidate, versions[-1].version),
                )
                _print_diff(diff_lists(older, newer), limit)
                shown += 1
        if not shown:
            _out().print("no list has two versions loaded")
    except (ListNotLoaded, MalformedList, UnknownFormat) as error:
        raise _fail(str(error)) from None


# Set by a ``--file`` batch: ``openatt``'s entry point then leaves the batch's objects to the
# end of the process (``gc.freeze``), where the interpreter's last collection walked them all,
# a twentieth of a second after the output was written. Only the entry point reads it: a
# program that runs the command in its own process goes on with its collector as it was.
freeze_at_exit = False


def _read_parties(path: Path) -> list[Query]:
    """The parties of a CSV file, checked row by row (the first bad row is named by the line
    it starts on, and nothing is screened). Read with ``csv.reader`` and each row's place in
    an error message written only for a bad row: a batch of 25,000 parties was read in a
    seventh of a second with ``DictReader``, a part of the batch no worker can share
    (docs/screening.md). Strictly: a quote left open is an error, not the rest of the file
    read as one name (found 2026-12-06: the parties after it were screened as one name that
    hit nothing, and the batch ended with exit 0)."""
    from openatt.screening import Query
    from openatt.screening.model import QUERY_NAME_MAX

    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"--file: cannot read {path} ({error})") from None
    rows = csv.reader(io.StringIO(text), strict=True)
    header = _next_row(rows, path)
    if not header or "name" not in header:
        raise _fail(
            f"--file: {path.name} has no 'name' column "
            "(columns: name, birth_date, country, kind, identifiers)"
        )
    # A column named twice is read from its last place, as csv.DictReader read it.
    at = {column: number for number, column in enumerate(header)}
    places = [at.get(column, -1) for column in _PARTY_COLUMNS]
    queries = []
    doubts = _Doubts()
    good_dates, good_countries = doubts.good_dates, doubts.good_countries
    while True:
        line = rows.line_num + 1  # where the next row starts (a quoted line break ends later)
        row = _next_row(rows, path)
        if row is None:
            break
        if not row:  # a blank line, skipped (as DictReader did)
            continue
        width = len(row)
        name, birth, country, kind, numbers = (
            row[i].strip() if 0 <= i < width else "" for i in places
        )
        if not name:
            raise _fail(f"--file: {path.name} line {line}: name is empty")
        if len(name) > QUERY_NAME_MAX:
            _check_length(name, f"--file: {path.name} line {line}")
        kind = kind.lower()
        if kind not in ("", "person", "organization"):
            raise _fail(
                f"--file: {path.name} line {line}: "
                f"kind must be person or organization, not {kind!r}"
            )
        if birth and birth not in good_dates:  # (most rows: one look in a set)
            doubts.birth_date(birth, line)
        if country and country not in good_countries:
            doubts.country(country, line)
        queries.append(
            Query(
                name=name,
                birth_date=birth or None,
                country=country or None,
                kind=kind or None,
                identifiers=(
                    _identifiers(numbers.split(";"), f"--file: {path.name} line {line}")
                    if numbers
                    else ()
                ),
            )
        )
    doubts.tell(f"--file: {path.name}")
    return queries


class _Doubts:
    """Values of a parties file that screen as less than they say: a birth date that is not
    a date of the calendar (only its year can count) and a country openatt does not know
    (left out of the score). The batch is screened, but not in silence (found in review,
    2026-12-06); each good value is checked once."""

    SHOWN = 5

    def __init__(self) -> None:
        self.found: list[str] = []
        self.good_dates: set[str] = set()  # read by the reader's loop before calling
        self.good_countries: set[str] = set()

    def birth_date(self, value: str, line: int) -> None:
        if _calendar_date(value):
            self.good_dates.add(value)
        else:
            self.found.append(
                f"line {line}: birth_date {value!r} is not a date; only its year counts"
            )

    def country(self, value: str, line: int) -> None:
        if _known_country(value):
            self.good_countries.add(value)
        else:
            self.found.append(
                f"line {line}: country {value!r} is unknown and left out of the score"
            )

    def tell(self, where: str) -> None:
        if not self.found:
            return
        shown = self.found[: self.SHOWN]
        more = len(self.found) - len(shown)
        lines = [f"warning: {where}: {len(self.found)} value(s) screened as less than they say:"]
        lines += [f"  {doubt}" for doubt in shown]
        lines += [f"  ... and {more} more"] if more else []
        _err().print("\n".join(lines), highlight=False, soft_wrap=True)


def _calendar_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a date of the calendar (checked for each distinct
    value of a file: the C parser of ISO dates, not a parse of ours)."""
    import datetime as dt

    text = value.strip()
    if len(text) == 4:
        return text.isdigit() and text != "0000"
    if len(text) == 7:
        text += "-01"
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _known_country(value: str) -> bool:
    from openatt.reference.states import UnknownState, resolve_state

    try:
        resolve_state(value)
    except UnknownState:
        return False
    return True


def _next_row(rows: Any, path: Path) -> list[str] | None:
    """The next row of a parties file, or None at its end; a row that is not CSV (a quote
    left open, a field over the csv module's limit) stops the command, naming its line."""
    line = rows.line_num + 1
    try:
        return next(rows, None)
    except csv.Error as error:
        reason = (
            "a quoted field is not closed before the end of the file"
            if "unexpected end of data" in str(error)
            else f"not valid CSV ({error})"
        )
        raise _fail(f"--file: {path.name} line {line}: {reason}") from None


_PARTY_COLUMNS = ("name", "birth_date", "country", "kind", "identifiers")


IDENTIFIER_MAX, IDENTIFIERS_MAX = 100, 20


def _check_length(name: str, where: str) -> None:
    """A name as long as a party's may be (``QUERY_NAME_MAX``, the bound of a party's name
    and of the API's too): a batch looks its queries' tokens up together, in memory that
    grows with the square of the longest, so a pasted paragraph is refused rather than
    screened."""
    from openatt.screening.model import QUERY_NAME_MAX

    if len(name) > QUERY_NAME_MAX:
        raise _fail(f"{where}: a name is at most {QUERY_NAME_MAX} characters, not {len(name)}")


def _identifiers(values: list[str], where: str) -> tuple[str, ...]:
    """A query's identifiers, blanks dropped; as bounded as the API's (a line of a file or an
    option that would fill memory is refused, not cut)."""
    kept = tuple(v.strip() for v in values if v.strip())
    if len(kept) > IDENTIFIERS_MAX:
        raise _fail(f"{where}: at most {IDENTIFIERS_MAX} identifiers, not {len(kept)}")
    for value in kept:
        if len(value) > IDENTIFIER_MAX:
            raise _fail(f"{where}: an identifier is at most {IDENTIFIER_MAX} characters")
    return kept


def _render(queries: list[Query], results: list[list[Hit]], output: str) -> None:
    """Hits as CSV or a table (JSON is written by ``screen_queries_json``)."""
    if output == "csv":
        from openatt.text_cells import csv_row

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["query", "list", "entity_id", "matched_name", "score", "programme", "listed_on"]
        )
        for query, hits in zip(queries, results, strict=True):
            for hit in hits:
                writer.writerow(
                    csv_row(
                        [
                            query.name,
                            "; ".join(lid for lid, _ in hit.listings),
                            "; ".join(eid for _, eid in hit.listings),
                            hit.matched_name,
                            hit.score,
                            hit.programme or "",
                            hit.listed_on or "",
                        ]
                    )
                )
        typer.echo(buffer.getvalue(), nl=False)
        return
    table = _table(
        "query", "list", "entity_id", "matched name", "score", "why", "programme", "listed on"
    )
    for query, hits in zip(queries, results, strict=True):
        if not hits:
            table.add_row(query.name, "-", "-", "no hit", "", "", "", "")
        for hit in hits:
            why = "; ".join(
                f"{f['feature']} {f['contribution']:+.2f}" for f in hit.explanation["features"]
            )
            table.add_row(
                query.name,
                "\n".join(lid for lid, _ in hit.listings),
                "\n".join(eid for _, eid in hit.listings),
                hit.matched_name,
                f"{hit.score:.2f}",
                why,
                hit.programme or "",
                hit.listed_on or "",
            )
    _out().print(table)


def screen(
    names: Annotated[list[str] | None, typer.Argument(help="Names to screen.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="CSV with a name column and optional birth_date, country, kind and "
            "identifiers (';'-separated).",
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Minimum score (default from the algorithm in force)."),
    ] = None,
    lists: Annotated[
        list[str] | None, typer.Option("--list", help="Screen against this list only (repeatable).")
    ] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="For NAME: YYYY or YYYY-MM-DD.")
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="For NAME: nationality or country.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="For NAME: person or organization.")
    ] = None,
    identifiers: Annotated[
        list[str] | None,
        typer.Option(
            "--identifier",
            help="For NAME: a passport, registration or other number (repeatable).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes for --file batches.")] = 1,
    rescreen_register: Annotated[
        bool,
        typer.Option(
            "--rescreen-register",
            help="Screen every open application and licence of the register again.",
        ),
    ] = False,
    database: Annotated[
        str | None, typer.Option("--database", help="With --rescreen-register: the register.")
    ] = None,
) -> None:
    """Screen names against the loaded lists; every hit explains itself."""
    from openatt.screening import ListStore, Query, matcher_for, screen_queries

    if rescreen_register:
        store = ListStore()
        if not store.list_ids():
            raise _fail("no list loaded: run `openatt lists import FILE` first")
        _rescreen_register(store, database)
        return
    if output not in ("table", "json", "csv"):
        raise _fail(f"--format: {output!r} is not one of table, json, csv")
    if threshold is not None and not 0 <= threshold <= 1:
        raise _fail("--threshold: must be between 0 and 1")
    if kind not in (None, "person", "organization"):
        raise _fail("--kind: must be person or organization")
    numbers = _identifiers(identifiers or [], "--identifier")
    for name in names or []:
        _check_length(name.strip(), "NAME")
    if birth_date is not None and not _calendar_date(birth_date):
        raise _fail(f"--birth-date: {birth_date!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if country is not None and not _known_country(country):
        raise _fail(
            f"--country: {country!r} is not a country openatt knows "
            "(an ISO 3166 alpha-3 or alpha-2 code, or an English name)"
        )
    queries = [Query(n, birth_date, country, kind, numbers) for n in names or [] if n.strip()]
    if file is not None:
        queries.extend(_read_parties(file))
    if not queries:
        raise _fail("name: give NAME... or --file parties.csv")
    store = ListStore()
    available = store.list_ids()
    if not available:
        raise _fail("no list loaded: run `openatt lists import FILE` first")
    unknown = [name for name in lists or [] if name not in available]
    if unknown:
        raise _fail(f"--list: {', '.join(unknown)} not loaded (loaded: {', '.join(available)})")
    matcher = matcher_for(store, lists)
    from openatt.screening.service import screen_queries_json

    # As JSON, each query's part of the document is written where it was screened.
    run = screen_queries_json if output == "json" else screen_queries
    if file is not None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        def advance(done: int) -> None:
            progress.advance(task, done)
            progress.refresh()

        # Redrawn as chunks come back, not by rich's thread: the batch forks its workers,
        # and a fork copies a lock that thread may hold (the terminal's, a stream's) into
        # each worker, held by no one (found in review, 2026-12-06).
        with Progress(
            TextColumn("screening"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=_err(),
            auto_refresh=False,
        ) as progress:
            task = progress.add_task("screen", total=len(queries))
            results = run(matcher, queries, threshold, lists, workers, advance, group=True)
    else:
        results = run(matcher, queries, threshold, lists, group=True)
    if isinstance(results, str):
        typer.echo(results)
    else:
        _render(queries, results, output)
    if file is not None:
        global freeze_at_exit
        freeze_at_exit = True


def register(app: typer.Typer) -> None:
    """Attach ``lists`` and ``screen`` to the ``openatt`` app."""
    app.add_typer(lists_app, name="lists")
    app.command("screen")(screen)

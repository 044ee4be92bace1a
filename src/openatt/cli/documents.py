"""``openatt documents``: add a document to a case, make a letter that is due, verify a
letter. Thin, like the routers: parse, call a register service, print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openatt.cli.output import console
from openatt.cli.register import DatabaseOption, _database, _fail
from openatt.register.errors import NotFound, RegisterError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from openatt.register.users import Actor

_out = console()  # data printed as written, not read as rich markup


def _case_id(session: Session, case: str) -> int:
    from sqlalchemy import select

    from openatt.register.models import ApplicationRow

    if case.isdigit():
        return int(case)
    found = session.execute(
        select(ApplicationRow.id).where(ApplicationRow.reference == case.strip().upper())
    ).scalar()
    if found is None:
        raise NotFound(f"no application {case!r}", field=("case",))
    return int(found)


def _actor(session: Session, username: str) -> Actor:
    from sqlalchemy import select

    from openatt.register.models import User
    from openatt.register.users import actor_of

    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"no user {username!r}", field=("user",))
    return actor_of(user)


def add(
    case: Annotated[str, typer.Argument(help="the application's id or reference (OA-…)")],
    file: Annotated[Path, typer.Argument(help="PDF, PNG, JPEG, DOCX, XLSX or ODT")],
    kind: Annotated[str, typer.Option("--kind", help="e.g. end_user_certificate")],
    user: Annotated[str, typer.Option("--user", help="who adds it (recorded in the log)")],
    reference: Annotated[str | None, typer.Option("--reference")] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a document to a case (type checked by content, stored by SHA-256)."""
    from openatt.register import documents
    from openatt.register.blobs import BlobStore

    try:
        store = BlobStore.from_environment()
        with file.open("rb") as handle:
            content = handle.read(store.max_bytes + 1)
    except OSError as error:
        raise _fail(f"file: {error.strerror}: {file}") from error
    except RegisterError as error:
        raise _fail(error.message) from error
    db = _database(database)
    try:
        with db.write() as session:
            row = documents.add(
                session,
                _actor(session, user),
                _case_id(session, case),
                kind=kind,
                filename=file.name,
                content=content,
                reference=reference,
                store=store,
            )
            shown = f"document {row.id}: {row.media_type}, {row.size} bytes, sha256 {row.sha256}"
    except RegisterError as error:
        where = str(error.field[-1]) if error.field else "error"
        raise _fail(f"{where}: {error.message}") from error
    finally:
        db.dispose()
    _out.print(shown, highlight=False)


def verify(
    reference: Annotated[str | None, typer.Option("--reference")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="the letter's PDF")] = None,
    database: DatabaseOption = None,
) -> None:
    """Check a letter as the public page does; exit 1 when it is not genuine."""
    from openatt.register import verification
    from openatt.register.blobs import digest

    given: str | None = None
    if file is not None:
        try:
            given = digest(file.read_bytes())
        except OSError as error:
            raise _fail(f"--file: {error.strerror}: {file}") from error
    db = _database(database)
    try:
        with db.read() as session:
            verdict = verification.verify(session, reference=reference, digest=given)
    except RegisterError as error:
        where = str(error.field[-1]) if error.field else "error"
        raise _fail(f"--{where}: {error.message}") from error
    finally:
        db.dispose()
    _out.print(verdict.message, highlight=False)
    if verdict.reference:
        _out.print(
            f"{verdict.kind} letter {verdict.reference} of {verdict.issued_on}: {verdict.status}"
            + (f"; licence {verdict.licence_number}" if verdict.licence_number else ""),
            highlight=False,
        )
    if not verdict.genuine:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    documents_app = typer.Typer(help="Documents on cases and letters.", no_args_is_help=True)
    documents_app.command("add")(add)
    documents_app.command("verify")(verify)
    app.add_typer(documents_app, name="documents")

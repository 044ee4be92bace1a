"""Commands for the trust boundaries (issue 13): user accounts (disable, enable, passwd,
totp), the signing key and checkpoints of the audit chain, and licence expiry by the server's
clock. Thin, like the other commands: parse, call a register service, print."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from openatt.cli.errors import refuse
from openatt.cli.output import styled
from openatt.cli.register import DatabaseOption, _database, _err, _fail, _out
from openatt.register.errors import RegisterError
from openatt.register.users import SYSTEM
from openatt.settings import get_settings

PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="OPENATT_NEW_PASSWORD",
        help="the new password (else OPENATT_NEW_PASSWORD, else asked twice)",
    ),
]


def _admin_failure(error: RegisterError) -> typer.Exit:
    return refuse(error)


def users_disable(username: str, database: DatabaseOption = None) -> None:
    """Disable a user; every session of theirs ends at once."""
    from openatt.register import accounts

    try:
        with _database(database).write() as session:
            accounts.set_active(session, SYSTEM, username, False)
    except RegisterError as error:
        raise _admin_failure(error) from error
    _out.print(f"disabled {username}; their sessions are ended")


def users_enable(username: str, database: DatabaseOption = None) -> None:
    """Enable a disabled user."""
    from openatt.register import accounts

    try:
        with _database(database).write() as session:
            accounts.set_active(session, SYSTEM, username, True)
    except RegisterError as error:
        raise _admin_failure(error) from error
    _out.print(f"enabled {username}")


def users_passwd(
    username: str, password: PasswordOption = None, database: DatabaseOption = None
) -> None:
    """Set a user's password (refused if short or common); their sessions end."""
    from openatt.register import accounts

    if password is None:
        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            raise _fail("password: the two entries differ")
    try:
        with _database(database).write() as session:
            accounts.change_password(session, SYSTEM, username, password)
    except RegisterError as error:
        raise _admin_failure(error) from error
    _out.print(f"password of {username} changed; their sessions are ended")


def users_totp(username: str, database: DatabaseOption = None) -> None:
    """Enrol a staff user for a TOTP second factor; prints the secret and its URI once."""
    import pyotp

    from openatt.register import accounts

    try:
        with _database(database).write() as session:
            secret = accounts.enrol_totp(session, SYSTEM, username)
    except RegisterError as error:
        raise _admin_failure(error) from error
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="openatt")
    _out.print(f"secret: {secret}\nuri: {uri}", highlight=False)


def audit_keygen(
    file: Annotated[Path, typer.Argument(help="where to write the private key (PEM, 0600)")],
) -> None:
    """Make the Ed25519 key that signs checkpoints; keep it away from the database."""
    from openatt.register import anchor

    if file.exists():
        raise _fail(f"file: {file} exists; it is not overwritten")
    public = anchor.generate_key(file)
    _out.print(f"private key: {file}\npublic key: {anchor.public_hex(public)}", highlight=False)


KeyOption = Annotated[
    Path | None,
    typer.Option("--key", help="the private key file (else OPENATT_SIGNING_KEY[_FILE])"),
]
CheckpointsOption = Annotated[
    Path | None,
    typer.Option("--checkpoints", help="the checkpoint file (default under OPENATT_HOME)"),
]


def audit_checkpoint(
    key: KeyOption = None, checkpoints: CheckpointsOption = None, database: DatabaseOption = None
) -> None:
    """Sign the chain head and append it to the checkpoint file (run it on a schedule)."""
    from openatt.register import anchor

    try:
        signing = anchor.signing_key(key)
    except RegisterError as error:
        raise _admin_failure(error) from error
    if signing is None:
        raise _fail(f"--key: no signing key (or set {anchor.KEY_ENV} / {anchor.KEY_FILE_ENV})")
    path = checkpoints or anchor.default_path()
    with _database(database).read() as session:
        point = anchor.checkpoint(session, signing, path)
    _out.print(f"checkpoint: event {point.seq} {point.hash[:12]} signed into {path}")


def audit_verify_anchored(
    public_key: Annotated[str, typer.Option("--public-key", help="the trusted key (hex)")],
    checkpoints: CheckpointsOption = None,
    database: DatabaseOption = None,
    tsa_cert: Annotated[
        Path | None,
        typer.Option("--tsa-cert", help="the TSA's certificate: verify each <checkpoints>-N.tsr"),
    ] = None,
    tsa_ca: Annotated[
        Path | None,
        typer.Option(
            "--tsa-ca",
            help="roots (PEM) the TSA's certificate must chain to, as a timestamping one; "
            "without --tsa-cert, the certificate each response carries is used",
        ),
    ] = None,
) -> None:
    """Verify the chain, then check it against every signed checkpoint (a rewritten or
    truncated history is reported even when the chain itself was recomputed), and every
    RFC 3161 timestamp response beside the checkpoint file."""
    from openatt.register import anchor, audit, timestamps

    try:
        trusted = anchor.public_key(public_key)
        certificate = timestamps.load_certificate(tsa_cert) if tsa_cert else None
        roots = timestamps.load_roots(tsa_ca) if tsa_ca else None
    except RegisterError as error:
        raise _admin_failure(error) from error
    path = checkpoints or anchor.default_path()
    with _database(database).read() as session:
        chain = audit.verify(session)
        anchored = anchor.verify_checkpoints(session, path, trusted)
    stamped = timestamps.check_responses(path, trusted, certificate, roots=roots)
    if stamped.unchecked:
        _err.print(
            f"note: {stamped.unchecked} timestamp responses not checked "
            "(give --tsa-cert or --tsa-ca)"
        )
    problems = ([str(chain.broken)] if chain.broken else []) + anchored.problems + stamped.problems
    for problem in problems:
        _err.print(styled("TAMPERED", "red", f" {problem}"))
    if problems:
        raise typer.Exit(1)
    _out.print(
        f"intact: {chain.events} events, chain head {chain.head_seq}, "
        f"{anchored.checkpoints} checkpoints agree"
        + (
            f", {len(stamped.verified)} timestamp responses verified"
            if certificate or roots
            else ""
        )
    )
    for line in stamped.verified:
        _out.print(f"  {line}")


def licences_expire(database: DatabaseOption = None) -> None:
    """Expire every licence whose last day has passed, by the server's clock (schedule it
    daily; until it runs, such licences already read as expired)."""
    from openatt.register import server_clock

    with _database(database).write() as session:
        numbers = server_clock.expire_due(session)
    _out.print(f"expired {len(numbers)} licences" + (": " + ", ".join(numbers) if numbers else ""))


def add_commands(app: typer.Typer, users_app: typer.Typer, audit_app: typer.Typer) -> None:
    users_app.command("disable")(users_disable)
    users_app.command("enable")(users_enable)
    users_app.command("passwd")(users_passwd)
    users_app.command("totp")(users_totp)
    audit_app.command("keygen")(audit_keygen)
    audit_app.command("checkpoint")(audit_checkpoint)
    audit_app.command("verify-anchored")(audit_verify_anchored)
    licences_app = typer.Typer(help="Licences.", no_args_is_help=True)
    licences_app.command("expire")(licences_expire)
    app.add_typer(licences_app, name="licences")


def warn_demo_logins(url: str) -> None:
    """``serve`` warns when the register still has the demo's published logins."""
    from openatt.register import accounts
    from openatt.register.db import Database

    db = Database(url, migrate=False)
    try:
        with db.read() as session:
            found = accounts.demo_logins(session)
    finally:
        db.dispose()
    if found:
        _err.print(
            styled(
                "warning:",
                "yellow",
                f" demo logins with their published passwords exist: {', '.join(found)}. "
                "Disable them (openatt users disable NAME) before real use.",
            )
        )


def start_checkpoints(url: str) -> None:
    """With a signing key configured, ``serve`` signs a checkpoint at start and then every
    ``OPENATT_CHECKPOINT_SECONDS`` (default 300) in a background thread."""
    import threading

    from openatt.register import anchor
    from openatt.register.db import Database

    try:
        key = anchor.signing_key()
    except RegisterError as error:
        raise _admin_failure(error) from error
    if key is None:
        _err.print(
            styled(
                "warning:",
                "yellow",
                " no signing key (OPENATT_SIGNING_KEY_FILE): the audit chain is not anchored "
                "outside the database (see docs/security.md)",
            )
        )
        return
    every = get_settings().checkpoint_seconds
    path = anchor.default_path()
    db = Database(url, migrate=False)
    stop = threading.Event()

    def run() -> None:
        while True:
            with db.read() as session:
                anchor.checkpoint(session, key, path)
            if stop.wait(every):
                return

    threading.Thread(target=run, name="openatt-checkpoints", daemon=True).start()
    _out.print(f"signing checkpoints of the audit chain into {path} every {every:g} s")
